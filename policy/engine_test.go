package policy_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

var t0 = time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)

// testRecipients has one recipient of every kind, staff both with and
// without a confidentiality obligation.
var testRecipients = []disclosure.Recipient{
	{ID: "kgd", Kind: disclosure.StateBody, Name: "State Revenue Committee"},
	{ID: "kaspi", Kind: disclosure.Partner, Name: "Partner bank"},
	{ID: "dtt-cloud", Kind: disclosure.Affiliate, Name: "Affiliated company"},
	{ID: "halyk", Kind: disclosure.ThirdParty, Name: "Unaffiliated bank"},
	{ID: "notary", Kind: disclosure.Individual, Name: "Private notary"},
	{ID: "support-staff", Kind: disclosure.Employee, Confidentiality: true},
	{ID: "intern", Kind: disclosure.Employee},
	{ID: "call-center", Kind: disclosure.Contractor, Confidentiality: true},
	{ID: "freelancer", Kind: disclosure.Contractor},
}

type fixture struct {
	engine *policy.Engine
	store  *consent.MemoryStore
}

func newFixture(t testing.TB, opts ...policy.Option) fixture {
	t.Helper()
	store := consent.NewMemoryStore()
	opts = append([]policy.Option{
		policy.WithConsentStore(store),
		policy.WithRecipients(testRecipients...),
		policy.WithClock(func() time.Time { return t0.Add(time.Hour) }),
		// The budget of an evaluation is a speed target, which lives in
		// the benchmarks: a machine slowed down (-race, a loaded CI
		// runner) must not fail a test of what is decided. Tests of the
		// budget set their own.
		policy.WithEvalTimeout(testEvalBudget),
	}, opts...)
	e, err := policy.New(opts...)
	require.NoError(t, err)
	return fixture{engine: e, store: store}
}

func (f fixture) append(t testing.TB, events ...consent.Event) {
	t.Helper()
	require.NoError(t, f.store.Append(context.Background(), events...))
}

func codes(d policy.Decision) []string {
	var out []string
	for _, r := range d.Reasons {
		out = append(out, r.Code+"@"+r.Clause)
	}
	return out
}

func obligationCodes(d policy.Decision) []string {
	var out []string
	for _, o := range d.Obligations {
		out = append(out, o.Code+"@"+o.Clause)
	}
	return out
}

