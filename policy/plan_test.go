package policy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

var planV2 = policy.Version{ID: "2026-ru-2", Published: t0.Add(-24 * time.Hour)}

// randomConsent appends random events for n subjects: acceptance of the
// version in force, of an earlier one or of one the policy never had,
// withdrawals of acceptance, grants with and without a term or the
// cross-border flag, withdrawals, at few distinct times so that equal
// times are common.
func randomConsent(t testing.TB, rng *rand.Rand, store consent.Store, n int, scopes []consent.Scope) []string {
	t.Helper()
	var subjects []string
	versions := []string{planV2.ID, policy.DefaultVersion.ID, "typo-version"}
	for i := range n {
		u := fmt.Sprintf("s%04d", i)
		subjects = append(subjects, u)
		var evs []consent.Event
		for j := range rng.IntN(6) {
			at := t0.Add(time.Duration(rng.IntN(4)) * time.Minute)
			id := consent.WithID(fmt.Sprintf("%s-%d", u, j))
			sc := scopes[rng.IntN(len(scopes))]
			switch rng.IntN(4) {
			case 0:
				opts := []consent.EventOption{id}
				switch rng.IntN(4) {
				case 0:
					opts = append(opts, consent.WithTerm(t0.Add(30*time.Minute))) // ended by the clock
				case 1:
					opts = append(opts, consent.WithTerm(t0.Add(48*time.Hour)))
				}
				evs = append(evs, consent.AcceptPolicy(u, versions[rng.IntN(len(versions))], at, opts...))
			case 1:
				evs = append(evs, consent.WithdrawAcceptance(u, at, id))
			case 2:
				opts := []consent.EventOption{id, consent.WithFlags(consent.Flags{CrossBorderTransfer: rng.IntN(2) == 0})}
				opts = append(opts, randomData(rng)...)
				switch rng.IntN(3) {
				case 0:
					opts = append(opts, consent.WithTerm(t0.Add(30*time.Minute))) // ended by the clock
				case 1:
					opts = append(opts, consent.WithTerm(t0.Add(48*time.Hour)))
				}
				evs = append(evs, consent.Grant(u, sc.Purpose, sc.Recipient, at, opts...))
			case 3:
				evs = append(evs, consent.Withdraw(u, sc.Purpose, sc.Recipient, at, id))
			}
		}
		if len(evs) > 0 {
			require.NoError(t, store.Append(context.Background(), evs...))
		}
	}
	return subjects
}

// randomData draws the data a grant lists (art. 8 p.4): none, twice in
// four, else identity alone or with payment details.
func randomData(rng *rand.Rand) []consent.EventOption {
	switch rng.IntN(4) {
	case 0:
		return []consent.EventOption{consent.WithData(purpose.Identity)}
	case 1:
		return []consent.EventOption{consent.WithData(purpose.Identity, purpose.PaymentDetails)}
	}
	return nil
}

var planRecipients = []disclosure.Recipient{
	{ID: "halyk", Kind: disclosure.ThirdParty},
	{ID: "de-analytics", Kind: disclosure.ThirdParty, Country: "DE"},
	{ID: "kaspi", Kind: disclosure.Partner},
	{ID: "intern", Kind: disclosure.Employee},
}

func planScopes() []consent.Scope {
	var out []consent.Scope
	for _, p := range []purpose.ID{purpose.Payments, purpose.Support} {
		for _, r := range planRecipients {
			out = append(out, consent.Scope{Purpose: p, Recipient: r.ID})
		}
	}
	return out
}

func planEngine(t testing.TB, store consent.Store) *policy.Engine {
	t.Helper()
	e, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(planRecipients...),
		policy.WithVersion(planV2), policy.WithPriorVersions(policy.DefaultVersion),
		policy.WithClock(func() time.Time { return t0.Add(time.Hour) }))
	require.NoError(t, err)
	return e
}

