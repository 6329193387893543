package policy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// TestVerify tampers with real decisions, field by field, and builds fake
// ones: Verify accepts only what an engine returned, unchanged (issue 8,
// the ledger's evidence of 7.1).
func TestVerify(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.append(t,
		consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0),
		consent.Grant("u", purpose.Payments, "halyk", t0),
	)
	check := func(p purpose.ID, r string, cats ...purpose.Category) policy.Decision {
		t.Helper()
		d, _ := f.engine.Check(ctx, "u", p, r, policy.WithCategories(cats...))
		return d
	}
	allow := check(purpose.Payments, "halyk", purpose.PaymentDetails)
	require.True(t, allow.Allowed)
	other := check(purpose.Verification, "kgd", purpose.Identity)
	require.True(t, other.Allowed)
	denial := check(purpose.Payments, "notary", purpose.PaymentDetails)
	require.False(t, denial.Allowed)
	unknown := check("marketing", "halyk")
	require.False(t, unknown.Allowed)

	otherEngine := newFixture(t)
	otherEngine.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	fromOther, err := otherEngine.engine.Check(ctx, "u", purpose.Support, policy.Operator)
	require.NoError(t, err)
	require.NoError(t, f.engine.Reload(policy.WithRecipients(testRecipients...)))
	afterReload := check(purpose.Payments, "halyk", purpose.PaymentDetails)

	edit := func(d policy.Decision, fn func(*policy.Decision)) policy.Decision {
		fn(&d)
		return d
	}
	tests := []struct {
		name string
		d    policy.Decision
		ok   bool
	}{
		{"an allow as returned", allow, true},
		{"a denial as returned", denial, true},
		{"a denial made before the Rego as returned", unknown, true},
		{"a decision of another engine", fromOther, true},
		{"a decision of the policy before a reload", allow, true},
		{"a decision after a reload", afterReload, true},
		{"the zero Decision", policy.Decision{}, false},
		{"a hand-built allow", policy.Decision{Allowed: true, Purpose: purpose.Payments, Recipient: "halyk",
			Reasons: allow.Reasons, Obligations: allow.Obligations, PolicyVersion: allow.PolicyVersion, Categories: allow.Categories}, false},
		{"a denial with Allowed flipped", edit(denial, func(d *policy.Decision) { d.Allowed = true }), false},
		{"a pre-Rego denial with Allowed flipped", edit(unknown, func(d *policy.Decision) { d.Allowed = true }), false},
		{"an allow with Allowed flipped", edit(allow, func(d *policy.Decision) { d.Allowed = false }), false},
		{"Purpose swapped", edit(allow, func(d *policy.Decision) { d.Purpose = purpose.Support }), false},
		{"Recipient swapped", edit(allow, func(d *policy.Decision) { d.Recipient = "notary" }), false},
		{"Recipient spliced with another decision's seal", edit(allow, func(d *policy.Decision) {
			r := other
			r.Allowed, r.Purpose, r.Reasons, r.Obligations, r.PolicyVersion, r.Categories, r.LegalBasis =
				d.Allowed, d.Purpose, d.Reasons, d.Obligations, d.PolicyVersion, d.Categories, d.LegalBasis
			*d = r
		}), false},
		{"PolicyVersion swapped", edit(allow, func(d *policy.Decision) { d.PolicyVersion = "2099-ru-9" }), false},
		{"LegalBasis swapped", edit(allow, func(d *policy.Decision) { d.LegalBasis = purpose.Text{RU: "x"} }), false},
		{"Categories swapped", edit(allow, func(d *policy.Decision) { d.Categories = []purpose.Category{purpose.Identity} }), false},
		{"Categories widened", edit(allow, func(d *policy.Decision) { d.Categories = append(d.Categories, purpose.CommercialSecret) }), false},
		{"Categories taken from another decision", edit(allow, func(d *policy.Decision) { d.Categories = other.Categories }), false},
		{"Reasons swapped for another decision's", edit(allow, func(d *policy.Decision) { d.Reasons = other.Reasons }), false},
		{"Reasons copied with equal content", edit(allow, func(d *policy.Decision) { d.Reasons = append([]policy.Reason(nil), d.Reasons...) }), false},
		{"Reasons emptied", edit(allow, func(d *policy.Decision) { d.Reasons = nil }), false},
		{"Obligations dropped", edit(allow, func(d *policy.Decision) { d.Obligations = d.Obligations[:0] }), false},
		{"Obligations swapped", edit(allow, func(d *policy.Decision) { d.Obligations = other.Obligations }), false},
		{"a denial given an allow's reasons", edit(denial, func(d *policy.Decision) { d.Allowed, d.Reasons = true, allow.Reasons }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := policy.Verify(tt.d)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, policy.ErrNotIssued)
		})
	}
}

