package policy_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// Stores that misbehave, for the trust tests (issue 8).
type (
	// otherSubjectStore answers every user with the state of "victim",
	// who accepted and granted everything.
	otherSubjectStore struct{ st consent.State }
	// panicStore panics with a value that holds personal data.
	panicStore struct{}
	// lateStore ignores ctx and answers after its deadline has passed.
	lateStore struct {
		inner policy.StateReader
		delay time.Duration
	}
	// leakyStore puts the user ID in its errors.
	leakyStore struct{}
)

func (s otherSubjectStore) State(context.Context, string) (consent.State, error) { return s.st, nil }
func (panicStore) State(_ context.Context, user string) (consent.State, error) {
	panic("store exploded reading " + user)
}
func (s lateStore) State(ctx context.Context, user string) (consent.State, error) {
	time.Sleep(s.delay)
	return s.inner.State(context.WithoutCancel(ctx), user)
}

type leakyError struct{ user string }

func (e *leakyError) Error() string { return "row for user " + e.user + " is locked" }

func (leakyStore) State(_ context.Context, user string) (consent.State, error) {
	return consent.State{}, fmt.Errorf("leaky: %w", &leakyError{user})
}

func acceptedState(user string) consent.State {
	return consent.Fold(user, []consent.Event{
		consent.AcceptPolicy(user, policy.DefaultVersion.ID, t0),
		consent.Grant(user, purpose.Payments, "halyk", t0),
	})
}

func reasonCodes(d policy.Decision) []string {
	var c []string
	for _, r := range d.Reasons {
		c = append(c, r.Code)
	}
	return c
}

// TestCheckTrust tries Check as a careless host and a broken store would:
// each case must deny with the named sentinel and keep personal data out of
// the error (issue 8, "Check and the engine").
func TestCheckTrust(t *testing.T) {
	const user = "secret-user-4242"
	tests := []struct {
		name    string
		opts    []policy.Option
		ctx     func() context.Context
		check   func(e *policy.Engine, ctx context.Context) (policy.Decision, error)
		wantErr []error
		reason  string
		absent  []string // must not be in err.Error()
	}{
		{
			name:    "nil context",
			ctx:     func() context.Context { return nil },
			wantErr: []error{policy.ErrInvalidRequest},
			reason:  "invalid_request",
		},
		{
			name:    "store returns another subject's state",
			opts:    []policy.Option{policy.WithStateReader(otherSubjectStore{acceptedState("victim")})},
			wantErr: []error{policy.ErrConsentUnavailable},
			reason:  "consent_unavailable",
			absent:  []string{"victim", user},
		},
		{
			name:    "store panics",
			opts:    []policy.Option{policy.WithStateReader(panicStore{})},
			wantErr: []error{policy.ErrConsentUnavailable},
			reason:  "consent_unavailable",
			absent:  []string{"exploded", user},
		},
		{
			name:    "store error names the class, not the store's text",
			opts:    []policy.Option{policy.WithStateReader(leakyStore{})},
			wantErr: []error{policy.ErrConsentUnavailable},
			reason:  "consent_unavailable",
			absent:  []string{user, "locked"},
		},
		{
			name: "1 MiB purpose is clipped in the error",
			check: func(e *policy.Engine, ctx context.Context) (policy.Decision, error) {
				return e.Check(ctx, user, purpose.ID(strings.Repeat("p", 1<<20)), policy.Operator)
			},
			wantErr: []error{policy.ErrUnknownPurpose},
			reason:  "unknown_purpose",
			absent:  []string{strings.Repeat("p", 65)},
		},
		{
			name: "1 MiB recipient is clipped in the error",
			check: func(e *policy.Engine, ctx context.Context) (policy.Decision, error) {
				return e.Check(ctx, user, purpose.Payments, strings.Repeat("r", 1<<20))
			},
			wantErr: []error{policy.ErrUnknownRecipient},
			reason:  "unknown_recipient",
			absent:  []string{strings.Repeat("r", 65)},
		},
		{
			name: "1 MiB category is clipped in the error",
			check: func(e *policy.Engine, ctx context.Context) (policy.Decision, error) {
				return e.Check(ctx, user, purpose.Payments, policy.Operator, policy.WithCategories(purpose.Category(strings.Repeat("c", 1<<20))))
			},
			wantErr: []error{policy.ErrUnknownCategory},
			reason:  "invalid_request",
			absent:  []string{strings.Repeat("c", 65)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts...)
			f.append(t, consent.AcceptPolicy(user, policy.DefaultVersion.ID, t0))
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			check := tt.check
			if check == nil {
				check = func(e *policy.Engine, ctx context.Context) (policy.Decision, error) {
					return e.Check(ctx, user, purpose.Payments, "halyk")
				}
			}
			var d policy.Decision
			var err error
			require.NotPanics(t, func() { d, err = check(f.engine, ctx) })
			require.Error(t, err)
			assert.False(t, d.Allowed, "a Check that errs must deny")
			for _, want := range tt.wantErr {
				assert.ErrorIs(t, err, want)
			}
			assert.Equal(t, []string{tt.reason}, reasonCodes(d))
			code, _ := policy.FailureReason(err)
			assert.Equal(t, tt.reason, string(code), "FailureReason agrees with the engine")
			assert.LessOrEqual(t, len(err.Error()), 512, "error strings stay short")
			for _, s := range tt.absent {
				assert.NotContains(t, err.Error(), s)
			}
			assert.NotContains(t, err.Error(), user, "never the user ID")
		})
	}
}

