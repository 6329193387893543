package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// Run runs the conformance suite against the stores newStore returns, one
// subtest per property. newStore is called once per subtest and must return
// a new, empty store; it may register its own cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) ledger.Store) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStore(t))
		})
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, s ledger.Store)
}{
	{"Empty", testEmpty},
	{"AppendThenRead", testAppendThenRead},
	{"RoundTrip", testRoundTrip},
	{"Conflict", testConflict},
	{"RacingAppendsOneWins", testRacingAppends},
	{"InvalidBatchWritesNothing", testInvalidBatch},
	{"ScanFrom", testScanFrom},
	{"ScanStopsEarly", testScanStops},
	{"CopiesHandedOut", testCopies},
	{"ConcurrentRecords", testConcurrentRecords},
	{"TwoLedgersShareTheStore", testTwoLedgers},
	{"ContextCanceled", testCanceled},
	{"AppendChained", testAppendChained},
	{"DecisionReader", testDecisionReader},
	{"DecisionIDRoundTrip", testDecisionID},
	{"EntriesOfBeforeDecisionIDs", testV1Entries},
}

// base is the fixtures' clock; it carries nanoseconds, which every store
// must keep since they are hashed.
var base = time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)

// timeEqual compares times as instants.
var timeEqual = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

// entry returns an entry about subject, not yet numbered or hashed.
func entry(subject string, i int) ledger.Entry {
	return ledger.Entry{
		At:            base.Add(time.Duration(i) * time.Second),
		Subject:       subject,
		Purpose:       purpose.Payments,
		Recipient:     fmt.Sprintf("bank-%d", i%3),
		RecipientKind: disclosure.ThirdParty,
		Categories:    []purpose.Category{purpose.Identity, purpose.PaymentDetails},
		Basis:         []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}},
		Exception:     ledger.ExceptionConsent,
		PolicyVersion: "2023-ru-1",
		Reference:     fmt.Sprintf("req-%d", i),
		DecisionID:    fmt.Sprintf("1c9e5a7b-3f20-8d41-8000-%012x", i+1),
	}
}

// V1Chain returns n linked entries from the empty chain as a ledger wrote
// them before entries carried a decision ID: no DecisionID, hashed in
// encoding v1 (see [ledger.Entry.Canonical]). A store's upgrade test
// writes them with its first schema, migrates, and checks that they still
// verify with newer entries after them.
func V1Chain(n int) []ledger.Entry {
	es := make([]ledger.Entry, n)
	for i := range es {
		es[i] = entry(fmt.Sprintf("user-%d", i%2+1), i)
		es[i].DecisionID = ""
	}
	return link(ledger.Head{}, es...)
}

// link numbers and hashes entries to follow head.
func link(head ledger.Head, entries ...ledger.Entry) []ledger.Entry {
	out := make([]ledger.Entry, len(entries))
	for i, e := range entries {
		e.Seq = head.Seq + 1
		e.PrevHash = head.Hash
		e.Hash = e.ComputeHash()
		out[i] = e
		head = e.Head()
	}
	return out
}

// chain returns n linked entries after head, for subjects taken in turn.
func chain(head ledger.Head, n int, subjects ...string) []ledger.Entry {
	if len(subjects) == 0 {
		subjects = []string{"user-1"}
	}
	es := make([]ledger.Entry, n)
	for i := range es {
		es[i] = entry(subjects[i%len(subjects)], int(head.Seq)+i)
	}
	return link(head, es...)
}