// TestPlanAgreesWithCheck: for random consent, the plan allows exactly
// the subjects Check allows, and Plan.Decide gives Check's decision.
func TestPlanAgreesWithCheck(t *testing.T) {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	rng := rand.New(rand.NewPCG(14, 1))
	subjects := randomConsent(t, rng, store, 400, planScopes())
	e := planEngine(t, store)
	requests := []struct {
		p         purpose.ID
		recipient string
		opts      []policy.CheckOption
	}{
		{purpose.Payments, "halyk", nil},
		{purpose.Payments, "de-analytics", nil},
		{purpose.Payments, "kaspi", nil},
		{purpose.Payments, policy.Operator, nil},
		{purpose.Payments, "intern", nil},
		{purpose.Support, "halyk", nil},
		{purpose.Payments, "halyk", []policy.CheckOption{policy.WithCategories(purpose.Identity)}},
		{purpose.Payments, "halyk", []policy.CheckOption{policy.WithCategories(purpose.PaymentDetails)}},
		{purpose.Payments, "de-analytics", []policy.CheckOption{policy.WithCategories(purpose.Identity, purpose.PaymentDetails)}},
		{purpose.Payments, "de-analytics", []policy.CheckOption{policy.WithBasis(policy.BasisTreaty)}},
		{purpose.Support, "de-analytics", []policy.CheckOption{policy.WithBasis(policy.BasisLawEnforcement)}},
	}
	allowedSome := false
	for _, rq := range requests {
		t.Run(fmt.Sprintf("%s/%s/%d", rq.p, rq.recipient, len(rq.opts)), func(t *testing.T) {
			pl, err := e.Plan(ctx, rq.p, rq.recipient, rq.opts...)
			require.NoError(t, err)
			var want []string
			for _, u := range subjects {
				d, err := e.Check(ctx, u, rq.p, rq.recipient, rq.opts...)
				require.NoError(t, err)
				st, err := store.State(ctx, u)
				require.NoError(t, err)
				require.Equal(t, d.Allowed, pl.Allows(st), "subject %s: %s", u, d.Explain("en"))
				pd := pl.Decide(ctx, st)
				require.NoError(t, policy.Verify(pd))
				require.Equal(t, codes(d), codes(pd), u)
				require.Equal(t, d.Allowed, pd.Allowed)
				require.NotEqual(t, d.ID, pd.ID)
				if d.Allowed {
					want = append(want, u)
				}
			}
			var got []string
			for u, err := range e.Allowed(ctx, rq.p, rq.recipient, slices.Values(subjects), rq.opts...) {
				require.NoError(t, err)
				got = append(got, u)
			}
			require.Equal(t, want, got)
			allowedSome = allowedSome || len(want) > 0 && len(want) < len(subjects)
		})
	}
	require.True(t, allowedSome, "the random data split some request")
}

// noBatch hides the memory store's BatchReader: Allowed falls back to
// State per subject.
type noBatch struct{ policy.StateReader }

func TestAllowedWithoutBatchReader(t *testing.T) {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	subjects := randomConsent(t, rand.New(rand.NewPCG(2, 3)), store, 50, planScopes())
	e := planEngine(t, store)
	plain, err := policy.New(policy.WithStateReader(noBatch{store}), policy.WithRecipients(planRecipients...),
		policy.WithVersion(planV2), policy.WithPriorVersions(policy.DefaultVersion),
		policy.WithClock(func() time.Time { return t0.Add(time.Hour) }))
	require.NoError(t, err)
	collect := func(e *policy.Engine) []string {
		var out []string
		for u, err := range e.Allowed(ctx, purpose.Payments, "halyk", slices.Values(subjects)) {
			require.NoError(t, err)
			out = append(out, u)
		}
		return out
	}
	assert.Equal(t, collect(e), collect(plain))
}

// lyingStore answers a batch with the wrong number of states, another
// subject's state, or an error.
type lyingStore struct {
	*consent.MemoryStore
	mode string
}

func (s lyingStore) States(ctx context.Context, subjects []string) ([]consent.State, error) {
	switch s.mode {
	case "short":
		return nil, nil
	case "other":
		out := make([]consent.State, len(subjects))
		for i := range out {
			out[i] = consent.NewState("someone-else")
		}
		return out, nil
	case "panic":
		panic("s0001 leaked")
	}
	return nil, errors.New("db down reading s0001")
}

