package consenttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// Run runs the conformance suite against the stores newStore returns, one
// subtest per property. newStore is called once per subtest and must return
// a new, empty store; it may register its own cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) consent.Store) {
	t.Helper()
	run(t, newStore, false)
}

// RunKeyed is [Run] for a consent.KeyedStore, whose event IDs are unique
// per subject rather than across the store (the stored ID is an HMAC under
// the subject's key): it leaves out the one case that reuses an ID for
// another subject and requires a conflict.
func RunKeyed(t *testing.T, newStore func(t *testing.T) consent.Store) {
	t.Helper()
	run(t, newStore, true)
}

func run(t *testing.T, newStore func(t *testing.T) consent.Store, keyed bool) {
	t.Helper()
	for _, tc := range cases {
		if keyed && tc.acrossSubjects {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStore(t))
		})
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, s consent.Store)
	// acrossSubjects: the case needs IDs unique across subjects.
	acrossSubjects bool
}{
	{"AppendThenStateAndHistory", testAppendThenRead, false},
	{"EmptyAppend", testEmptyAppend, false},
	{"UnknownUser", testUnknownUser, false},
	{"StateFollowsAppends", testStateFollowsAppends, false},
	{"InvalidEventWritesNothing", testInvalid, false},
	{"ConflictWritesNothing", testConflict, false},
	{"Idempotent", testIdempotent, false},
	{"OrderByTime", testOrderByTime, false},
	{"TiesInAppendOrder", testTies, false},
	{"Expiry", testExpiry, false},
	{"RoundTrip", testRoundTrip, false},
	{"ConsentContentRoundTrip", testContentRoundTrip, false},
	{"SubMicrosecondRepeat", testSubMicrosecond, false},
	{"ConcurrentAppends", testConcurrent, false},
	{"BatchSeenWhole", testBatchSeenWhole, false},
	{"ContextCanceled", testCanceled, false},
	{"ConcurrentConflicts", testConcurrentConflicts, true},
	{"Token", testToken, false},
}

// base is the fixtures' clock: it carries microseconds, the precision every
// store must keep.
var base = time.Date(2024, 6, 1, 9, 30, 0, 123456000, time.UTC)

func at(minutes int) time.Time { return base.Add(time.Duration(minutes) * time.Minute) }

// timeEqual compares times as instants: a store may hand back UTC for a
// time appended in another location.
var timeEqual = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func requireHistory(t *testing.T, s consent.Store, user string, want []consent.Event) {
	t.Helper()
	got, err := s.History(context.Background(), user)
	require.NoError(t, err)
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if diff := cmp.Diff(want, got, timeEqual); diff != "" {
		t.Fatalf("History mismatch (-want +got):\n%s", diff)
	}
}

// view is what a State shows through its exported methods.
type view struct {
	Subject    string
	Acceptance consent.Acceptance
	Events     int
	Grants     []consent.GrantRecord
}

func viewOf(s consent.State) view {
	return view{s.Subject(), s.Acceptance(), s.Events(), s.Grants()}
}

// requireState checks the store's state of user against the fold of want,
// the events the store should hold for that user.
func requireState(t *testing.T, s consent.Store, user string, want []consent.Event) consent.State {
	t.Helper()
	got, err := s.State(context.Background(), user)
	require.NoError(t, err)
	if diff := cmp.Diff(viewOf(consent.Fold(user, want)), viewOf(got), timeEqual); diff != "" {
		t.Fatalf("State mismatch (-want +got):\n%s", diff)
	}
	return got
}

func mustAppend(t *testing.T, s consent.Store, events ...consent.Event) {
	t.Helper()
	require.NoError(t, s.Append(context.Background(), events...))
}