func TestCheckClauses(t *testing.T) {
	current := policy.DefaultVersion.ID
	accept := func(u string) consent.Event { return consent.AcceptPolicy(u, current, t0) }
	tests := []struct {
		name        string
		events      func(user string) []consent.Event
		purpose     purpose.ID
		recipient   string
		categories  []purpose.Category
		allowed     bool
		reasons     []string
		obligations []string
	}{
		{
			name:      "2.1 operator without acceptance is denied",
			purpose:   purpose.Payments,
			recipient: policy.Operator,
			reasons:   []string{"acceptance_missing@2.1"},
		},
		{
			name:      "2.1 operator with acceptance is allowed",
			events:    func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:   purpose.Payments,
			recipient: policy.Operator,
			allowed:   true,
			reasons:   []string{"operator_processing@2.1"},
		},
		{
			name: "9.2/9.5 acceptance of an older version stands, with the obligation to show the current one",
			events: func(u string) []consent.Event {
				return []consent.Event{consent.AcceptPolicy(u, "2019-ru-0", t0)}
			},
			purpose:     purpose.Support,
			recipient:   policy.Operator,
			allowed:     true,
			reasons:     []string{"operator_processing@2.1"},
			obligations: []string{"show_current_version@9.5"},
		},
		{
			name: "9.3 withdrawal of acceptance stops the operator's processing",
			events: func(u string) []consent.Event {
				return []consent.Event{accept(u), consent.WithdrawAcceptance(u, t0.Add(time.Minute))}
			},
			purpose:   purpose.Security,
			recipient: policy.Operator,
			reasons:   []string{"acceptance_withdrawn@9.3"},
		},
		{
			name: "9.3 withdrawal of acceptance stops 5.1 disclosures too",
			events: func(u string) []consent.Event {
				return []consent.Event{accept(u), consent.WithdrawAcceptance(u, t0.Add(time.Minute))}
			},
			purpose:   purpose.Verification,
			recipient: "kgd",
			reasons:   []string{"acceptance_withdrawn@9.3"},
		},
		{
			name: "9.3 withdrawal of acceptance overrides a 5.2 grant",
			events: func(u string) []consent.Event {
				return []consent.Event{accept(u), consent.Grant(u, purpose.Payments, "halyk", t0), consent.WithdrawAcceptance(u, t0.Add(time.Minute))}
			},
			purpose:   purpose.Payments,
			recipient: "halyk",
			// The grant predates the withdrawal, which voids it.
			reasons: []string{"consent_required@5.2", "acceptance_withdrawn@9.3"},
		},
		{
			name: "2.1 re-acceptance after withdrawal restores processing",
			events: func(u string) []consent.Event {
				return []consent.Event{accept(u), consent.WithdrawAcceptance(u, t0.Add(time.Minute)), consent.AcceptPolicy(u, current, t0.Add(2*time.Minute))}
			},
			purpose:   purpose.Feedback,
			recipient: policy.Operator,
			allowed:   true,
			reasons:   []string{"operator_processing@2.1"},
		},
		{
			name:        "5.1 state body is allowed with the commercial-secret exclusion",
			events:      func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:     purpose.Verification,
			recipient:   "kgd",
			allowed:     true,
			reasons:     []string{"shared_with_affiliated@5.1"},
			obligations: []string{"exclude_commercial_secret@5.1", "record_disclosure@7.1"},
		},
		{
			name:        "5.1 partner is allowed",
			events:      func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:     purpose.Payments,
			recipient:   "kaspi",
			categories:  []purpose.Category{purpose.PaymentDetails},
			allowed:     true,
			reasons:     []string{"shared_with_affiliated@5.1"},
			obligations: []string{"exclude_commercial_secret@5.1", "record_disclosure@7.1"},
		},
		{
			name:        "5.1 affiliate is allowed",
			events:      func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:     purpose.ServiceAccess,
			recipient:   "dtt-cloud",
			allowed:     true,
			reasons:     []string{"shared_with_affiliated@5.1"},
			obligations: []string{"exclude_commercial_secret@5.1", "record_disclosure@7.1"},
		},
		{
			name:       "5.1 commercial secret is never shared with a partner",
			events:     func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:    purpose.Payments,
			recipient:  "kaspi",
			categories: []purpose.Category{purpose.CommercialSecret, purpose.PaymentDetails},
			reasons:    []string{"commercial_secret@5.1"},
		},
		{
			name:       "5.1 commercial secret is never shared with a state body",
			events:     func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:    purpose.ServiceAccess,
			recipient:  "kgd",
			categories: []purpose.Category{purpose.CommercialSecret},
			reasons:    []string{"commercial_secret@5.1"},
		},
		{
			name:      "5.2 unaffiliated company without a grant is denied",
			events:    func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:   purpose.Payments,
			recipient: "halyk",
			reasons:   []string{"consent_required@5.2"},
		},
		{
			name: "5.2 unaffiliated company with a grant is allowed",
			events: func(u string) []consent.Event {
				return []consent.Event{accept(u), consent.Grant(u, purpose.Payments, "halyk", t0)}
			},
			purpose:     purpose.Payments,
			recipient:   "halyk",
			allowed:     true,
			reasons:     []string{"consent_granted@5.2"},
			obligations: []string{"record_disclosure@7.1"},
		},
		{
			name: "5.2 a grant is specific to the purpose",
			events: func(u string) []consent.Event {
				return []consent.Event{accept(u), consent.Grant(u, purpose.Payments, "halyk", t0)}
			},
			purpose:   purpose.Support,
			recipient: "halyk",
			reasons:   []string{"consent_required@5.2"},
		},
		{
			name: "5.2 a grant is specific to the recipient",
			events: func(u string) []consent.Event {
				return []consent.Event{accept(u), consent.Grant(u, purpose.Payments, "halyk", t0)}
			},
			purpose:   purpose.Payments,
			recipient: "notary",
			reasons:   []string{"consent_required@5.2"},
		},
		{
			name: "5.2 a withdrawn grant no longer allows",
			events: func(u string) []consent.Event {
				return []consent.Event{accept(u), consent.Grant(u, purpose.Payments, "halyk", t0), consent.Withdraw(u, purpose.Payments, "halyk", t0.Add(time.Minute))}
			},
			purpose:   purpose.Payments,
			recipient: "halyk",
			reasons:   []string{"consent_required@5.2"},
		},
		{
			name: "5.2 an expired grant no longer allows",
			events: func(u string) []consent.Event {
				return []consent.Event{accept(u), consent.Grant(u, purpose.Payments, "halyk", t0, consent.WithTerm(t0.Add(30*time.Minute)))}
			},
			purpose:   purpose.Payments,
			recipient: "halyk",
			reasons:   []string{"consent_required@5.2"},
		},
		{
			name: "5.2 private individual with a grant is allowed",
			events: func(u string) []consent.Event {
				return []consent.Event{accept(u), consent.Grant(u, purpose.Verification, "notary", t0)}
			},
			purpose:     purpose.Verification,
			recipient:   "notary",
			allowed:     true,
			reasons:     []string{"consent_granted@5.2"},
			obligations: []string{"record_disclosure@7.1"},
		},
		{
			name:      "5.2 private individual without a grant is denied",
			events:    func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:   purpose.Verification,
			recipient: "notary",
			reasons:   []string{"consent_required@5.2"},
		},
		{
			name:        "6.3 employee under confidentiality is allowed",
			events:      func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:     purpose.Support,
			recipient:   "support-staff",
			allowed:     true,
			reasons:     []string{"confidentiality_agreed@6.3"},
			obligations: []string{"record_disclosure@7.1"},
		},
		{
			name:      "6.3 employee without confidentiality is denied",
			events:    func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:   purpose.Support,
			recipient: "intern",
			reasons:   []string{"confidentiality_required@6.3"},
		},
		{
			name:        "6.3 contractor under confidentiality is allowed",
			events:      func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:     purpose.Support,
			recipient:   "call-center",
			allowed:     true,
			reasons:     []string{"confidentiality_agreed@6.3"},
			obligations: []string{"record_disclosure@7.1"},
		},
		{
			name:      "6.3 contractor without confidentiality is denied",
			events:    func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:   purpose.Support,
			recipient: "freelancer",
			reasons:   []string{"confidentiality_required@6.3"},
		},
		{
			name:       "3.2 a category the purpose does not use is denied",
			events:     func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:    purpose.Feedback,
			recipient:  policy.Operator,
			categories: []purpose.Category{purpose.Contact, purpose.PaymentDetails},
			reasons:    []string{"category_not_permitted@3.2"},
		},
		{
			name:       "3.1 security may use device data",
			events:     func(u string) []consent.Event { return []consent.Event{accept(u)} },
			purpose:    purpose.Security,
			recipient:  policy.Operator,
			categories: []purpose.Category{purpose.Device, purpose.GeoLocation},
			allowed:    true,
			reasons:    []string{"operator_processing@2.1"},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			user := "user-" + string(rune('a'+i))
			if tt.events != nil {
				f.append(t, tt.events(user)...)
			}
			d, err := f.engine.Check(context.Background(), user, tt.purpose, tt.recipient, policy.WithCategories(tt.categories...))
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, d.Allowed)
			if diff := cmp.Diff(tt.reasons, codes(d)); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.obligations, obligationCodes(d)); diff != "" {
				t.Errorf("obligations (-want +got):\n%s", diff)
			}
			assert.Equal(t, policy.DefaultVersion.ID, d.PolicyVersion)
			assert.Equal(t, tt.purpose, d.Purpose)
			assert.Equal(t, tt.recipient, d.Recipient)
			assert.NotEmpty(t, d.LegalBasis.RU)
			for _, r := range d.Reasons {
				assert.NotEmpty(t, r.Message.RU, r.Code)
				assert.NotEmpty(t, r.Message.KK, r.Code)
				assert.NotEmpty(t, r.Message.EN, r.Code)
			}
		})
	}
}