func TestAllowedFailsClosed(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []string{"short", "other", "panic", "error"} {
		t.Run(mode, func(t *testing.T) {
			store := lyingStore{MemoryStore: consent.NewMemoryStore(), mode: mode}
			e := planEngine(t, store)
			var got []string
			var errs []error
			for u, err := range e.Allowed(ctx, purpose.Payments, policy.Operator, slices.Values([]string{"s0001", "s0002"})) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				got = append(got, u)
			}
			require.Empty(t, got)
			require.Len(t, errs, 1)
			require.ErrorIs(t, errs[0], policy.ErrConsentUnavailable)
			require.NotContains(t, errs[0].Error(), "s0001")
		})
	}
}

func TestPlanRefusesWhatCheckRefuses(t *testing.T) {
	e := planEngine(t, consent.NewMemoryStore())
	ctx := context.Background()
	tests := []struct {
		name      string
		p         purpose.ID
		recipient string
		opts      []policy.CheckOption
		want      error
	}{
		{"unknown purpose", "nope", "halyk", nil, policy.ErrUnknownPurpose},
		{"unknown recipient", purpose.Payments, "nope", nil, policy.ErrUnknownRecipient},
		{"unknown category", purpose.Payments, "halyk", []policy.CheckOption{policy.WithCategories("nope")}, policy.ErrUnknownCategory},
		{"unknown basis", purpose.Payments, "halyk", []policy.CheckOption{policy.WithBasis("nope")}, policy.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Plan(ctx, tt.p, tt.recipient, tt.opts...)
			require.ErrorIs(t, err, tt.want)
			for u, err := range e.Allowed(ctx, tt.p, tt.recipient, slices.Values([]string{"u1"}), tt.opts...) {
				require.Empty(t, u)
				require.ErrorIs(t, err, tt.want)
			}
		})
	}
	for u, err := range e.Allowed(ctx, purpose.Payments, "halyk", slices.Values([]string{""})) {
		require.Empty(t, u)
		require.ErrorIs(t, err, policy.ErrInvalidRequest)
	}
	var zero policy.Engine
	_, err := zero.Plan(ctx, purpose.Payments, "halyk")
	require.ErrorIs(t, err, policy.ErrInvalidConfig)

	// Decisions that may depend on a clock or the network are not a
	// function of consent: no plan.
	nondet, err := policy.New(policy.WithNondeterministicBuiltins(), policy.WithRecipients(planRecipients...))
	require.NoError(t, err)
	_, err = nondet.Plan(ctx, purpose.Payments, "halyk")
	require.ErrorIs(t, err, policy.ErrInvalidConfig)
	for u, err := range nondet.Allowed(ctx, purpose.Payments, "halyk", slices.Values([]string{"u1"})) {
		require.Empty(t, u)
		require.ErrorIs(t, err, policy.ErrInvalidConfig)
	}
}

// BenchmarkAllowed compares a batch question over 10,000 subjects in the
// memory store: Allowed (one plan, batched states) against a Check per
// subject.
func BenchmarkAllowed(b *testing.B) {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	subjects := randomConsent(b, rand.New(rand.NewPCG(5, 5)), store, 10_000, planScopes())
	e := planEngine(b, store)
	b.Run("allowed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, err := range e.Allowed(ctx, purpose.Payments, "halyk", slices.Values(subjects)) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
		}
	})
	b.Run("check-each", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, u := range subjects {
				d, err := e.Check(ctx, u, purpose.Payments, "halyk")
				if err != nil {
					b.Fatal(err)
				}
				if d.Allowed {
					n++
				}
			}
		}
	})
}

