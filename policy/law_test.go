package policy_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// lawRecipients add recipients abroad to the test recipients.
var lawRecipients = append([]disclosure.Recipient{
	{ID: "de-partner", Kind: disclosure.Partner, Country: "DE"},
	{ID: "us-bank", Kind: disclosure.ThirdParty, Country: "US"},
	{ID: "ru-state", Kind: disclosure.StateBody, Country: "RU"},
	{ID: "tr-contractor", Kind: disclosure.Contractor, Country: "TR", Confidentiality: true},
}, testRecipients...)

// lawCatalog is the seed catalog with a purpose marked for explicit
// consent and a research purpose marked for depersonalisation, and a
// retention of 30 days on feedback.
func lawCatalog(t testing.TB) *purpose.Catalog {
	t.Helper()
	ps := purpose.Default().Purposes()
	for i := range ps {
		switch ps[i].ID {
		case purpose.Location:
			ps[i].ExplicitConsent = true
		case purpose.Feedback:
			ps[i].Retention = purpose.Retention{Period: 30 * 24 * time.Hour}
		}
	}
	ps = append(ps, purpose.Purpose{ID: "research", Clause: "3.2", Title: purpose.Text{RU: "Исследования"},
		Categories: []purpose.Category{purpose.Identity, purpose.Device}, Depersonalise: true})
	cat, err := purpose.NewCatalog(purpose.Default().Categories(), ps)
	require.NoError(t, err)
	return cat
}