func testAppendThenRead(t *testing.T, s consent.Store) {
	u1, u2 := "user-1", "user-2"
	e1 := consent.AcceptPolicy(u1, "2024-06", at(0), consent.WithChannel(consent.ChannelMobileApp))
	e2 := consent.Grant(u1, purpose.Payments, "halyk-bank", at(1), consent.WithChannel(consent.ChannelMobileApp))
	e3 := consent.Grant(u2, purpose.Support, "contractor-1", at(2))
	mustAppend(t, s, e1, e2)
	mustAppend(t, s, e3)

	st := requireState(t, s, u1, []consent.Event{e1, e2})
	assert.True(t, st.Accepted())
	assert.True(t, st.Granted(purpose.Payments, "halyk-bank", at(2)))
	assert.False(t, st.Granted(purpose.Support, "contractor-1", at(2)), "another user's grant leaked")
	requireHistory(t, s, u1, []consent.Event{e1, e2})
	requireHistory(t, s, u2, []consent.Event{e3})
	requireState(t, s, u2, []consent.Event{e3})
}

func testEmptyAppend(t *testing.T, s consent.Store) {
	require.NoError(t, s.Append(context.Background()))
	require.NoError(t, s.Append(context.Background(), []consent.Event{}...))
	requireHistory(t, s, "user-1", nil)
}

func testUnknownUser(t *testing.T, s consent.Store) {
	mustAppend(t, s, consent.AcceptPolicy("someone-else", "2024-06", at(0)))
	st, err := s.State(context.Background(), "nobody")
	require.NoError(t, err)
	assert.Equal(t, "nobody", st.Subject())
	assert.Zero(t, st.Events())
	assert.False(t, st.Accepted())
	assert.Empty(t, st.Grants())
	h, err := s.History(context.Background(), "nobody")
	require.NoError(t, err)
	assert.Empty(t, h)
}

// testStateFollowsAppends reads a user's state between appends, so a store
// that caches states must invalidate them on every append, including the
// state of a user it had seen with no events.
func testStateFollowsAppends(t *testing.T, s consent.Store) {
	u := "user-cached"
	var log []consent.Event
	requireState(t, s, u, log) // warm whatever cache there is with the empty state
	steps := []consent.Event{
		consent.AcceptPolicy(u, "2024-06", at(0)),
		consent.Grant(u, purpose.Payments, "halyk-bank", at(1)),
		consent.Withdraw(u, purpose.Payments, "halyk-bank", at(2)),
		consent.Grant(u, purpose.Payments, "halyk-bank", at(3)),
		consent.WithdrawAcceptance(u, at(4)),
	}
	for _, e := range steps {
		mustAppend(t, s, e)
		log = append(log, e)
		requireState(t, s, u, log)
		requireState(t, s, u, log) // twice: the second may come from a cache
	}
	st := requireState(t, s, u, log)
	assert.False(t, st.Accepted())
}

func testInvalid(t *testing.T, s consent.Store) {
	u := "user-1"
	good := consent.Grant(u, purpose.Payments, "halyk-bank", at(0))
	bad := map[string]consent.Event{
		"empty subject":   consent.Grant("", purpose.Payments, "halyk-bank", at(1)),
		"zero time":       consent.Grant(u, purpose.Payments, "halyk-bank", time.Time{}),
		"unknown action":  {ID: "ev-x", Subject: u, Action: "sell_data", At: at(1)},
		"grant no scope":  consent.Grant(u, "", "", at(1)),
		"unknown channel": consent.Grant(u, purpose.Payments, "halyk-bank", at(1), consent.WithChannel("pigeon")),
		"term before":     consent.Grant(u, purpose.Payments, "halyk-bank", at(1), consent.WithTerm(at(0))),
		"empty id":        {Subject: u, Action: consent.ActionAcceptPolicy, PolicyVersion: "2024-06", At: at(1)},
	}
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			err := s.Append(context.Background(), good, b)
			require.Error(t, err)
			assert.ErrorIs(t, err, consent.ErrInvalidEvent)
			requireHistory(t, s, u, nil)
			requireState(t, s, u, nil)
		})
	}
}