// TestPlanDecideIsLogged: a decision made by Plan.Decide is in the
// decision log under its ID, with the subject's pseudonym.
func TestPlanDecideIsLogged(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	pseudo, err := policy.HMACPseudonym(bytes.Repeat([]byte{1}, 32))
	require.NoError(t, err)
	store := consent.NewMemoryStore()
	f := newFixture(t, policy.WithConsentStore(store), policy.WithSubjectPseudonym(pseudo),
		policy.WithDecisionLog(slog.NewJSONHandler(&buf, nil), policy.DecisionLogOptions{}))
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy("user-7", policy.DefaultVersion.ID, t0)))
	pl, err := f.engine.Plan(ctx, purpose.Payments, "halyk")
	require.NoError(t, err)
	st, err := store.State(ctx, "user-7")
	require.NoError(t, err)
	d := pl.Decide(ctx, st)
	require.False(t, d.Allowed)
	recs := decodeLog(t, &buf)
	require.Len(t, recs, 1)
	require.Equal(t, d.ID.String(), recs[0]["decision_id"])
	require.Equal(t, pseudo("user-7"), recs[0]["input"].(map[string]any)["subject"])
	require.NotContains(t, buf.String(), "user-7")
}

func TestPlanDecideObserverPanicDenies(t *testing.T) {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	f := newFixture(t, policy.WithConsentStore(store), policy.WithObserver(policy.ObserverFunc(func(context.Context, policy.CheckInfo) { panic("x") })))
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0)))
	pl, err := f.engine.Plan(ctx, purpose.Payments, "kaspi")
	require.NoError(t, err)
	st, err := store.State(ctx, "u")
	require.NoError(t, err)
	require.True(t, pl.Allows(st))
	d := pl.Decide(ctx, st)
	require.False(t, d.Allowed)
	require.True(t, d.Has(policy.CodePolicyError))
	require.NoError(t, policy.Verify(d))
}

// laggingStore is an instance whose cache has not yet heard of a
// withdrawal: State and States serve the state from before it, while
// StateAtLeast reads at the token, as pgstore's do.
type laggingStore struct {
	*consent.MemoryStore
	stale map[string]consent.State
}

func (s laggingStore) State(ctx context.Context, user string) (consent.State, error) {
	if st, ok := s.stale[user]; ok {
		return st, nil
	}
	return s.MemoryStore.State(ctx, user)
}

func (s laggingStore) States(ctx context.Context, users []string) ([]consent.State, error) {
	out := make([]consent.State, len(users))
	for i, u := range users {
		out[i], _ = s.State(ctx, u)
	}
	return out, nil
}

// TestAllowedHonoursWithAtLeast: Allowed with WithAtLeast never yields a
// subject whose withdrawal the token covers, as Check denies it; a token
// the store cannot read fails it, and a store that cannot read at tokens
// fails the plan.
func TestAllowedHonoursWithAtLeast(t *testing.T) {
	ctx := context.Background()
	mem := consent.NewMemoryStore()
	store := laggingStore{MemoryStore: mem, stale: map[string]consent.State{}}
	e := planEngine(t, store)
	require.NoError(t, mem.Append(ctx, consent.AcceptPolicy("u1", planV2.ID, t0), consent.Grant("u1", purpose.Payments, "halyk", t0),
		consent.AcceptPolicy("u2", planV2.ID, t0), consent.Grant("u2", purpose.Payments, "halyk", t0)))
	store.stale["u1"], _ = mem.State(ctx, "u1")
	tok, err := mem.AppendToken(ctx, consent.Withdraw("u1", purpose.Payments, "halyk", t0.Add(time.Minute)))
	require.NoError(t, err)

	allowed := func(opts ...policy.CheckOption) ([]string, error) {
		var out []string
		for u, err := range e.Allowed(ctx, purpose.Payments, "halyk", slices.Values([]string{"u1", "u2"}), opts...) {
			if err != nil {
				return out, err
			}
			out = append(out, u)
		}
		return out, nil
	}
	d, err := e.Check(ctx, "u1", purpose.Payments, "halyk", policy.WithAtLeast(tok))
	require.NoError(t, err)
	require.False(t, d.Allowed)
	got, err := allowed(policy.WithAtLeast(tok))
	require.NoError(t, err)
	assert.Equal(t, []string{"u2"}, got, "at the token, u1's withdrawal counts")
	got, err = allowed()
	require.NoError(t, err)
	assert.Equal(t, []string{"u1", "u2"}, got, "without it, the lagging state is what the store serves")

	got, err = allowed(policy.WithAtLeast("not-a-token"))
	assert.Empty(t, got)
	assert.ErrorIs(t, err, policy.ErrConsentUnavailable)

	plain, err := policy.New(policy.WithStateReader(noBatch{mem}), policy.WithRecipients(planRecipients...),
		policy.WithVersion(planV2), policy.WithPriorVersions(policy.DefaultVersion),
		policy.WithClock(func() time.Time { return t0.Add(time.Hour) }))
	require.NoError(t, err)
	_, err = plain.Plan(ctx, purpose.Payments, "halyk", policy.WithAtLeast(tok))
	assert.ErrorIs(t, err, policy.ErrConsentUnavailable)
	_, err = plain.Plan(ctx, purpose.Payments, "halyk")
	assert.NoError(t, err)
}