// The store's error stays reachable with errors.Is/As, and its text is shown
// only when the host opts in with WithVerboseErrors.
func TestStoreErrorText(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, policy.WithStateReader(leakyStore{}))
	_, err := f.engine.Check(ctx, "u-1", purpose.Payments, policy.Operator)
	var le *leakyError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "u-1", le.user)
	assert.NotContains(t, err.Error(), "locked")

	v := newFixture(t, policy.WithStateReader(leakyStore{}), policy.WithVerboseErrors())
	_, err = v.engine.Check(ctx, "u-1", purpose.Payments, policy.Operator)
	assert.ErrorIs(t, err, policy.ErrConsentUnavailable)
	assert.Contains(t, err.Error(), "row for user u-1 is locked", "verbose errors show the store's text")
}

// A Check whose context ends before it decides denies with the context's
// error, whatever the path: a warm cache, a cold one, the cache off.
func TestContextEndedBeforeDecision(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []policy.Option
		warm bool
	}{
		{"warm cache", nil, true},
		{"cold cache", nil, false},
		{"cache off", []policy.Option{policy.WithCacheSize(0)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store := consent.NewMemoryStore()
			ctx := context.Background()
			require.NoError(t, store.Append(ctx, acceptedStateEvents("u")...))
			e, err := policy.New(append([]policy.Option{policy.WithStateReader(lateStore{store, 20 * time.Millisecond}), policy.WithRecipients(testRecipients...),
				policy.WithClock(func() time.Time { return t0.Add(time.Hour) })}, tt.opts...)...)
			require.NoError(t, err)
			if tt.warm {
				d, err := e.Check(ctx, "u", purpose.Payments, "halyk")
				require.NoError(t, err)
				require.True(t, d.Allowed)
			}
			short, cancel := context.WithTimeout(ctx, time.Millisecond)
			defer cancel()
			d, err := e.Check(short, "u", purpose.Payments, "halyk")
			require.Error(t, err)
			assert.False(t, d.Allowed)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, []string{"request_cancelled"}, reasonCodes(d))
			code, _ := policy.FailureReason(err)
			assert.Equal(t, policy.CodeRequestCancelled, code)
		})
	}
}

func acceptedStateEvents(user string) []consent.Event {
	return []consent.Event{
		consent.AcceptPolicy(user, policy.DefaultVersion.ID, t0),
		consent.Grant(user, purpose.Payments, "halyk", t0),
	}
}