func testConflict(t *testing.T, s consent.Store) {
	u := "user-1"
	first := consent.Grant(u, purpose.Payments, "halyk-bank", at(0), consent.WithID("req-1"))
	mustAppend(t, s, first)

	other := consent.Withdraw(u, purpose.Payments, "halyk-bank", at(1), consent.WithID("req-1"))
	fresh := consent.Grant(u, purpose.Support, "contractor-1", at(2))
	err := s.Append(context.Background(), fresh, other)
	require.Error(t, err)
	assert.ErrorIs(t, err, consent.ErrConflict)
	requireHistory(t, s, u, []consent.Event{first})
	requireState(t, s, u, []consent.Event{first})

	// Same ID twice in one batch with different content.
	a := consent.Grant(u, purpose.Feedback, "r", at(3), consent.WithID("req-2"))
	b := consent.Grant(u, purpose.Feedback, "r", at(4), consent.WithID("req-2"))
	err = s.Append(context.Background(), fresh, a, b)
	assert.ErrorIs(t, err, consent.ErrConflict)
	requireHistory(t, s, u, []consent.Event{first})
}

func testIdempotent(t *testing.T, s consent.Store) {
	u := "user-1"
	e1 := consent.AcceptPolicy(u, "2024-06", at(0))
	e2 := consent.Grant(u, purpose.Payments, "halyk-bank", at(1), consent.WithEvidence("doc-7"))
	e3 := consent.Withdraw(u, purpose.Payments, "halyk-bank", at(2))
	mustAppend(t, s, e1)
	mustAppend(t, s, e1)         // a retried call
	mustAppend(t, s, e1, e2)     // a batch holding a repeat
	mustAppend(t, s, e3, e3)     // the same event twice in one batch
	mustAppend(t, s, e3, e2, e1) // all repeats
	requireHistory(t, s, u, []consent.Event{e1, e2, e3})
	st := requireState(t, s, u, []consent.Event{e1, e2, e3})
	assert.Equal(t, 3, st.Events())
}

// testOrderByTime appends a grant and its later withdrawal in both orders:
// the withdrawal wins either way, and history is in time order.
func testOrderByTime(t *testing.T, s consent.Store) {
	for _, tc := range []struct {
		user          string
		withdrawFirst bool
	}{{"in-order", false}, {"late-grant", true}} {
		g := consent.Grant(tc.user, purpose.Payments, "halyk-bank", at(1))
		w := consent.Withdraw(tc.user, purpose.Payments, "halyk-bank", at(2))
		if tc.withdrawFirst {
			mustAppend(t, s, w)
			mustAppend(t, s, g)
		} else {
			mustAppend(t, s, g)
			mustAppend(t, s, w)
		}
		st := requireState(t, s, tc.user, []consent.Event{g, w})
		assert.False(t, st.Granted(purpose.Payments, "halyk-bank", at(3)), "%s: withdrawal dated later must win", tc.user)
		requireHistory(t, s, tc.user, []consent.Event{g, w})
	}

	// A paper form typed in late lands between the events around it.
	u := "paper"
	e1 := consent.AcceptPolicy(u, "2024-06", at(0))
	e3 := consent.Grant(u, purpose.Support, "contractor-1", at(5))
	late := consent.Grant(u, purpose.Payments, "halyk-bank", at(2), consent.WithChannel(consent.ChannelPaper))
	mustAppend(t, s, e1, e3)
	mustAppend(t, s, late)
	requireHistory(t, s, u, []consent.Event{e1, late, e3})
	requireState(t, s, u, []consent.Event{e1, late, e3})
}