// TestLaw is the Go table of the Law's rules (clause 4.1 with Law 94-V),
// each case citing the article it tests; the Rego has the same rules'
// unit tests in law_test.rego.
func TestLaw(t *testing.T) {
	ctx := context.Background()
	const user = "u"
	now := t0.Add(time.Hour)
	accept := consent.AcceptPolicy(user, policy.DefaultVersion.ID, t0)
	grant := func(p purpose.ID, r string, f consent.Flags) consent.Event {
		return consent.Grant(user, p, r, t0, consent.WithFlags(f))
	}
	crossBorder := consent.Flags{CrossBorderTransfer: true}
	tests := []struct {
		name        string
		opts        []policy.Option
		events      []consent.Event
		purpose     purpose.ID
		recipient   string
		check       []policy.CheckOption
		allowed     bool
		reason      string // a reason the decision must carry
		obligation  string // an obligation the decision must carry
		noReasonFor string // a reason code it must not carry
	}{
		// 4.1; 94-V art. 16: cross-border transfer.
		{name: "art. 16: a 5.1 partner abroad without cross-border consent is denied",
			events: []consent.Event{accept}, purpose: purpose.Payments, recipient: "de-partner",
			reason: "cross_border_consent_required@4.1; 94-V art. 16"},
		{name: "art. 16: a state body abroad without cross-border consent is denied",
			events: []consent.Event{accept}, purpose: purpose.Verification, recipient: "ru-state",
			reason: "cross_border_consent_required@4.1; 94-V art. 16"},
		{name: "art. 16: a 5.2 grant without the cross-border flag is not enough",
			events: []consent.Event{accept, grant(purpose.Payments, "us-bank", consent.Flags{ThirdPartyTransfer: true})}, purpose: purpose.Payments, recipient: "us-bank",
			reason: "cross_border_consent_required@4.1; 94-V art. 16"},
		{name: "art. 16: a grant with the cross-border flag allows",
			events: []consent.Event{accept, grant(purpose.Payments, "us-bank", crossBorder)}, purpose: purpose.Payments, recipient: "us-bank",
			allowed: true, reason: "consent_granted@5.2", obligation: "cross_border_transfer@4.1; 94-V art. 16"},
		{name: "art. 16: a 5.1 partner abroad with a flagged grant is allowed",
			events: []consent.Event{accept, grant(purpose.Payments, "de-partner", crossBorder)}, purpose: purpose.Payments, recipient: "de-partner",
			allowed: true, reason: "cross_border_consented@4.1; 94-V art. 16"},
		{name: "art. 16: staff abroad need it too",
			events: []consent.Event{accept}, purpose: purpose.Support, recipient: "tr-contractor",
			reason: "cross_border_consent_required@4.1; 94-V art. 16"},
		{name: "art. 16: a country the host lists as adequate needs no cross-border consent",
			opts:   []policy.Option{policy.WithAdequateCountries("DE")},
			events: []consent.Event{accept}, purpose: purpose.Payments, recipient: "de-partner",
			allowed: true, reason: "shared_with_affiliated@5.1", obligation: "cross_border_transfer@4.1; 94-V art. 16"},
		{name: "art. 16: a treaty basis named on the Check allows the transfer",
			events: []consent.Event{accept}, purpose: purpose.Payments, recipient: "de-partner",
			check:   []policy.CheckOption{policy.WithBasis(policy.BasisTreaty)},
			allowed: true, reason: "shared_with_affiliated@5.1"},
		{name: "art. 16: WithoutLaw switches the rule off",
			opts:   []policy.Option{policy.WithoutLaw()},
			events: []consent.Event{accept}, purpose: purpose.Payments, recipient: "de-partner",
			allowed: true, noReasonFor: "cross_border_consent_required"},
		{name: "art. 16: a domestic partner is untouched",
			events: []consent.Event{accept}, purpose: purpose.Payments, recipient: "kaspi",
			allowed: true, noReasonFor: "cross_border_consent_required"},

		// 4.1; 94-V art. 9 (unconf.): processing without consent.
		{name: "art. 9: a basis named on the Check stands in for the 5.2 grant",
			events: []consent.Event{accept}, purpose: purpose.Payments, recipient: "halyk",
			check:   []policy.CheckOption{policy.WithBasis(policy.BasisLawEnforcement)},
			allowed: true, reason: "law_basis@4.1; 94-V art. 9 (unconf.)"},
		{name: "art. 9: a basis registered on the recipient stands in for acceptance",
			opts:   []policy.Option{policy.WithRecipientBasis("kgd", policy.BasisOtherLaw)},
			events: nil, purpose: purpose.Verification, recipient: "kgd",
			allowed: true, reason: "law_basis@4.1; 94-V art. 9 (unconf.)"},
		{name: "art. 9: never by default",
			events: nil, purpose: purpose.Verification, recipient: "kgd",
			reason: "acceptance_missing@2.1"},
		{name: "art. 9: a basis does not relax confidentiality (6.3)",
			events: []consent.Event{accept}, purpose: purpose.Support, recipient: "intern",
			check:  []policy.CheckOption{policy.WithBasis(policy.BasisLawEnforcement)},
			reason: "confidentiality_required@6.3"},
		{name: "art. 9: a basis does not relax commercial secrets (5.1)",
			events: []consent.Event{accept}, purpose: purpose.Payments, recipient: "kgd",
			check:  []policy.CheckOption{policy.WithBasis(policy.BasisLawEnforcement), policy.WithCategories(purpose.CommercialSecret)},
			reason: "commercial_secret@5.1"},
		{name: "art. 9: ignored WithoutLaw",
			opts:   []policy.Option{policy.WithoutLaw()},
			events: []consent.Event{accept}, purpose: purpose.Payments, recipient: "halyk",
			check:  []policy.CheckOption{policy.WithBasis(policy.BasisLawEnforcement)},
			reason: "consent_required@5.2"},

		// 4.1 read strictly: explicit consent for every recipient kind.
		{name: "4.1: explicit consent purpose shared with a state body needs the grant",
			events: []consent.Event{accept}, purpose: purpose.Location, recipient: "kgd",
			reason: "explicit_consent_required@4.1"},
		{name: "4.1: explicit consent purpose to staff needs the grant",
			events: []consent.Event{accept}, purpose: purpose.Location, recipient: "support-staff",
			reason: "explicit_consent_required@4.1"},
		{name: "4.1: explicit consent purpose for the operator needs the grant",
			events: []consent.Event{accept}, purpose: purpose.Location, recipient: policy.Operator,
			reason: "explicit_consent_required@4.1"},
		{name: "4.1: with the grant for that recipient it is allowed",
			events: []consent.Event{accept, grant(purpose.Location, "kgd", consent.Flags{})}, purpose: purpose.Location, recipient: "kgd",
			allowed: true, reason: "shared_with_affiliated@5.1"},
		{name: "4.1: a grant for another recipient is not enough",
			events: []consent.Event{accept, grant(purpose.Location, "kaspi", consent.Flags{})}, purpose: purpose.Location, recipient: "kgd",
			reason: "explicit_consent_required@4.1"},

		// 4.2 retention, read from the catalog.
		{name: "4.2: data collected before the purpose's retention are denied",
			events: []consent.Event{accept}, purpose: purpose.Feedback, recipient: policy.Operator,
			check:  []policy.CheckOption{policy.WithCollectedAt(now.Add(-31 * 24 * time.Hour))},
			reason: "retention_expired@4.2"},
		{name: "4.2: within the retention it is allowed",
			events: []consent.Event{accept}, purpose: purpose.Feedback, recipient: policy.Operator,
			check:   []policy.CheckOption{policy.WithCollectedAt(now.Add(-29 * 24 * time.Hour))},
			allowed: true, reason: "operator_processing@2.1"},
		{name: "4.2: the seed's unlimited retention never expires",
			events: []consent.Event{accept}, purpose: purpose.Payments, recipient: policy.Operator,
			check:   []policy.CheckOption{policy.WithCollectedAt(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC))},
			allowed: true, reason: "operator_processing@2.1"},

		// 4.1; 94-V art. 17 (unconf.): research is depersonalised.
		{name: "art. 17: a research purpose's allow obliges depersonalisation",
			events: []consent.Event{accept}, purpose: "research", recipient: policy.Operator,
			allowed: true, obligation: "depersonalise@4.1; 94-V art. 17 (unconf.)"},

		// 3.2 purpose limitation: naming no category judges the purpose's own.
		{name: "3.2: no category named, a 5.1 recipient gets the purpose's own with commercial secrets excluded",
			events: []consent.Event{accept}, purpose: purpose.Payments, recipient: "kaspi",
			allowed: true, obligation: "exclude_commercial_secret@5.1"},
		{name: "3.2: a category outside the purpose is denied when named",
			events: []consent.Event{accept}, purpose: purpose.Feedback, recipient: policy.Operator,
			check:  []policy.CheckOption{policy.WithCategories(purpose.PaymentDetails)},
			reason: "category_not_permitted@3.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := consent.NewMemoryStore()
			if len(tt.events) > 0 {
				require.NoError(t, store.Append(ctx, tt.events...))
			}
			opts := append([]policy.Option{
				policy.WithConsentStore(store), policy.WithRecipients(lawRecipients...), policy.WithCatalog(lawCatalog(t)),
				policy.WithClock(func() time.Time { return now }),
			}, tt.opts...)
			e, err := policy.New(opts...)
			require.NoError(t, err)
			d, err := e.Check(ctx, user, tt.purpose, tt.recipient, tt.check...)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, d.Allowed, d.Explain("en"))
			if tt.reason != "" {
				assert.Contains(t, codes(d), tt.reason, d.Explain("en"))
			}
			if tt.obligation != "" {
				assert.Contains(t, obligationCodes(d), tt.obligation, d.Explain("en"))
			}
			if tt.noReasonFor != "" {
				assert.NotContains(t, reasonCodes(d), tt.noReasonFor)
			}
			require.NoError(t, policy.Verify(d))
		})
	}
}