// Every bound that packs into the decision key is checked when the policy
// is built, so that nothing wraps around.
func TestKeyBoundsCheckedAtBuild(t *testing.T) {
	cats := []purpose.CategoryInfo{{ID: "c", Title: purpose.Text{RU: "c"}}}
	ps := make([]purpose.Purpose, 1<<16+1)
	for i := range ps {
		ps[i] = purpose.Purpose{ID: purpose.ID(fmt.Sprintf("p%d", i)), Clause: "3", Title: purpose.Text{RU: "p"}, Categories: []purpose.Category{"c"}}
	}
	big, err := purpose.NewCatalog(cats, ps)
	require.NoError(t, err)
	_, err = policy.New(policy.WithCatalog(big))
	assert.ErrorIs(t, err, policy.ErrInvalidConfig, "65,537 purposes must be refused")
	e, err := policy.New()
	require.NoError(t, err)
	assert.ErrorIs(t, e.Reload(policy.WithCatalog(big)), policy.ErrInvalidConfig)
}

// An evaluation over budget denies with ErrEvaluation and
// context.DeadlineExceeded, even with a context that never ends.
func TestEvalTimeout(t *testing.T) {
	const src = `package privacy

slow := count([1 | some i in numbers.range(1, 20000); some j in numbers.range(1, 20000)])

decision := {"allow": slow > 0, "reasons": [{"code": "slow", "clause": "1"}], "obligations": []}
`
	e, err := policy.New(policy.WithRego(fstestMap("slow.rego", src)), policy.WithEvalTimeout(20*time.Millisecond))
	require.NoError(t, err)
	d, err := e.Check(context.Background(), "u", purpose.Support, policy.Operator)
	require.Error(t, err)
	assert.False(t, d.Allowed)
	assert.ErrorIs(t, err, policy.ErrEvaluation)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, []string{"policy_error"}, reasonCodes(d))
	code, _ := policy.FailureReason(err)
	assert.Equal(t, policy.CodePolicyError, code, "over budget is a policy error, not a cancelled request")

	_, err = policy.New(policy.WithEvalTimeout(0))
	assert.ErrorIs(t, err, policy.ErrInvalidConfig, "a budget must be positive")

	// Given explicitly, the budget bounds the embedded rules too.
	seed, err := policy.New(policy.WithEvalTimeout(time.Nanosecond))
	require.NoError(t, err)
	d, err = seed.Check(context.Background(), "u", purpose.Support, policy.Operator)
	assert.False(t, d.Allowed)
	assert.ErrorIs(t, err, policy.ErrEvaluation)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// The sandbox is an allow-list: builtins that read the clock or the network
// are refused, including ones a deny-list of OPA's "nondeterministic" flag
// misses.
func TestSandboxRefusesImpureBuiltins(t *testing.T) {
	for _, call := range []string{
		`crypto.x509.parse_and_verify_certificates("x")`,
		`time.now_ns()`,
		`http.send({"method": "get", "url": "http://example.com"})`,
		`opa.runtime()`,
		`net.lookup_ip_addr("example.com")`,
	} {
		t.Run(call, func(t *testing.T) {
			src := "package privacy\n\nx := " + call + "\n\ndecision := {\"allow\": false, \"reasons\": [], \"obligations\": []}\n"
			_, err := policy.New(policy.WithRego(fstestMap("impure.rego", src)))
			assert.ErrorIs(t, err, policy.ErrInvalidConfig)
		})
	}
}

// The zero Engine denies with ErrInvalidConfig instead of panicking.
func TestZeroEngineDenies(t *testing.T) {
	var e policy.Engine
	var d policy.Decision
	var err error
	require.NotPanics(t, func() { d, err = e.Check(context.Background(), "u", purpose.Support, policy.Operator) })
	assert.False(t, d.Allowed)
	assert.ErrorIs(t, err, policy.ErrInvalidConfig)
	assert.NotPanics(t, func() { e.Version(); e.Catalog(); e.Recipient("x"); e.VersionAt(t0); e.BundleRevision() })
	// Reload gives the zero Engine a policy.
	require.NoError(t, e.Reload())
	d, err = e.Check(context.Background(), "u", purpose.Support, policy.Operator)
	require.NoError(t, err)
	assert.False(t, d.Allowed, "no acceptance on record")
	assert.True(t, d.Has(policy.CodeAcceptanceMissing))
}