type failingStore struct{ err error }

func (s failingStore) State(context.Context, string) (consent.State, error) {
	return consent.State{}, s.err
}

func TestCheckFailsClosed(t *testing.T) {
	errDown := errors.New("disk on fire")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name      string
		opts      []policy.Option
		ctx       context.Context
		user      string
		purpose   purpose.ID
		recipient string
		check     []policy.CheckOption
		wantErr   []error
		reason    string
	}{
		{name: "unknown purpose", user: "u", purpose: "marketing", recipient: policy.Operator, wantErr: []error{policy.ErrUnknownPurpose}, reason: "unknown_purpose"},
		{name: "unknown recipient", user: "u", purpose: purpose.Payments, recipient: "nobody", wantErr: []error{policy.ErrUnknownRecipient}, reason: "unknown_recipient"},
		{name: "empty user", user: "", purpose: purpose.Payments, recipient: policy.Operator, wantErr: []error{policy.ErrEmptyUser, policy.ErrInvalidRequest}, reason: "invalid_request"},
		{name: "oversized user", user: string(make([]byte, policy.MaxUserLen+1)), purpose: purpose.Payments, recipient: policy.Operator, wantErr: []error{policy.ErrInvalidRequest}, reason: "invalid_request"},
		{name: "unknown category", user: "u", purpose: purpose.Payments, recipient: policy.Operator, check: []policy.CheckOption{policy.WithCategories("biometrics")}, wantErr: []error{policy.ErrUnknownCategory}, reason: "invalid_request"},
		{name: "cancelled context", ctx: cancelled, user: "u", purpose: purpose.Payments, recipient: policy.Operator, wantErr: []error{context.Canceled}, reason: "request_cancelled"},
		{
			name: "store error", opts: []policy.Option{policy.WithStateReader(failingStore{errDown})},
			user: "u", purpose: purpose.Payments, recipient: policy.Operator,
			wantErr: []error{policy.ErrConsentUnavailable, errDown}, reason: "consent_unavailable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tt.opts...)
			f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			d, err := f.engine.Check(ctx, tt.user, tt.purpose, tt.recipient, tt.check...)
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.ErrorIs(t, err, want)
			}
			assert.False(t, d.Allowed, "a Check that errs must deny")
			assert.Equal(t, []string{tt.reason}, func() []string {
				var c []string
				for _, r := range d.Reasons {
					c = append(c, r.Code)
				}
				return c
			}())
			assert.Equal(t, policy.DefaultVersion.ID, d.PolicyVersion)
			if tt.user != "" {
				assert.NotContains(t, err.Error(), "disk on fire u", "no user in errors")
			}
		})
	}
}