// The Law's texts name the law in every language.
func TestLawMessagesNameTheLaw(t *testing.T) {
	for _, code := range []string{"law_basis", "cross_border_consent_required", "cross_border_consented", "cross_border_transfer", "depersonalise", "retention_expired"} {
		m, ok := policy.Message(code)
		require.True(t, ok, code)
		assert.Contains(t, m.RU, "О персональных данных и их защите", code)
		assert.Contains(t, m.KK, "Дербес деректер және оларды қорғау туралы", code)
		assert.Contains(t, m.EN, "on personal data and their protection", code)
	}
}

// An unknown basis is refused, at New and on a Check.
func TestBasisValidated(t *testing.T) {
	_, err := policy.New(policy.WithRecipients(testRecipients...), policy.WithRecipientBasis("kgd", "because"))
	assert.ErrorIs(t, err, policy.ErrInvalidConfig)
	_, err = policy.New(policy.WithRecipients(testRecipients...), policy.WithRecipientBasis("nobody", policy.BasisOtherLaw))
	assert.ErrorIs(t, err, policy.ErrInvalidConfig)
	_, err = policy.New(policy.WithAdequateCountries("Germany"))
	assert.ErrorIs(t, err, policy.ErrInvalidConfig)
	f := newFixture(t)
	d, err := f.engine.Check(context.Background(), "u", purpose.Payments, "halyk", policy.WithBasis("because"))
	assert.ErrorIs(t, err, policy.ErrInvalidRequest)
	assert.False(t, d.Allowed)
}

type locatedStore struct {
	*consent.MemoryStore
	where string
}

func (s locatedStore) StoreLocation() string { return s.where }

