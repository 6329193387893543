package policytest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/httpguard"
	"github.com/yasam/privacy/policy/policytest"
	"github.com/yasam/privacy/purpose"
)

var (
	_ httpguard.Checker = (*policytest.Stub)(nil)
	_ httpguard.Checker = (*policy.Engine)(nil)
)

// fakeTB records a failure instead of stopping the test, to prove the
// assertions fail when they should.
type fakeTB struct {
	testing.TB // nil: calling anything not overridden panics
	failed     bool
	msg        string
}

func (*fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = true
	f.msg = fmt.Sprintf(format, args...)
}

const user = "user-1"

func TestFixtureClauses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		setup     func(f *policytest.Fixture)
		purpose   purpose.ID
		recipient string
		opts      []policy.CheckOption
		allowed   bool
		clause    string
		oblige    string
	}{
		{"2.1 no acceptance", nil, purpose.Support, policy.Operator, nil, false, "2.1", ""},
		{"2.1 accepted", accept, purpose.Support, policy.Operator, nil, true, "", ""},
		{"5.1 state body", accept, purpose.Verification, policytest.StateBody, nil, true, "", "exclude_commercial_secret"},
		{"5.1 partner", accept, purpose.Payments, policytest.Partner, nil, true, "", "record_disclosure"},
		{"5.1 affiliate", accept, purpose.ServiceAccess, policytest.Affiliate, nil, true, "", "record_disclosure"},
		{"5.1 commercial secret", accept, purpose.Payments, policytest.Partner,
			[]policy.CheckOption{policy.WithCategories(purpose.CommercialSecret)}, false, "5.1", ""},
		{"5.2 third party without grant", accept, purpose.Payments, policytest.ThirdParty, nil, false, "5.2", ""},
		{"5.2 individual without grant", accept, purpose.Verification, policytest.Individual, nil, false, "5.2", ""},
		{"5.2 with grant", func(f *policytest.Fixture) {
			f.Accept(user)
			f.Grant(user, purpose.Payments, policytest.ThirdParty)
		}, purpose.Payments, policytest.ThirdParty, nil, true, "", "record_disclosure"},
		{"6.3 employee", accept, purpose.Support, policytest.Employee, nil, true, "", "record_disclosure"},
		{"6.3 contractor", accept, purpose.Support, policytest.Contractor, nil, false, "6.3", ""},
		{"9.3 withdrawn", func(f *policytest.Fixture) {
			f.Accept(user)
			f.WithdrawAcceptance(user)
		}, purpose.Support, policy.Operator, nil, false, "9.3", ""},
		{"9.5 earlier version", func(f *policytest.Fixture) {
			f.AcceptVersion(user, "2022-ru-1")
		}, purpose.Support, policy.Operator, nil, true, "", "show_current_version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := policytest.New(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			d, err := f.Check(user, tt.purpose, tt.recipient, tt.opts...)
			if !tt.allowed {
				policytest.RequireDenied(t, d, err, tt.clause)
				return
			}
			policytest.RequireAllowed(t, d, err)
			if tt.oblige != "" {
				policytest.RequireObligation(t, d, policy.Code(tt.oblige))
			}
		})
	}
}

func accept(f *policytest.Fixture) { f.Accept(user) }

// TestFixtureRegrant: a grant given again after a withdrawal at the same
// instant (the fixture's clock stands still) counts, rather than being
// taken for a retry of the first grant.
func TestFixtureRegrant(t *testing.T) {
	t.Parallel()
	f := policytest.New(t)
	f.Accept(user)
	for range 2 {
		f.Grant(user, purpose.Payments, policytest.ThirdParty)
		d, err := f.Check(user, purpose.Payments, policytest.ThirdParty)
		policytest.RequireAllowed(t, d, err)

		f.Withdraw(user, purpose.Payments, policytest.ThirdParty)
		d, err = f.Check(user, purpose.Payments, policytest.ThirdParty)
		policytest.RequireDenied(t, d, err, "5.2")
	}
	events, err := f.Store().History(context.Background(), user)
	require.NoError(t, err)
	assert.Len(t, events, 5)
}