// A host that writes into the shared slices of a Decision (they are
// read-only) alters the engine's cache; Verify notices it for every
// decision made from that verdict. The engine is discarded afterwards.
func TestVerifyNoticesWritesIntoSharedSlices(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		fn   func(d policy.Decision)
	}{
		{"a reason's code", func(d policy.Decision) { d.Reasons[0].Code = "consent_granted" }},
		{"an obligation's code", func(d policy.Decision) { d.Obligations[0].Code = "none" }},
		{"a category", func(d policy.Decision) { d.Categories[0] = purpose.CommercialSecret }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
			d, err := f.engine.Check(ctx, "u", purpose.Payments, "kaspi", policy.WithCategories(purpose.PaymentDetails))
			require.NoError(t, err)
			require.NoError(t, policy.Verify(d))
			tt.fn(d)
			assert.ErrorIs(t, policy.Verify(d), policy.ErrNotIssued)
		})
	}
}

// The allow's reasons say what it rests on, with a code per basis, so that
// the ledger can tell a disclosure that rested on the user's consent.
func TestAllowBasisCodes(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.append(t,
		consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0),
		consent.Grant("u", purpose.Support, "halyk", t0),
	)
	for _, tt := range []struct {
		recipient, code, clause string
	}{
		{policy.Operator, "operator_processing", "2.1"},
		{"kgd", "shared_with_affiliated", "5.1"},
		{"halyk", "consent_granted", "5.2"},
		{"support-staff", "confidentiality_agreed", "6.3"},
	} {
		t.Run(tt.recipient, func(t *testing.T) {
			d, err := f.engine.Check(ctx, "u", purpose.Support, tt.recipient)
			require.NoError(t, err)
			require.True(t, d.Allowed)
			assert.Equal(t, []string{tt.code + "@" + tt.clause}, codes(d))
			require.NoError(t, policy.Verify(d))
		})
	}
}

// With no category named, the decision judges the purpose's own
// categories and says so (3.2).
func TestDecisionCategories(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	d, err := f.engine.Check(ctx, "u", purpose.Feedback, policy.Operator)
	require.NoError(t, err)
	assert.Equal(t, []purpose.Category{purpose.Identity, purpose.Contact}, d.Categories)
	d, err = f.engine.Check(ctx, "u", purpose.Feedback, policy.Operator, policy.WithCategories(purpose.Contact))
	require.NoError(t, err)
	assert.Equal(t, []purpose.Category{purpose.Contact}, d.Categories)
}

// TestVerifyFor binds a decision to the user it was made for: one user's
// allow does not verify as another's (issue 8, the ledger's Record).
func TestVerifyFor(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.append(t,
		consent.AcceptPolicy("u1", policy.DefaultVersion.ID, t0),
		consent.Grant("u1", purpose.Payments, "halyk", t0),
		consent.AcceptPolicy("u2", policy.DefaultVersion.ID, t0),
	)
	allow, err := f.engine.Check(ctx, "u1", purpose.Payments, "halyk", policy.WithCategories(purpose.PaymentDetails))
	require.NoError(t, err)
	require.True(t, allow.Allowed)
	denial, err := f.engine.Check(ctx, "u2", purpose.Payments, "halyk", policy.WithCategories(purpose.PaymentDetails))
	require.NoError(t, err)
	require.False(t, denial.Allowed)
	early, _ := f.engine.Check(ctx, "u1", "marketing", "halyk")
	operator, err := f.engine.Check(ctx, "u2", purpose.Support, policy.Operator)
	require.NoError(t, err)
	var zero policy.Engine
	fromZero, _ := zero.Check(ctx, "u1", purpose.Support, policy.Operator)
	tampered := allow
	tampered.Recipient = "notary"

	tests := []struct {
		name string
		d    policy.Decision
		user string
		ok   bool
	}{
		{"an allow, its user", allow, "u1", true},
		{"an allow, another user", allow, "u2", false},
		{"an allow, the user's prefix", allow, "u", false},
		{"an allow, the user with a suffix", allow, "u1 ", false},
		{"an allow, no user", allow, "", false},
		{"a denial, its user", denial, "u2", true},
		{"a denial, another user", denial, "u1", false},
		{"a denial made before the Rego, its user", early, "u1", true},
		{"a denial made before the Rego, another user", early, "u2", false},
		{"an operator allow, its user", operator, "u2", true},
		{"an operator allow, another user", operator, "u1", false},
		{"the zero Engine's denial, its user", fromZero, "u1", true},
		{"the zero Engine's denial, another user", fromZero, "u2", false},
		{"an altered allow, its user", tampered, "u1", false},
		{"a hand-built allow", policy.Decision{Allowed: true, Purpose: purpose.Payments, Recipient: "halyk"}, "u1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := policy.VerifyFor(tt.d, tt.user)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, policy.ErrNotIssued)
			assert.NotContains(t, err.Error(), "u1", "no user ID in the error")
		})
	}
	// Verify keeps working without the user.
	for _, d := range []policy.Decision{allow, denial, early, operator, fromZero} {
		assert.NoError(t, policy.Verify(d))
	}
}