// TestPlanDecideDeniesUnderEndedContext: Decide answers as Check does for
// a request whose context has ended, or is nil: a denial.
func TestPlanDecideDeniesUnderEndedContext(t *testing.T) {
	f := newFixture(t)
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	pl, err := f.engine.Plan(context.Background(), purpose.Payments, policy.Operator)
	require.NoError(t, err)
	st, err := f.store.State(context.Background(), "u")
	require.NoError(t, err)
	require.True(t, pl.Decide(context.Background(), st).Allowed, "the plan allows u")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := f.engine.Check(ctx, "u", purpose.Payments, policy.Operator)
	require.Error(t, err)
	d := pl.Decide(ctx, st)
	require.False(t, d.Allowed)
	require.Equal(t, codes(c), codes(d))
	require.NoError(t, policy.Verify(d))
	//nolint:staticcheck // a nil context is what is tested
	require.False(t, pl.Decide(nil, st).Allowed)
}

// TestAllowedJudgesEachBatchWhenRead: a long stream judges each batch at
// the instant it is read. A grant whose term ends while the first batch
// is being consumed is not allowed in the second.
func TestAllowedJudgesEachBatchWhenRead(t *testing.T) {
	ctx := context.Background()
	var now atomic.Int64
	now.Store(t0.Add(time.Hour).UnixNano())
	store := consent.NewMemoryStore()
	e, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(testRecipients...),
		policy.WithClock(func() time.Time { return time.Unix(0, now.Load()).UTC() }))
	require.NoError(t, err)
	var subjects []string
	last := fmt.Sprintf("s%05d", consent.MaxBatch)
	for i := range consent.MaxBatch + 1 {
		u := fmt.Sprintf("s%05d", i)
		subjects = append(subjects, u)
		var opts []consent.EventOption
		if u == last { // in the second batch
			opts = append(opts, consent.WithTerm(t0.Add(time.Hour+time.Minute)))
		}
		require.NoError(t, store.Append(ctx, consent.AcceptPolicy(u, policy.DefaultVersion.ID, t0),
			consent.Grant(u, purpose.Payments, "halyk", t0, opts...)))
	}
	n := 0
	for u, err := range e.Allowed(ctx, purpose.Payments, "halyk", slices.Values(subjects)) {
		require.NoError(t, err)
		require.NotEqual(t, last, u, "yielded after its grant's term ended")
		n++
		now.Store(t0.Add(time.Hour + 2*time.Minute).UnixNano()) // the export runs on
	}
	require.Equal(t, consent.MaxBatch, n)

	// The first batch too is judged when it is read, not when the
	// stream began: subjects that come slowly (a cursor) come late.
	now.Store(t0.Add(time.Hour).UnixNano())
	slow := func(yield func(string) bool) {
		now.Store(t0.Add(time.Hour + 2*time.Minute).UnixNano())
		yield(last)
	}
	for u, err := range e.Allowed(ctx, purpose.Payments, "halyk", slow) {
		require.NoError(t, err)
		require.NotEqual(t, last, u, "yielded after its grant's term ended, before its batch was read")
	}
}