// A nil *Engine (a field never set) denies as the zero Engine does, and
// every read of it answers "no policy", rather than panicking.
func TestNilEngineDenies(t *testing.T) {
	var e *policy.Engine
	var d policy.Decision
	var err error
	require.NotPanics(t, func() { d, err = e.Check(context.Background(), "u", purpose.Support, policy.Operator) })
	assert.False(t, d.Allowed)
	assert.ErrorIs(t, err, policy.ErrInvalidConfig)
	require.NotPanics(t, func() { _, err = e.Plan(context.Background(), purpose.Support, policy.Operator) })
	assert.ErrorIs(t, err, policy.ErrInvalidConfig)
	require.NotPanics(t, func() {
		for u, err := range e.Allowed(context.Background(), purpose.Support, policy.Operator, slices.Values([]string{"u"})) {
			assert.Empty(t, u)
			assert.ErrorIs(t, err, policy.ErrInvalidConfig)
		}
	})
	assert.NotPanics(t, func() {
		assert.Zero(t, e.Version())
		assert.Nil(t, e.Catalog())
		_, ok := e.Recipient("x")
		assert.False(t, ok)
		_, ok = e.VersionAt(t0)
		assert.False(t, ok)
		assert.Empty(t, e.Versions())
		assert.Empty(t, e.BundleRevision())
		assert.Nil(t, policy.Widenings(e, e))
	})
	assert.ErrorIs(t, e.Reload(), policy.ErrInvalidConfig)
}

// A recipient of kind Individual may be a person's name: it stays out of
// logs and error strings unless verbose errors are on.
func TestIndividualRecipientRedacted(t *testing.T) {
	const name = "Aigerim Seitkali"
	ctx := context.Background()
	rs := []disclosure.Recipient{{ID: name, Kind: disclosure.Individual}, {ID: "halyk", Kind: disclosure.ThirdParty}}
	for _, verbose := range []bool{false, true} {
		opts := []policy.Option{policy.WithRecipients(rs...)}
		if verbose {
			opts = append(opts, policy.WithVerboseErrors())
		}
		e, err := policy.New(opts...)
		require.NoError(t, err)
		d, err := e.Check(ctx, "u", purpose.Support, name)
		require.NoError(t, err)
		var b strings.Builder
		slog.New(slog.NewTextHandler(&b, nil)).Info("decided", "decision", d)
		if verbose {
			assert.Contains(t, b.String(), name)
			continue
		}
		assert.NotContains(t, b.String(), name)
		assert.Contains(t, b.String(), "individual")
		d, err = e.Check(ctx, "u", purpose.Support, "halyk")
		require.NoError(t, err)
		b.Reset()
		slog.New(slog.NewTextHandler(&b, nil)).Info("decided", "decision", d)
		assert.Contains(t, b.String(), "halyk", "companies are named")
	}
}

// Configuration errors about an individual recipient do not name it.
func TestIndividualRecipientNotInConfigErrors(t *testing.T) {
	const name = "Aigerim Seitkali"
	for _, rs := range [][]disclosure.Recipient{
		{{ID: name, Kind: disclosure.Individual}, {ID: name, Kind: disclosure.Individual}},
		{{ID: name, Kind: disclosure.Individual, Country: "Kazakhstan"}},
	} {
		_, err := policy.New(policy.WithRecipients(rs...))
		require.ErrorIs(t, err, policy.ErrInvalidConfig)
		assert.NotContains(t, err.Error(), name)
		_, err = policy.New(policy.WithRecipients(rs...), policy.WithVerboseErrors())
		assert.Contains(t, err.Error(), name, "verbose errors name it")
	}
}