// testTies checks that among events with the same time the one appended
// later comes later in history, while in the state a withdrawal of that
// instant stands whatever the order: a grant (or acceptance) of the same
// instant does not override it, and a repeated withdrawal, which has the
// first one's ID and so is not appended again, still has the last word.
func testTies(t *testing.T, s consent.Store) {
	u := "ties"
	g := consent.Grant(u, purpose.Payments, "halyk-bank", at(1))
	w := consent.Withdraw(u, purpose.Payments, "halyk-bank", at(1))
	mustAppend(t, s, g)
	mustAppend(t, s, w)
	st := requireState(t, s, u, []consent.Event{g, w})
	assert.False(t, st.Granted(purpose.Payments, "halyk-bank", at(2)))
	requireHistory(t, s, u, []consent.Event{g, w})

	u2 := "ties-batch"
	w2 := consent.Withdraw(u2, purpose.Payments, "halyk-bank", at(1))
	g2 := consent.Grant(u2, purpose.Payments, "halyk-bank", at(1))
	mustAppend(t, s, w2, g2)
	st = requireState(t, s, u2, []consent.Event{w2, g2})
	assert.False(t, st.Granted(purpose.Payments, "halyk-bank", at(2)), "a grant of the withdrawal's instant appended after it")
	requireHistory(t, s, u2, []consent.Event{w2, g2})

	u3 := "ties-repeated"
	w3 := consent.Withdraw(u3, purpose.Payments, "halyk-bank", at(1))
	g3 := consent.Grant(u3, purpose.Payments, "halyk-bank", at(1))
	mustAppend(t, s, w3)
	mustAppend(t, s, g3)
	mustAppend(t, s, w3) // the user's last word, taken for a retry
	st = requireState(t, s, u3, []consent.Event{w3, g3})
	assert.False(t, st.Granted(purpose.Payments, "halyk-bank", at(2)), "withdraw, grant, withdraw at one instant")

	u4 := "ties-acceptance"
	wa := consent.WithdrawAcceptance(u4, at(1))
	a := consent.AcceptPolicy(u4, "v1", at(1))
	mustAppend(t, s, wa)
	mustAppend(t, s, a)
	mustAppend(t, s, wa) // the user's last word, taken for a retry
	st = requireState(t, s, u4, []consent.Event{wa, a})
	assert.False(t, st.Accepted(), "withdraw acceptance, accept, withdraw acceptance at one instant")
	u5 := "ties-acceptance-batch"
	wa5 := consent.WithdrawAcceptance(u5, at(1))
	a5 := consent.AcceptPolicy(u5, "v1", at(1))
	mustAppend(t, s, wa5, a5)
	st = requireState(t, s, u5, []consent.Event{wa5, a5})
	assert.False(t, st.Accepted(), "an acceptance of the withdrawal's instant appended after it")
}

func testExpiry(t *testing.T, s consent.Store) {
	u := "user-1"
	until := at(60)
	g := consent.Grant(u, purpose.Location, "partner-1", at(0), consent.WithTerm(until))
	mustAppend(t, s, g)
	st := requireState(t, s, u, []consent.Event{g})
	rec, ok := st.Grant(purpose.Location, "partner-1")
	require.True(t, ok)
	assert.True(t, rec.Until.Equal(until), "Until = %v, want %v", rec.Until, until)
	assert.True(t, st.Granted(purpose.Location, "partner-1", at(0)))
	assert.True(t, st.Granted(purpose.Location, "partner-1", until.Add(-time.Microsecond)))
	assert.False(t, st.Granted(purpose.Location, "partner-1", until))
	assert.False(t, st.Granted(purpose.Location, "partner-1", until.Add(time.Second)))
}