func TestZeroDecisionDenies(t *testing.T) {
	var d policy.Decision
	assert.False(t, d.Allowed)
}

func TestConsentChangesVisibleToNextCheck(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	check := func() bool {
		d, err := f.engine.Check(ctx, "u", purpose.Payments, "halyk")
		require.NoError(t, err)
		return d.Allowed
	}
	assert.False(t, check())
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	assert.False(t, check())
	f.append(t, consent.Grant("u", purpose.Payments, "halyk", t0))
	assert.True(t, check())
	f.append(t, consent.Withdraw("u", purpose.Payments, "halyk", t0.Add(time.Second)))
	assert.False(t, check())
	f.append(t, consent.Grant("u", purpose.Payments, "halyk", t0.Add(2*time.Second)))
	assert.True(t, check())
	f.append(t, consent.WithdrawAcceptance("u", t0.Add(3*time.Second)))
	assert.False(t, check())
}

func TestEngineConcurrentUse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := "user-" + string(rune('a'+g))
			for i := range 200 {
				at := t0.Add(time.Duration(i) * time.Millisecond)
				var ev consent.Event
				if i%2 == 0 {
					ev = consent.AcceptPolicy(user, policy.DefaultVersion.ID, at)
				} else {
					ev = consent.WithdrawAcceptance(user, at)
				}
				if err := f.store.Append(ctx, ev); err != nil {
					t.Error(err)
					return
				}
				d, err := f.engine.Check(ctx, user, purpose.Support, policy.Operator)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed != (i%2 == 0) {
					t.Errorf("user %d step %d: allowed=%v", g, i, d.Allowed)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		opts []policy.Option
	}{
		{"duplicate recipient", []policy.Option{policy.WithRecipients(testRecipients[0], testRecipients[0])}},
		{"recipient named operator", []policy.Option{policy.WithRecipients(disclosure.Recipient{ID: policy.Operator, Kind: disclosure.Partner})}},
		{"recipient of unknown kind", []policy.Option{policy.WithRecipients(disclosure.Recipient{ID: "x", Kind: "auditor"})}},
		{"version without ID", []policy.Option{policy.WithVersion(policy.Version{})}},
		{"rego that does not compile", []policy.Option{policy.WithRego(fstestMap("bad.rego", "package privacy\n decision := {"))}},
		{"no rego files", []policy.Option{policy.WithRego(fstestMap("README", "nothing"))}},
		{"nil consent store", []policy.Option{policy.WithConsentStore(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.New(tt.opts...)
			require.Error(t, err)
			assert.ErrorIs(t, err, policy.ErrInvalidConfig)
		})
	}
}

// testEvalBudget is the evaluation budget of the tests' engines: far
// above any evaluation, so that only a runaway one meets it.
const testEvalBudget = time.Minute