func TestFixtureAdvance(t *testing.T) {
	t.Parallel()
	f := policytest.New(t)
	assert.Equal(t, policytest.Epoch, f.Now())
	f.Accept(user)
	f.Grant(user, purpose.Payments, policytest.Individual, consent.WithTerm(policytest.Epoch.Add(24*time.Hour)))
	d, err := f.Check(user, purpose.Payments, policytest.Individual)
	policytest.RequireAllowed(t, d, err)

	f.Advance(25 * time.Hour)
	assert.Equal(t, policytest.Epoch.Add(25*time.Hour), f.Now())
	d, err = f.Check(user, purpose.Payments, policytest.Individual)
	policytest.RequireDenied(t, d, err, "5.2")

	var tb fakeTB
	g := policytest.New(&tb)
	g.Advance(-time.Second)
	assert.True(t, tb.failed)
	assert.Contains(t, tb.msg, "only moves forward")
}

func TestFixtureOptions(t *testing.T) {
	t.Parallel()
	f := policytest.New(t, policy.WithRecipients(disclosure.Recipient{ID: "halyk", Kind: disclosure.ThirdParty}))
	f.Accept(user)
	_, ok := f.Engine().Recipient("halyk")
	assert.True(t, ok, "the caller's recipient")
	r, ok := f.Engine().Recipient(policytest.Employee)
	assert.True(t, ok, "and the defaults")
	assert.True(t, r.Confidentiality)
	assert.Len(t, policytest.Recipients(), len(disclosure.Kinds()), "one of every kind")

	var tb fakeTB
	g := policytest.New(&tb, policy.WithRecipients(disclosure.Recipient{ID: policytest.Partner, Kind: disclosure.Partner}))
	assert.Nil(t, g)
	assert.True(t, tb.failed, "an ID registered twice fails the test")
	assert.Contains(t, tb.msg, "policytest: New")
}

func TestFixtureHelperFails(t *testing.T) {
	t.Parallel()
	var tb fakeTB
	f := policytest.New(&tb)
	f.Grant("", purpose.Payments, policytest.ThirdParty) // no subject: an invalid event
	assert.True(t, tb.failed)
	assert.Contains(t, tb.msg, "policytest: Grant")
}