func testRoundTrip(t *testing.T, s consent.Store) {
	almaty := time.FixedZone("Asia/Almaty", 5*60*60)
	events := []consent.Event{
		consent.Grant("user-ü 'quoted'; --", purpose.Payments, "halyk-bank", at(0),
			consent.WithChannel(consent.ChannelPaper),
			consent.WithEvidence("scan #42 «подпись» \"x\"\n\ttab"),
			consent.WithTerm(at(0).Add(365*24*time.Hour)),
			consent.WithFlags(consent.Flags{ThirdPartyTransfer: true, CrossBorderTransfer: true, Publication: true}),
			consent.WithPolicyVersion("2024-06"),
			consent.WithID("host-req-1")),
		consent.Grant("user-ü 'quoted'; --", purpose.Support, "contractor-1", at(1),
			consent.WithFlags(consent.Flags{CrossBorderTransfer: true}),
			consent.WithChannel(consent.ChannelStateService)),
		consent.AcceptPolicy("user-ü 'quoted'; --", "2024-06-rev.2", at(2), consent.WithChannel(consent.ChannelWeb)),
		consent.Withdraw("user-ü 'quoted'; --", purpose.Support, "contractor-1", at(3), consent.WithChannel(consent.ChannelAPI)),
		{ // built by hand, in a non-UTC location
			Subject: "user-ü 'quoted'; --", Action: consent.ActionWithdrawAcceptance,
			At: at(4).In(almaty), PolicyVersion: "2024-06-rev.2", Evidence: "e",
		},
	}
	events[4].ID = events[4].ContentID()
	mustAppend(t, s, events...)
	requireHistory(t, s, events[0].Subject, events)
	mustAppend(t, s, events...) // what came back is what went in: a repeat, not a conflict
	h, err := s.History(context.Background(), events[0].Subject)
	require.NoError(t, err)
	require.Len(t, h, len(events))
	require.NoError(t, s.Append(context.Background(), h...), "re-appending the history read back must be a no-op")
	st := requireState(t, s, events[0].Subject, events)
	rec, ok := st.Grant(purpose.Payments, "halyk-bank")
	require.True(t, ok)
	assert.Equal(t, "host-req-1", rec.EventID)
	assert.Equal(t, consent.Flags{ThirdPartyTransfer: true, CrossBorderTransfer: true, Publication: true}, rec.Flags)
}