func scanAll(t *testing.T, s ledger.Store, from uint64) []ledger.Entry {
	t.Helper()
	var out []ledger.Entry
	for e, err := range s.Scan(context.Background(), from) {
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

func requireEntries(t *testing.T, want, got []ledger.Entry) {
	t.Helper()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if diff := cmp.Diff(want, got, timeEqual); diff != "" {
		t.Fatalf("entries mismatch (-want +got):\n%s", diff)
	}
}

func requireHead(t *testing.T, s ledger.Store, want ledger.Head) {
	t.Helper()
	got, err := s.Head(context.Background())
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func mustAppend(t *testing.T, s ledger.Store, es []ledger.Entry) {
	t.Helper()
	require.NoError(t, s.Append(context.Background(), es))
}

func testEmpty(t *testing.T, s ledger.Store) {
	requireHead(t, s, ledger.Head{})
	requireEntries(t, nil, scanAll(t, s, 1))
	got, err := s.Subject(context.Background(), "user-1")
	require.NoError(t, err)
	assert.Empty(t, got)
	require.NoError(t, s.Append(context.Background(), nil), "an empty append is a no-op")
	requireHead(t, s, ledger.Head{})
	require.NoError(t, ledger.New(s).Verify(context.Background()))
}

func testAppendThenRead(t *testing.T, s ledger.Store) {
	first := chain(ledger.Head{}, 3, "user-1", "user-2")
	mustAppend(t, s, first)
	requireHead(t, s, first[2].Head())
	rest := chain(first[2].Head(), 4, "user-2", "user-1")
	mustAppend(t, s, rest)
	all := append(append([]ledger.Entry{}, first...), rest...)
	requireHead(t, s, all[6].Head())
	requireEntries(t, all, scanAll(t, s, 1))

	var u1, u2 []ledger.Entry
	for _, e := range all {
		if e.Subject == "user-1" {
			u1 = append(u1, e)
		} else {
			u2 = append(u2, e)
		}
	}
	got, err := s.Subject(context.Background(), "user-1")
	require.NoError(t, err)
	requireEntries(t, u1, got)
	got, err = s.Subject(context.Background(), "user-2")
	require.NoError(t, err)
	requireEntries(t, u2, got)
	got, err = s.Subject(context.Background(), "user-3")
	require.NoError(t, err)
	assert.Empty(t, got)
	require.NoError(t, ledger.New(s).Verify(context.Background(), all[3].Head(), all[6].Head()))
}

func testRoundTrip(t *testing.T, s ledger.Store) {
	es := []ledger.Entry{
		{
			At:            time.Date(1960, 1, 2, 3, 4, 5, 999, time.UTC),
			Subject:       "Пользователь 1 — ИИН?",
			Purpose:       purpose.Verification,
			Recipient:     "kgd",
			RecipientKind: disclosure.StateBody,
			Categories:    []purpose.Category{purpose.IINBIN},
			Basis:         []ledger.Basis{{Code: "shared_with_affiliated", Clause: "5.1"}, {Code: "custom", Clause: ""}},
			PolicyVersion: "",
		},
		{
			At:            time.Date(2262, 12, 31, 23, 59, 59, 999999999, time.FixedZone("ALMT", 5*3600)),
			Subject:       "u",
			Purpose:       "operator_specific",
			Recipient:     "staff-7",
			RecipientKind: disclosure.Contractor,
			Categories:    []purpose.Category{"a", "b", "c"},
			Basis:         []ledger.Basis{{Code: "confidentiality_agreed", Clause: "6.3"}},
			Exception:     ledger.ExceptionPriorThirdParty,
			PolicyVersion: "2026-kk-2",
			Reference:     "doc/42\t\n",
		},
		entry("user-1", 1),
	}
	es = link(ledger.Head{}, es...)
	mustAppend(t, s, es)
	got := scanAll(t, s, 1)
	requireEntries(t, es, got)
	for i, e := range got {
		assert.Equal(t, es[i].Hash, e.ComputeHash(), "entry %d must hash the same after the round trip", e.Seq)
	}
	require.NoError(t, ledger.New(s).Verify(context.Background()))
}

func testConflict(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	es := chain(ledger.Head{}, 3)

	wrongGenesis := es[0]
	wrongGenesis.PrevHash = ledger.Hash{1}
	wrongGenesis.Hash = wrongGenesis.ComputeHash()
	require.ErrorIs(t, s.Append(ctx, []ledger.Entry{wrongGenesis}), ledger.ErrConflict)
	requireHead(t, s, ledger.Head{})

	mustAppend(t, s, es)
	head := es[2].Head()

	stale := chain(es[1].Head(), 1)
	require.ErrorIs(t, s.Append(ctx, stale), ledger.ErrConflict, "an entry numbered like the head")

	again := chain(ledger.Head{}, 1)
	require.ErrorIs(t, s.Append(ctx, again), ledger.ErrConflict, "entry 1 again")

	unlinked := chain(ledger.Head{Seq: head.Seq, Hash: ledger.Hash{9}}, 2)
	require.ErrorIs(t, s.Append(ctx, unlinked), ledger.ErrConflict, "right number, wrong prev hash")

	ahead := chain(ledger.Head{Seq: head.Seq + 1, Hash: head.Hash}, 1)
	require.ErrorIs(t, s.Append(ctx, ahead), ledger.ErrConflict, "a gap after the head")

	requireHead(t, s, head)
	requireEntries(t, es, scanAll(t, s, 1))
}

func testRacingAppends(t *testing.T, s ledger.Store) {
	const n = 16
	var (
		wg        sync.WaitGroup
		wins      = make(chan ledger.Entry, n)
		conflicts = make(chan error, n)
	)
	for i := range n {
		wg.Go(func() {
			es := link(ledger.Head{}, entry(fmt.Sprintf("user-%d", i), i))
			if err := s.Append(context.Background(), es); err != nil {
				conflicts <- err
				return
			}
			wins <- es[0]
		})
	}
	wg.Wait()
	close(wins)
	close(conflicts)
	require.Len(t, wins, 1, "exactly one append of entry 1 must win")
	for err := range conflicts {
		require.ErrorIs(t, err, ledger.ErrConflict)
	}
	w := <-wins
	requireHead(t, s, w.Head())
	requireEntries(t, []ledger.Entry{w}, scanAll(t, s, 1))
}

func testInvalidBatch(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	good := chain(ledger.Head{}, 2)
	mustAppend(t, s, good)
	head := good[1].Head()

	tests := []struct {
		name  string
		batch func() []ledger.Entry
	}{
		{"wrong hash", func() []ledger.Entry {
			es := chain(head, 3)
			es[1].Hash[0] ^= 1
			return es
		}},
		{"content changed after hashing", func() []ledger.Entry {
			es := chain(head, 3)
			es[2].Categories = []purpose.Category{purpose.Documents}
			return es
		}},
		{"gap inside the batch", func() []ledger.Entry {
			es := chain(head, 3)
			return []ledger.Entry{es[0], es[2]}
		}},
		{"unlinked inside the batch", func() []ledger.Entry {
			es := chain(head, 2)
			es = append(es, link(ledger.Head{Seq: es[1].Seq, Hash: ledger.Hash{7}}, entry("user-1", 9))...)
			return es
		}},
		{"empty subject", func() []ledger.Entry {
			e := entry("", 5)
			return link(head, entry("user-1", 4), e)
		}},
		{"no categories", func() []ledger.Entry {
			e := entry("user-1", 5)
			e.Categories = nil
			return link(head, e)
		}},
		{"unknown kind", func() []ledger.Entry {
			e := entry("user-1", 5)
			e.RecipientKind = "friend"
			return link(head, e)
		}},
		{"operator as recipient", func() []ledger.Entry {
			e := entry("user-1", 5)
			e.Recipient = policy.Operator
			return link(head, e)
		}},
		{"NUL in a text field", func() []ledger.Entry {
			e := entry("user-1", 5)
			e.Reference = "doc/42\x00"
			return link(head, e)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Append(ctx, tc.batch())
			require.ErrorIs(t, err, ledger.ErrInvalidEntry)
			requireHead(t, s, head)
			requireEntries(t, good, scanAll(t, s, 1))
		})
	}
}

func testScanFrom(t *testing.T, s ledger.Store) {
	es := chain(ledger.Head{}, 5)
	mustAppend(t, s, es)
	requireEntries(t, es, scanAll(t, s, 0))
	requireEntries(t, es, scanAll(t, s, 1))
	requireEntries(t, es[2:], scanAll(t, s, 3))
	requireEntries(t, es[4:], scanAll(t, s, 5))
	requireEntries(t, nil, scanAll(t, s, 6))
	requireEntries(t, nil, scanAll(t, s, 1<<62))
}

func testScanStops(t *testing.T, s ledger.Store) {
	es := chain(ledger.Head{}, 5)
	mustAppend(t, s, es)
	n := 0
	for _, err := range s.Scan(context.Background(), 1) {
		require.NoError(t, err)
		n++
		if n == 2 {
			break
		}
	}
	assert.Equal(t, 2, n)
	// A stopped scan must release whatever it held.
	more := chain(es[4].Head(), 1)
	mustAppend(t, s, more)
	requireHead(t, s, more[0].Head())
}

func testCopies(t *testing.T, s ledger.Store) {
	es := chain(ledger.Head{}, 2)
	appended := []ledger.Entry{es[0].Clone(), es[1].Clone()}
	mustAppend(t, s, appended)
	appended[0].Categories[0] = "changed by the caller"

	got := scanAll(t, s, 1)
	got[1].Basis[0].Code = "changed by the caller"
	subj, err := s.Subject(context.Background(), "user-1")
	require.NoError(t, err)
	subj[0].Categories[1] = "changed by the caller"

	requireEntries(t, es, scanAll(t, s, 1))
	require.NoError(t, ledger.New(s).Verify(context.Background()))
}

func record(ctx context.Context, l *ledger.Ledger, allows *Decider, g, i int) error {
	subject := fmt.Sprintf("user-%d", g)
	d, err := allows.Allow(subject, fmt.Sprintf("bank-%d", i%4))
	if err != nil {
		return err
	}
	_, err = l.Record(ctx, subject, d,
		ledger.WithRecipientKind(disclosure.ThirdParty),
		ledger.WithCategories(purpose.PaymentDetails, purpose.Identity),
		ledger.WithReference(fmt.Sprintf("req-%d-%d", g, i)))
	return err
}

// banks returns a Decider for bank-0 to bank-3.
func banks(tb testing.TB) *Decider {
	tb.Helper()
	return MustDecider(tb, "bank-0", "bank-1", "bank-2", "bank-3")
}

func requireChain(t *testing.T, l *ledger.Ledger, n uint64, perSubject map[string]int) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, l.Verify(ctx))
	head, err := l.Head(ctx)
	require.NoError(t, err)
	require.Equal(t, n, head.Seq, "every Record must be on the chain, once")
	seen := make(map[string]bool)
	for e, err := range l.Store().Scan(ctx, 1) {
		require.NoError(t, err)
		require.False(t, seen[e.Reference], "entry recorded twice")
		seen[e.Reference] = true
	}
	for subj, want := range perSubject {
		got, err := l.Subject(ctx, subj)
		require.NoError(t, err)
		require.Len(t, got, want)
		for i := 1; i < len(got); i++ {
			require.Less(t, got[i-1].Seq, got[i].Seq, "a subject's entries come in order")
		}
	}
}

func testConcurrentRecords(t *testing.T, s ledger.Store) {
	const goroutines, each = 16, 50
	allows := banks(t)
	l := ledger.New(s)
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				if err := record(context.Background(), l, allows, g, i); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	per := make(map[string]int)
	for g := range goroutines {
		per[fmt.Sprintf("user-%d", g)] = each
	}
	requireChain(t, l, goroutines*each, per)
}

// testTwoLedgers stands in for two processes appending to one store: each
// ledger's idea of the head goes stale, and compare-and-append must keep
// the chain linear.
func testTwoLedgers(t *testing.T, s ledger.Store) {
	const goroutines, each = 8, 25
	allows := banks(t)
	ls := []*ledger.Ledger{ledger.New(s, ledger.WithMaxBatch(4)), ledger.New(s, ledger.WithMaxBatch(4))}
	var wg sync.WaitGroup
	errs := make(chan error, 2*goroutines*each)
	for k, l := range ls {
		for g := range goroutines {
			wg.Go(func() {
				for i := range each {
					if err := record(context.Background(), l, allows, k*goroutines+g, i); err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	requireChain(t, ls[1], 2*goroutines*each, map[string]int{"user-0": each, "user-15": each})
}

func testCanceled(t *testing.T, s ledger.Store) {
	mustAppend(t, s, chain(ledger.Head{}, 2))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Append(ctx, chain(ledger.Head{}, 1))
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.Head(ctx)
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.Subject(ctx, "user-1")
	require.ErrorIs(t, err, context.Canceled)
	var scanErr error
	for _, err := range s.Scan(ctx, 1) {
		if err != nil {
			scanErr = err
			break
		}
	}
	require.ErrorIs(t, scanErr, context.Canceled)
	_, err = ledger.New(s).Record(ctx, "user-1", AllowsFor(t, "user-1", "bank-1")["bank-1"],
		ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
	require.ErrorIs(t, err, context.Canceled)
	require.True(t, errors.Is(ledger.New(s).Verify(ctx), context.Canceled))
}

// testDecisionReader applies to a store that is a [ledger.DecisionReader]:
// it reads exactly the entries of one decision ID, in order, as stored;
// none for an unknown ID, and none for the empty ID (entries written before
// decision IDs are nobody's). Ledger.ByDecision answers the same through
// its index and through a walk.
func testDecisionReader(t *testing.T, s ledger.Store) {
	dr, ok := s.(ledger.DecisionReader)
	if !ok {
		t.Skip("the store is not a ledger.DecisionReader")
	}
	ctx := context.Background()
	es := make([]ledger.Entry, 6)
	for i := range es {
		es[i] = entry(fmt.Sprintf("user-%d", i%2), i%3) // decisions 1, 2, 3, 1, 2, 3
	}
	v1 := V1Chain(2) // entries without a decision ID come first
	es = link(v1[1].Head(), es...)
	mustAppend(t, s, v1)
	mustAppend(t, s, es)
	got, err := dr.Decision(ctx, es[1].DecisionID)
	require.NoError(t, err)
	requireEntries(t, []ledger.Entry{es[1], es[4]}, got)
	got, err = dr.Decision(ctx, "00000000-0000-8000-8000-00000000abcd")
	require.NoError(t, err)
	assert.Empty(t, got)
	got, err = dr.Decision(ctx, "")
	require.NoError(t, err)
	assert.Empty(t, got)

	id, err := policy.ParseDecisionID(es[2].DecisionID)
	require.NoError(t, err)
	for _, l := range []*ledger.Ledger{ledger.New(s), ledger.New(s, ledger.WithVerifiedIndex(0))} {
		for range 2 { // the first call walks, the second reads the index
			got, err := l.ByDecision(ctx, id)
			require.NoError(t, err)
			requireEntries(t, []ledger.Entry{es[2], es[5]}, got)
		}
	}
}

// testAppendChained applies to a store that is a [ledger.ChainAppender]:
// it chains after the head on record, writes all or nothing, and keeps the
// chain linear while plain appends and chained ones race.
func testAppendChained(t *testing.T, s ledger.Store) {
	ca, ok := s.(ledger.ChainAppender)
	if !ok {
		t.Skip("the store is not a ledger.ChainAppender")
	}
	ctx := context.Background()
	first := chain(ledger.Head{}, 2)
	mustAppend(t, s, first)
	drafts := []ledger.Entry{entry("user-2", 10), entry("user-3", 11)}
	got, err := ca.AppendChained(ctx, drafts)
	require.NoError(t, err)
	want := ledger.Chain(first[1].Head(), drafts)
	requireEntries(t, want, got)
	requireHead(t, s, want[1].Head())

	bad := entry("", 12)
	_, err = ca.AppendChained(ctx, []ledger.Entry{entry("user-1", 13), bad})
	require.ErrorIs(t, err, ledger.ErrInvalidEntry)
	requireHead(t, s, want[1].Head())

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5 {
				if g%2 == 0 {
					_, err := ca.AppendChained(ctx, []ledger.Entry{entry("user-1", 100+i)})
					assert.NoError(t, err)
					continue
				}
				// A plain append from a head read just before: it may lose.
				head, err := s.Head(ctx)
				if !assert.NoError(t, err) {
					return
				}
				err = s.Append(ctx, chain(head, 1))
				if err != nil {
					assert.ErrorIs(t, err, ledger.ErrConflict)
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, ledger.New(s).Verify(ctx))
}

// testDecisionID records from real engine decisions: every entry read back
// (Scan, Subject) names its decision, in the text form that parses back to
// the decision's ID.
func testDecisionID(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	allows := banks(t)
	l := ledger.New(s)
	var recorded []ledger.Entry
	for _, r := range []string{"bank-0", "bank-1", "bank-0"} {
		d := allows.MustAllow(t, "user-1", r)
		e, err := l.Record(ctx, "user-1", d,
			ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.PaymentDetails))
		require.NoError(t, err)
		require.Equal(t, d.ID.String(), e.DecisionID)
		recorded = append(recorded, e)
	}
	requireEntries(t, recorded, scanAll(t, s, 1))
	got, err := s.Subject(ctx, "user-1")
	require.NoError(t, err)
	requireEntries(t, recorded, got)
	for i, e := range got {
		id, err := policy.ParseDecisionID(e.DecisionID)
		require.NoError(t, err, "entry %d", i+1)
		assert.Equal(t, allows.MustAllow(t, "user-1", e.Recipient).ID, id, "entry %d", i+1)
	}
	require.NoError(t, l.Verify(ctx))
}

// testV1Entries: a chain whose first entries were written before entries
// carried a decision ID (encoding v1) reads back unchanged and verifies
// with entries that carry one after them.
func testV1Entries(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	v1 := V1Chain(3)
	mustAppend(t, s, v1)
	v2 := chain(v1[2].Head(), 2)
	mustAppend(t, s, v2)
	all := append(append([]ledger.Entry{}, v1...), v2...)
	requireEntries(t, all, scanAll(t, s, 1))
	for _, e := range all[:3] {
		assert.Empty(t, e.DecisionID)
	}
	require.NoError(t, ledger.New(s).Verify(ctx, all[2].Head(), all[4].Head()))
}