// TestAssertionsFail proves each assertion fails when it should, and says
// why with the decision's explanation.
func TestAssertionsFail(t *testing.T) {
	t.Parallel()
	f := policytest.New(t)
	f.Accept(user)
	denied, derr := f.Check(user, purpose.Payments, policytest.ThirdParty)
	allowed, aerr := f.Check(user, purpose.Payments, policytest.Partner)
	failed, ferr := f.Check(user, "marketing", policy.Operator)
	require.NoError(t, derr)
	require.NoError(t, aerr)
	require.Error(t, ferr)

	tests := []struct {
		name   string
		assert func(tb testing.TB)
		fails  bool
		want   string
	}{
		{"RequireAllowed on an allow", func(tb testing.TB) { policytest.RequireAllowed(tb, allowed, nil) }, false, ""},
		{"RequireAllowed on a deny", func(tb testing.TB) { policytest.RequireAllowed(tb, denied, nil) }, true, "consent_required"},
		{"RequireAllowed on an error", func(tb testing.TB) { policytest.RequireAllowed(tb, failed, ferr) }, true, "unknown purpose"},
		{"RequireDenied on a deny", func(tb testing.TB) { policytest.RequireDenied(tb, denied, nil, "5.2") }, false, ""},
		{"RequireDenied any clause", func(tb testing.TB) { policytest.RequireDenied(tb, denied, nil, "") }, false, ""},
		{"RequireDenied other clause", func(tb testing.TB) { policytest.RequireDenied(tb, denied, nil, "6.3") }, true, `got denied by ["5.2"]`},
		{"RequireDenied on an allow", func(tb testing.TB) { policytest.RequireDenied(tb, allowed, nil, "5.2") }, true, "shared_with_affiliated"},
		{"RequireDenied on an error", func(tb testing.TB) { policytest.RequireDenied(tb, failed, ferr, "3") }, true, "got error"},
		{"RequireObligation present", func(tb testing.TB) { policytest.RequireObligation(tb, allowed, "record_disclosure") }, false, ""},
		{"RequireObligation absent", func(tb testing.TB) { policytest.RequireObligation(tb, allowed, "show_current_version") }, true, "show_current_version"},
		{"RequireObligation on a deny", func(tb testing.TB) { policytest.RequireObligation(tb, denied, "record_disclosure") }, true, "got a denial"},
		{"RequireFailClosed on an error", func(tb testing.TB) { policytest.RequireFailClosed(tb, failed, ferr, policy.ErrUnknownPurpose) }, false, ""},
		{"RequireFailClosed any error", func(tb testing.TB) { policytest.RequireFailClosed(tb, failed, ferr, nil) }, false, ""},
		{"RequireFailClosed other sentinel", func(tb testing.TB) {
			policytest.RequireFailClosed(tb, failed, ferr, policy.ErrConsentUnavailable)
		}, true, "unknown purpose"},
		{"RequireFailClosed without error", func(tb testing.TB) { policytest.RequireFailClosed(tb, denied, nil, nil) }, true, "got none"},
		{"RequireFailClosed on an allow with an error", func(tb testing.TB) {
			policytest.RequireFailClosed(tb, allowed, policy.ErrEvaluation, policy.ErrEvaluation)
		}, true, "came with an allow"},
		{"RequireFailClosed without a reason", func(tb testing.TB) {
			policytest.RequireFailClosed(tb, policy.Decision{}, policy.ErrEvaluation, policy.ErrEvaluation)
		}, true, "gives no reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var tb fakeTB
			tt.assert(&tb)
			assert.Equal(t, tt.fails, tb.failed, tb.msg)
			if tt.fails {
				assert.Contains(t, tb.msg, tt.want)
				assert.Contains(t, tb.msg, "policytest: ")
				assert.NotContains(t, tb.msg, user, "the explanation names no user")
			}
		})
	}
}

func TestStub(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	errDown := fmt.Errorf("%w: db down", policy.ErrConsentUnavailable)

	var zero policytest.Stub
	d, err := zero.Check(ctx, user, purpose.Payments, "halyk")
	policytest.RequireDenied(t, d, err, "")
	assert.True(t, d.Has("no_rule"))

	s := policytest.NewStub(policytest.Deny("consent_required", "5.2")).
		On(purpose.Support, "halyk", policytest.Allow(policy.Reason{Code: "consent_granted", Clause: "5.2"})).
		On(purpose.Payments, "halyk", policytest.Fail(errDown))

	d, err = s.Check(ctx, user, purpose.Verification, "halyk")
	policytest.RequireDenied(t, d, err, "5.2")
	assert.Equal(t, purpose.Verification, d.Purpose)
	assert.Equal(t, "halyk", d.Recipient)
	assert.Equal(t, policy.DefaultVersion.ID, d.PolicyVersion)

	d, err = s.Check(ctx, user, purpose.Support, "halyk")
	policytest.RequireAllowed(t, d, err)
	assert.True(t, d.Has("consent_granted"))

	d, err = s.Check(ctx, user, purpose.Payments, "halyk")
	policytest.RequireFailClosed(t, d, err, policy.ErrConsentUnavailable)
	assert.True(t, d.Has("consent_unavailable"))

	// As the engine: an empty user and a done context fail closed,
	// whatever the script says.
	d, err = s.Check(ctx, "", purpose.Support, "halyk")
	policytest.RequireFailClosed(t, d, err, policy.ErrEmptyUser)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	d, err = s.Check(cctx, user, purpose.Support, "halyk")
	policytest.RequireFailClosed(t, d, err, context.Canceled)

	s.SetDefault(policytest.Allow().WithObligation("record_disclosure", "7.1")).SetVersion("v2")
	d, err = s.Check(ctx, user, purpose.Verification, "kgd", policy.WithCategories(purpose.IINBIN))
	policytest.RequireAllowed(t, d, err)
	policytest.RequireObligation(t, d, "record_disclosure")
	assert.Equal(t, "v2", d.PolicyVersion)
	assert.Equal(t, "v2", s.Version().ID)

	calls := s.Calls()
	require.Len(t, calls, 6)
	assert.Equal(t, policytest.Call{User: user, Purpose: purpose.Verification, Recipient: "kgd",
		Options: []policy.CheckOption{policy.WithCategories(purpose.IINBIN)}}, calls[5])
	assert.NotContains(t, calls[5].LogValue().String(), user)
	s.Reset()
	assert.Empty(t, s.Calls())
}