// testContentRoundTrip appends events carrying every art. 8 p.4 field
// (operator and BIN, data collected, an acceptance's term and flags) and
// requires them read back as they went in, a repeat to be a no-op, and the
// same scope without them (another event) to stay apart.
func testContentRoundTrip(t *testing.T, s consent.Store) {
	const user = "user-art8"
	op := consent.WithOperator(`Yasam "LLP", {x}\`, "123456789012")
	events := []consent.Event{
		consent.AcceptPolicy(user, "2024-06", at(0), op,
			consent.WithChannel(consent.ChannelWeb),
			consent.WithTerm(at(0).Add(30*24*time.Hour)),
			consent.WithFlags(consent.Flags{Publication: true, CrossBorderTransfer: true}),
			consent.WithData(purpose.Identity, purpose.Contact, `odd,"cat"{}`)),
		consent.Grant(user, purpose.Payments, "halyk-bank", at(1), op,
			consent.WithChannel(consent.ChannelMobileApp),
			consent.WithTerm(at(1).Add(time.Hour)),
			consent.WithFlags(consent.Flags{ThirdPartyTransfer: true}),
			consent.WithData(purpose.Identity)),
		consent.Grant(user, purpose.Support, "contractor-1", at(2)), // none of them: reads back with none
	}
	mustAppend(t, s, events...)
	requireHistory(t, s, user, events)
	h, err := s.History(context.Background(), user)
	require.NoError(t, err)
	require.Len(t, h, len(events))
	assert.Equal(t, consent.Operator{Name: `Yasam "LLP", {x}\`, BIN: "123456789012"}, h[0].Operator)
	assert.Equal(t, []purpose.Category{purpose.Contact, purpose.Identity, `odd,"cat"{}`}, h[0].Categories)
	assert.True(t, h[0].Until.Equal(at(0).Add(30*24*time.Hour)))
	assert.Equal(t, consent.Flags{Publication: true, CrossBorderTransfer: true}, h[0].Flags)
	assert.Empty(t, h[2].Categories)
	assert.True(t, h[2].Operator.IsZero())
	require.NoError(t, s.Append(context.Background(), h...), "re-appending the history read back must be a no-op")
	st := requireState(t, s, user, events)
	acc := st.Acceptance()
	assert.True(t, acc.StandingAt(at(5)))
	assert.False(t, acc.StandingAt(at(0).Add(31*24*time.Hour)), "the acceptance's term was kept")

	changed := events[1]
	changed.Categories = nil // same ID, content without the list
	require.ErrorIs(t, s.Append(context.Background(), changed), consent.ErrConflict)
}

// testSubMicrosecond appends events whose times carry nanoseconds: a store
// that keeps only microseconds must still take a re-append as a repeat.
func testSubMicrosecond(t *testing.T, s consent.Store) {
	u := "nanos"
	t0 := base.Add(789 * time.Nanosecond)
	e := consent.Grant(u, purpose.Payments, "halyk-bank", t0, consent.WithTerm(t0.Add(time.Hour+1)))
	mustAppend(t, s, e)
	mustAppend(t, s, e)
	h, err := s.History(context.Background(), u)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, e.ID, h[0].ID)
	assert.WithinDuration(t, e.At, h[0].At, time.Microsecond)
	assert.WithinDuration(t, e.Until, h[0].Until, time.Microsecond)
}

func testConcurrent(t *testing.T, s consent.Store) {
	const (
		goroutines = 16
		perG       = 50
		users      = 4
	)
	want := make([][]consent.Event, users)
	var byG [goroutines][]consent.Event
	for g := range goroutines {
		u := fmt.Sprintf("user-%d", g%users)
		for i := range perG {
			when := at(g*perG + i)
			var e consent.Event
			if i%2 == 0 {
				e = consent.Grant(u, purpose.Payments, fmt.Sprintf("r-%d", g), when)
			} else {
				e = consent.Withdraw(u, purpose.Payments, fmt.Sprintf("r-%d", g), when)
			}
			byG[g] = append(byG[g], e)
			want[g%users] = append(want[g%users], e)
		}
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*perG)
	for g := range goroutines {
		wg.Go(func() {
			for i, e := range byG[g] {
				if err := s.Append(ctx, e); err != nil {
					errs <- err
					return
				}
				if i%10 == 0 { // read while others write
					if _, err := s.State(ctx, e.Subject); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for u := range users {
		user := fmt.Sprintf("user-%d", u)
		h, err := s.History(ctx, user)
		require.NoError(t, err)
		ids := func(es []consent.Event) []string {
			out := make([]string, len(es))
			for i, e := range es {
				out[i] = e.ID
			}
			slices.Sort(out)
			return out
		}
		require.Equal(t, ids(want[u]), ids(h), "%s: history misses or repeats events", user)
		requireState(t, s, user, want[u])
	}
}

func testCanceled(t *testing.T, s consent.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	u := "user-1"
	err := s.Append(ctx, consent.AcceptPolicy(u, "2024-06", at(0)))
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "Append: %v does not wrap context.Canceled", err)
	_, err = s.State(ctx, u)
	assert.True(t, errors.Is(err, context.Canceled), "State: %v does not wrap context.Canceled", err)
	_, err = s.History(ctx, u)
	assert.True(t, errors.Is(err, context.Canceled), "History: %v does not wrap context.Canceled", err)
	requireHistory(t, s, u, nil)
	requireState(t, s, u, nil)
}

// testBatchSeenWhole reads a user's state and history while batches of two
// events are appended for that user: a reader sees both events of a batch
// or neither.
func testBatchSeenWhole(t *testing.T, s consent.Store) {
	const (
		batches = 40
		user    = "user-batched"
	)
	ctx := context.Background()
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				st, err := s.State(ctx, user)
				if err != nil {
					t.Error(err)
					return
				}
				if st.Events()%2 != 0 {
					t.Errorf("State saw %d events: half a batch", st.Events())
					return
				}
				h, err := s.History(ctx, user)
				if err != nil {
					t.Error(err)
					return
				}
				if len(h)%2 != 0 {
					t.Errorf("History saw %d events: half a batch", len(h))
					return
				}
			}
		})
	}
	for i := range batches {
		err := s.Append(ctx,
			consent.Grant(user, purpose.Payments, fmt.Sprintf("r-%d", i), at(i)),
			consent.Grant(user, purpose.Support, fmt.Sprintf("r-%d", i), at(i)))
		if err != nil {
			t.Error(err)
			break
		}
	}
	close(done)
	wg.Wait()
	st, err := s.State(ctx, user)
	require.NoError(t, err)
	assert.Equal(t, 2*batches, st.Events())
}