// 94-V art. 12 p.2: a consent store whose primary database sits outside
// Kazakhstan is refused at New unless the host states the exception.
func TestLocalisationArt12(t *testing.T) {
	tests := []struct {
		name string
		opts []policy.Option
		ok   bool
	}{
		{"undeclared", nil, true},
		{"declared in KZ", []policy.Option{policy.WithStoreLocation("KZ")}, true},
		{"declared abroad", []policy.Option{policy.WithStoreLocation("DE")}, false},
		{"declared abroad with the exception stated", []policy.Option{policy.WithStoreLocation("DE"), policy.WithLocalisationException("copy; primary in KZ")}, true},
		{"store reports abroad", []policy.Option{policy.WithConsentStore(locatedStore{consent.NewMemoryStore(), "NL"})}, false},
		{"store reports KZ", []policy.Option{policy.WithConsentStore(locatedStore{consent.NewMemoryStore(), "KZ"})}, true},
		{"declaration overrides the store", []policy.Option{policy.WithConsentStore(locatedStore{consent.NewMemoryStore(), "NL"}), policy.WithStoreLocation("KZ")}, true},
		{"WithoutLaw", []policy.Option{policy.WithStoreLocation("DE"), policy.WithoutLaw()}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.New(tt.opts...)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, policy.ErrInvalidConfig)
			assert.Contains(t, err.Error(), "art. 12")
		})
	}
}

// 9.3: after a withdrawal of acceptance, grants given before it stay void
// when the user accepts again.
func TestWithdrawalOfAcceptanceVoidsGrants(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.append(t,
		consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0),
		consent.Grant("u", purpose.Payments, "halyk", t0.Add(time.Second)),
		consent.WithdrawAcceptance("u", t0.Add(2*time.Second)),
	)
	d, err := f.engine.Check(ctx, "u", purpose.Payments, "halyk")
	require.NoError(t, err)
	assert.False(t, d.Allowed, "withdrawn acceptance denies (9.3)")
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0.Add(3*time.Second)))
	d, err = f.engine.Check(ctx, "u", purpose.Payments, "halyk")
	require.NoError(t, err)
	assert.False(t, d.Allowed, "the grant given before the withdrawal stays void (9.3)")
	assert.True(t, d.Has(policy.CodeConsentRequired))
	f.append(t, consent.Grant("u", purpose.Payments, "halyk", t0.Add(4*time.Second)))
	d, err = f.engine.Check(ctx, "u", purpose.Payments, "halyk")
	require.NoError(t, err)
	assert.True(t, d.Allowed, "a grant given anew allows again")
}

// An acceptance given with a term (consent.WithTerm) stands until its end
// and not after (2.1; 94-V art. 8 p.4, the consent's term): the engine
// judges it by its clock, read only when the acceptance has a term.
func TestAcceptanceTerm(t *testing.T) {
	now := t0.Add(time.Hour) // the fixture's clock
	tests := []struct {
		name    string
		events  []consent.Event
		allowed bool
		reasons []string
	}{
		{
			name:    "no term: stands",
			events:  []consent.Event{consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0)},
			allowed: true,
			reasons: []string{"operator_processing@2.1"},
		},
		{
			name:    "term ends after now: stands",
			events:  []consent.Event{consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0, consent.WithTerm(now.Add(time.Nanosecond)))},
			allowed: true,
			reasons: []string{"operator_processing@2.1"},
		},
		{
			name:    "term ends now: no acceptance",
			events:  []consent.Event{consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0, consent.WithTerm(now))},
			reasons: []string{"acceptance_missing@2.1"},
		},
		{
			name:    "term ended: no acceptance",
			events:  []consent.Event{consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0, consent.WithTerm(t0.Add(time.Minute)))},
			reasons: []string{"acceptance_missing@2.1"},
		},
		{
			name: "term ended, accepted again without one: stands",
			events: []consent.Event{
				consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0, consent.WithTerm(t0.Add(time.Minute))),
				consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0.Add(2*time.Minute)),
			},
			allowed: true,
			reasons: []string{"operator_processing@2.1"},
		},
		{
			name: "withdrawn within its term: withdrawn",
			events: []consent.Event{
				consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0, consent.WithTerm(now.Add(time.Hour))),
				consent.WithdrawAcceptance("u", t0.Add(time.Minute)),
			},
			reasons: []string{"acceptance_withdrawn@9.3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.append(t, tt.events...)
			d, err := f.engine.Check(context.Background(), "u", purpose.Feedback, policy.Operator)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, d.Allowed)
			assert.Equal(t, tt.reasons, codes(d))
		})
	}
}