func TestStubResults(t *testing.T) {
	t.Parallel()
	assert.Panics(t, func() { policytest.Fail(nil) })
	tests := []struct {
		err  error
		code string
	}{
		{policy.ErrUnknownPurpose, "unknown_purpose"},
		{policy.ErrUnknownRecipient, "unknown_recipient"},
		{policy.ErrConsentUnavailable, "consent_unavailable"},
		{policy.ErrEvaluation, "policy_error"},
		{policy.ErrUnknownCategory, "invalid_request"},
		{errors.New("anything"), "policy_error"},
	}
	for _, tt := range tests {
		r := policytest.Fail(tt.err)
		assert.False(t, r.Decision().Allowed)
		assert.True(t, r.Decision().Has(policy.Code(tt.code)), "%v → %v", tt.err, r.Decision().Reasons)
		assert.Equal(t, tt.err, r.Err())
	}
	assert.Empty(t, policytest.Deny("x", "1").WithObligation("record_disclosure", "7.1").Decision().Obligations,
		"obligations come with an allow only")
	a := policytest.Allow()
	b := a.WithObligation("o1", "1")
	c := a.WithObligation("o2", "2")
	assert.Empty(t, a.Decision().Obligations, "results are values")
	assert.True(t, b.Decision().Obliges("o1") && !b.Decision().Obliges("o2"))
	assert.True(t, c.Decision().Obliges("o2") && !c.Decision().Obliges("o1"))
}

func TestStubConcurrent(t *testing.T) {
	t.Parallel()
	s := policytest.NewStub(policytest.Allow())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				if j%10 == 0 {
					s.On(purpose.Payments, "halyk", policytest.Deny("consent_required", "5.2"))
				}
				_, _ = s.Check(context.Background(), fmt.Sprint("u", i), purpose.Payments, "halyk")
				_ = s.Calls()
			}
		})
	}
	wg.Wait()
	assert.Len(t, s.Calls(), 800)
}

func TestFixtureConcurrent(t *testing.T) {
	t.Parallel()
	f := policytest.New(t)
	f.Accept(user)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				d, err := f.Check(user, purpose.Support, policy.Operator)
				if err != nil || !d.Allowed {
					t.Error("want allowed")
					return
				}
			}
		})
	}
	for range 10 {
		f.Advance(time.Minute)
	}
	wg.Wait()
}

// A Stub's decisions are not an engine's: policy.Verify refuses them; a
// Fixture's are.
func TestStubDecisionsAreNotSealed(t *testing.T) {
	stub := policytest.NewStub(policytest.Allow(policy.Reason{Code: "operator_processing", Clause: "2.1"}))
	d, err := stub.Check(context.Background(), user, purpose.Support, policy.Operator)
	require.NoError(t, err)
	assert.ErrorIs(t, policy.Verify(d), policy.ErrNotIssued)
	f := policytest.New(t)
	f.Accept(user)
	d, err = f.Check(user, purpose.Support, policy.Operator)
	require.NoError(t, err)
	assert.NoError(t, policy.Verify(d))
}

// The Stub answers a done context as the engine does: request_cancelled.
func TestStubCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, err := policytest.NewStub(policytest.Allow(policy.Reason{Code: "operator_processing", Clause: "2.1"})).Check(ctx, user, purpose.Support, policy.Operator)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, d.Allowed)
	assert.True(t, d.Has(policy.CodeRequestCancelled), d.Explain("en"))
}
