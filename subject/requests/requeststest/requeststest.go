package requeststest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/workday"
)

// Run runs the suite against the stores newStore returns, one new empty
// store per subtest.
func Run(t *testing.T, newStore func(t *testing.T) requests.Store) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, s requests.Store)
}{
	{"InsertThenGet", testInsertGet},
	{"RoundTripEveryStatus", testRoundTrip},
	{"RoundTripFirstAndLastYear", testEdgeYears},
	{"InsertTakenID", testTakenID},
	{"InsertInvalidWritesNothing", testInsertInvalid},
	{"UpdateIfStatusUnchanged", testUpdateCAS},
	{"UpdateKeepsFiledFields", testUpdateKeepsFiled},
	{"BySubject", testBySubject},
	{"Pending", testPending},
	{"RegistryDeadlinesAndLifecycle", testLifecycle},
	{"RegistryRefusalReasons", testRefusal},
	{"RegistryTransitions", testTransitions},
	{"ConcurrentAnswersOneWins", testRace},
	{"Forget", testForget},
	{"ForgetTakesErasedPrefixExactly", testForgetErasedPrefixCase},
	{"RegistryRefusesBytesNoStoreHolds", testUnstorableBytes},
	{"ContextCanceled", testCanceled},
}

var almaty = time.FixedZone("UTC+5", 5*60*60)

// base is a Monday, with nanoseconds every store must keep.
var base = time.Date(2025, 2, 10, 10, 30, 0, 123456789, almaty)

func day(n int) time.Time { return base.AddDate(0, 0, n) }

var timeEqual = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func requireSame(t *testing.T, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got, timeEqual); diff != "" {
		t.Fatalf("mismatch (-want +got):\n%s", diff)
	}
}

func req(id, subject string, k requests.Kind, received time.Time) requests.Request {
	return requests.Request{
		ID: id, Subject: subject, Kind: k, Channel: requests.ChannelEmail,
		Received: received, Due: received.AddDate(0, 0, 3), TextRef: "edo://in/" + id,
		Status: requests.StatusReceived,
	}
}

func mustInsert(t *testing.T, s requests.Store, rs ...requests.Request) {
	t.Helper()
	for _, r := range rs {
		require.NoError(t, s.Insert(context.Background(), r))
	}
}

func mustGet(t *testing.T, s requests.Store, id string) requests.Request {
	t.Helper()
	r, err := s.Get(context.Background(), id)
	require.NoError(t, err)
	return r
}

func ids(rs []requests.Request) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func registry(s requests.Store) *requests.Registry {
	cal, err := workday.Kazakhstan(workday.WithLocation(almaty))
	if err != nil {
		panic(err)
	}
	return requests.New(s, requests.WithCalendar(cal))
}

func testInsertGet(t *testing.T, s requests.Store) {
	r := req("req_a", "user-1", requests.KindAccess, base)
	mustInsert(t, s, r)
	requireSame(t, r, mustGet(t, s, r.ID))
	_, err := s.Get(context.Background(), "req_b")
	assert.ErrorIs(t, err, requests.ErrNotFound)
}

func testRoundTrip(t *testing.T, s requests.Store) {
	received := req("req_r", "user-1", requests.KindCorrection, base)
	received.TextRef, received.Channel = "", requests.ChannelStateService
	answered := req("req_an", "user-1", requests.KindAccess, base)
	answered.Status, answered.Closed, answered.AnswerRef = requests.StatusAnswered, day(2).Add(7), "edo://out/1"
	refused := req("req_rf", "user-2", requests.KindWithdrawal, base)
	refused.Status, refused.Closed, refused.AnswerRef, refused.Reason = requests.StatusRefused, day(1).In(time.UTC), "edo://out/2", requests.ReasonUnfulfilledObligation
	withdrawn := req("req_w", "user-2", requests.KindPublicRemoval, base.Add(-1))
	withdrawn.Status, withdrawn.Closed = requests.StatusWithdrawn, day(1)
	for _, r := range []requests.Request{received, answered, refused, withdrawn} {
		mustInsert(t, s, r)
		requireSame(t, r, mustGet(t, s, r.ID))
	}
}

func testTakenID(t *testing.T, s requests.Store) {
	first := req("req_x", "user-1", requests.KindAccess, base)
	mustInsert(t, s, first)
	err := s.Insert(context.Background(), req("req_x", "user-2", requests.KindBlocking, day(1)))
	require.ErrorIs(t, err, requests.ErrConflict)
	requireSame(t, first, mustGet(t, s, "req_x"))
}

func testInsertInvalid(t *testing.T, s requests.Store) {
	bad := map[string]func(*requests.Request){
		"empty subject":     func(r *requests.Request) { r.Subject = "" },
		"unknown kind":      func(r *requests.Request) { r.Kind = "telepathy" },
		"unknown channel":   func(r *requests.Request) { r.Channel = "pigeon" },
		"due before":        func(r *requests.Request) { r.Due = r.Received.Add(-1) },
		"refused no reason": func(r *requests.Request) { r.Status, r.Closed, r.AnswerRef = requests.StatusRefused, day(1), "x" },
		"reason not allowed": func(r *requests.Request) {
			r.Status, r.Closed, r.AnswerRef, r.Reason = requests.StatusRefused, day(1), "x", requests.ReasonUnfulfilledObligation
		},
		"answered no ref":        func(r *requests.Request) { r.Status, r.Closed = requests.StatusAnswered, day(1) },
		"closed before":          func(r *requests.Request) { r.Status, r.Closed, r.AnswerRef = requests.StatusAnswered, day(-1), "x" },
		"NUL in subject":         func(r *requests.Request) { r.Subject = "user-bad\x00" },
		"receipt past year 9999": func(r *requests.Request) { r.Received, r.Due = farFuture, farFuture.Add(time.Hour) },
		"due in year 10000":      func(r *requests.Request) { r.Due = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"closed past year 9999": func(r *requests.Request) {
			r.Status, r.Closed, r.AnswerRef = requests.StatusAnswered, farFuture, "x"
		},
		"invalid UTF-8 subject":   func(r *requests.Request) { r.Subject = "user-bad\xff" },
		"NUL in text reference":   func(r *requests.Request) { r.TextRef = "edo://\x00" },
		"invalid UTF-8 reference": func(r *requests.Request) { r.TextRef = "edo://\xc3" },
		"NUL in answer reference": func(r *requests.Request) {
			r.Status, r.Closed, r.AnswerRef = requests.StatusAnswered, day(1), "edo://\x00"
		},
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			r := req("req_bad", "user-bad", requests.KindAccess, base)
			mutate(&r)
			err := s.Insert(context.Background(), r)
			require.ErrorIs(t, err, requests.ErrInvalid)
			assert.NotContains(t, err.Error(), "user-bad")
			_, err = s.Get(context.Background(), r.ID)
			assert.ErrorIs(t, err, requests.ErrNotFound)
		})
	}
}

func testUpdateCAS(t *testing.T, s requests.Store) {
	ctx := context.Background()
	r := req("req_a", "user-1", requests.KindAccess, base)
	mustInsert(t, s, r)
	answered := r
	answered.Status, answered.Closed, answered.AnswerRef = requests.StatusAnswered, day(1), "out"
	require.NoError(t, s.Update(ctx, answered, requests.StatusReceived))
	withdrawn := r
	withdrawn.Status, withdrawn.Closed = requests.StatusWithdrawn, day(1)
	require.ErrorIs(t, s.Update(ctx, withdrawn, requests.StatusReceived), requests.ErrConflict)
	requireSame(t, answered, mustGet(t, s, r.ID))
	ghost := req("req_ghost", "user-1", requests.KindAccess, base)
	assert.ErrorIs(t, s.Update(ctx, ghost, requests.StatusReceived), requests.ErrNotFound)
	bad := req("req_b", "user-1", requests.KindAccess, base)
	mustInsert(t, s, bad)
	bad.Status = requests.StatusAnswered
	assert.ErrorIs(t, s.Update(ctx, bad, requests.StatusReceived), requests.ErrInvalid)
}

func testUpdateKeepsFiled(t *testing.T, s requests.Store) {
	r := req("req_a", "user-1", requests.KindAccess, base)
	mustInsert(t, s, r)
	u := r
	u.Subject, u.Kind, u.Received, u.Due, u.TextRef, u.Channel = "user-2", requests.KindBlocking, day(1), day(9), "x", requests.ChannelApp
	u.Status, u.Closed = requests.StatusWithdrawn, day(2)
	require.NoError(t, s.Update(context.Background(), u, requests.StatusReceived))
	want := r
	want.Status, want.Closed = requests.StatusWithdrawn, day(2)
	requireSame(t, want, mustGet(t, s, r.ID))
}

func testBySubject(t *testing.T, s requests.Store) {
	a := req("req_c", "user-1", requests.KindAccess, day(2))
	b := req("req_b", "user-1", requests.KindBlocking, day(0))
	tie := req("req_a", "user-1", requests.KindCorrection, day(2))
	other := req("req_d", "user-2", requests.KindAccess, day(1))
	mustInsert(t, s, a, b, other, tie)
	got, err := s.BySubject(context.Background(), "user-1")
	require.NoError(t, err)
	requireSame(t, []requests.Request{b, tie, a}, got)
	got, err = s.BySubject(context.Background(), "nobody")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testPending(t *testing.T, s requests.Store) {
	ctx := context.Background()
	early := req("req_e", "user-1", requests.KindAccess, day(0))
	late := req("req_l", "user-2", requests.KindAccess, day(10))
	tieA := req("req_ta", "user-3", requests.KindAccess, day(5))
	tieB := req("req_tb", "user-1", requests.KindAccess, day(5))
	done := req("req_d", "user-1", requests.KindAccess, day(0))
	done.Status, done.Closed, done.AnswerRef = requests.StatusAnswered, day(1), "r"
	mustInsert(t, s, late, tieB, early, done, tieA)
	pending := func(at time.Time) []string {
		rs, err := s.Pending(ctx, at)
		require.NoError(t, err)
		return ids(rs)
	}
	assert.Empty(t, pending(early.Due), "due exactly at t is not before t")
	assert.Equal(t, []string{"req_e"}, pending(early.Due.Add(1)))
	assert.Equal(t, []string{"req_e", "req_ta", "req_tb", "req_l"}, pending(day(100)))
	// Asked past the last year a store keeps, or before the first: the
	// answer of the range's end, on every store.
	assert.Equal(t, []string{"req_e", "req_ta", "req_tb", "req_l"}, pending(farFuture), "asked past year 9999")
	assert.Empty(t, pending(time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)), "asked before year 1")
}

func testLifecycle(t *testing.T, s requests.Store) {
	ctx := context.Background()
	reg := registry(s)
	end := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 999999999, almaty) }
	// Thursday 20 March 2025, before Nauryz: 21-25 March are days off.
	received := time.Date(2025, 3, 20, 17, 0, 0, 0, almaty)
	tests := []struct {
		kind requests.Kind
		want time.Time
	}{
		{requests.KindAccess, end(2025, 3, 28)},
		{requests.KindCorrection, end(2025, 3, 26)},
		{requests.KindBlocking, end(2025, 3, 26)},
		{requests.KindDestruction, end(2025, 3, 26)},
		{requests.KindWithdrawal, end(2025, 3, 26)},
		{requests.KindObjection, end(2025, 3, 28)},
		{requests.KindPublicRemoval, end(2025, 3, 26)},
	}
	for _, tc := range tests {
		r, err := reg.File(ctx, "user-1", tc.kind, received, requests.WithChannel(requests.ChannelApp))
		require.NoError(t, err, tc.kind)
		assert.Equal(t, tc.want, r.Due, tc.kind)
		assert.Regexp(t, `^req_[A-Z2-7]{26}$`, r.ID)
		requireSame(t, r, mustGet(t, s, r.ID))
	}
	overdue, err := reg.Overdue(ctx, end(2025, 3, 26))
	require.NoError(t, err)
	assert.Empty(t, overdue)
	overdue, err = reg.Overdue(ctx, end(2025, 3, 26).Add(1))
	require.NoError(t, err)
	assert.Len(t, overdue, 5)
	soon, err := reg.DueBefore(ctx, end(2025, 3, 28).Add(1))
	require.NoError(t, err)
	assert.Len(t, soon, 7)

	r := overdue[0]
	require.NoError(t, reg.Answer(ctx, r.ID, end(2025, 3, 27), "edo://out/1"))
	got, err := reg.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, requests.StatusAnswered, got.Status)
	assert.True(t, got.AnsweredLate())
	assert.False(t, got.Overdue(end(2026, 1, 1)))

	list, err := reg.BySubject(ctx, "user-1")
	require.NoError(t, err)
	assert.Len(t, list, 7)

	_, err = reg.File(ctx, "user-1", requests.KindAccess, time.Date(2027, 6, 1, 10, 0, 0, 0, almaty))
	assert.ErrorIs(t, err, requests.ErrDeadline, "a year the calendar does not know")
	assert.ErrorIs(t, err, workday.ErrUnknownYear)
	_, err = reg.File(ctx, "user-1", "telepathy", received)
	assert.ErrorIs(t, err, requests.ErrInvalid)
	_, err = reg.File(ctx, "", requests.KindAccess, received)
	assert.ErrorIs(t, err, requests.ErrInvalid)
	_, err = reg.File(ctx, "user-1", requests.KindAccess, time.Time{})
	assert.ErrorIs(t, err, requests.ErrInvalid)
	list, err = reg.BySubject(ctx, "user-1")
	require.NoError(t, err)
	assert.Len(t, list, 7, "failed filings recorded nothing")

	cal, err := workday.Kazakhstan(workday.WithLocation(almaty))
	require.NoError(t, err)
	custom := requests.New(s, requests.WithCalendar(cal), requests.WithRule(requests.KindAccess, requests.Rule{Days: 10, Unit: requests.CalendarDays}))
	r2, err := custom.File(ctx, "user-9", requests.KindAccess, received)
	require.NoError(t, err)
	assert.Equal(t, end(2025, 3, 30), r2.Due)
}

func testRefusal(t *testing.T, s requests.Store) {
	ctx := context.Background()
	reg := registry(s)
	for _, k := range requests.Kinds() {
		for _, reason := range requests.Reasons() {
			t.Run(fmt.Sprintf("%s_%s", k, reason), func(t *testing.T) {
				r, err := reg.File(ctx, "user-1", k, base)
				require.NoError(t, err)
				err = reg.Refuse(ctx, r.ID, day(1), reason, "edo://out/refusal")
				got := mustGet(t, s, r.ID)
				if k.Allows(reason) {
					require.NoError(t, err)
					assert.Equal(t, requests.StatusRefused, got.Status)
					assert.Equal(t, reason, got.Reason)
					return
				}
				require.ErrorIs(t, err, requests.ErrReasonNotAllowed)
				assert.Equal(t, requests.StatusReceived, got.Status)
			})
		}
	}
	r, err := reg.File(ctx, "user-1", requests.KindAccess, base)
	require.NoError(t, err)
	assert.ErrorIs(t, reg.Refuse(ctx, r.ID, day(1), requests.ReasonLaw, ""), requests.ErrInvalid, "a refusal is in writing")
	assert.ErrorIs(t, reg.Refuse(ctx, r.ID, day(1), "whim", "x"), requests.ErrInvalid)
}

func testTransitions(t *testing.T, s requests.Store) {
	ctx := context.Background()
	reg := registry(s)
	steps := map[requests.Status]func(string) error{
		requests.StatusAnswered:  func(id string) error { return reg.Answer(ctx, id, day(1), "out") },
		requests.StatusRefused:   func(id string) error { return reg.Refuse(ctx, id, day(1), requests.ReasonLaw, "out") },
		requests.StatusWithdrawn: func(id string) error { return reg.Withdraw(ctx, id, day(1)) },
	}
	for _, from := range requests.Statuses() {
		for to, step := range steps {
			t.Run(fmt.Sprintf("%s_to_%s", from, to), func(t *testing.T) {
				r, err := reg.File(ctx, "user-1", requests.KindAccess, base)
				require.NoError(t, err)
				if from != requests.StatusReceived {
					require.NoError(t, steps[from](r.ID))
				}
				err = step(r.ID)
				if from.CanBecome(to) {
					require.NoError(t, err)
					return
				}
				require.ErrorIs(t, err, requests.ErrInvalidTransition)
				var te *requests.TransitionError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, from, te.From)
				assert.Equal(t, from, mustGet(t, s, r.ID).Status)
			})
		}
	}
	assert.ErrorIs(t, reg.Answer(ctx, "req_nope", day(1), "x"), requests.ErrNotFound)
	r, err := reg.File(ctx, "user-1", requests.KindAccess, base)
	require.NoError(t, err)
	assert.ErrorIs(t, reg.Answer(ctx, r.ID, base.Add(-time.Second), "x"), requests.ErrInvalid)
	assert.ErrorIs(t, reg.Withdraw(ctx, r.ID, time.Time{}), requests.ErrInvalid)
}

func testRace(t *testing.T, s requests.Store) {
	const racers = 12
	ctx := context.Background()
	reg := registry(s)
	for round := range 4 {
		r, err := reg.File(ctx, "user-1", requests.KindAccess, base)
		require.NoError(t, err)
		var wins, others atomic.Int32
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				var err error
				switch i % 3 {
				case 0:
					err = reg.Answer(ctx, r.ID, day(1), fmt.Sprintf("ref-%d", i))
				case 1:
					err = reg.Refuse(ctx, r.ID, day(1), requests.ReasonLaw, "ref")
				default:
					err = reg.Withdraw(ctx, r.ID, day(1))
				}
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, requests.ErrInvalidTransition):
				default:
					others.Add(1)
					t.Errorf("round %d: %v", round, err)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load(), "round %d", round)
		assert.Zero(t, others.Load())
	}
}

func testForget(t *testing.T, s requests.Store) {
	f, ok := s.(requests.Forgetter)
	if !ok {
		t.Skip("store does not implement requests.Forgetter")
	}
	ctx := context.Background()
	answered := req("req_an", "user-1", requests.KindAccess, base)
	answered.Status, answered.Closed, answered.AnswerRef = requests.StatusAnswered, day(1), "edo://out/user-1"
	refused := req("req_rf", "user-1", requests.KindWithdrawal, base)
	refused.Status, refused.Closed, refused.AnswerRef, refused.Reason = requests.StatusRefused, day(1), "edo://out/user-1b", requests.ReasonLaw
	pending := req("req_p", "user-2", requests.KindDestruction, base)
	mustInsert(t, s, answered, refused, pending)

	n, err := f.Forget(ctx, "user-2")
	require.ErrorIs(t, err, requests.ErrRetained)
	assert.Zero(t, n)
	assert.NotContains(t, err.Error(), "user-2")
	requireSame(t, pending, mustGet(t, s, pending.ID))

	n, err = f.Forget(ctx, "user-1")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	got, err := s.BySubject(ctx, "user-1")
	require.NoError(t, err)
	assert.Empty(t, got)
	seen := map[string]bool{}
	for _, r := range []requests.Request{answered, refused} {
		e := mustGet(t, s, r.ID)
		assert.True(t, e.Erased())
		assert.Empty(t, e.TextRef)
		assert.Equal(t, requests.ErasedRef, e.AnswerRef)
		assert.Equal(t, r.Status, e.Status)
		assert.Equal(t, r.Reason, e.Reason)
		assert.Equal(t, r.Kind, e.Kind)
		assert.True(t, e.Due.Equal(r.Due))
		seen[e.Subject] = true
	}
	assert.Len(t, seen, 2)
	n, err = f.Forget(ctx, "user-1")
	require.NoError(t, err)
	assert.Zero(t, n)

	reg := registry(s)
	require.NoError(t, reg.Answer(ctx, pending.ID, day(1), "edo://out/p"))
	n, err = reg.Forget(ctx, "user-2")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = reg.File(ctx, requests.ErasedPrefix+"x", requests.KindAccess, base)
	assert.ErrorIs(t, err, requests.ErrInvalid)
}

func testCanceled(t *testing.T, s requests.Store) {
	mustInsert(t, s, req("req_a", "user-1", requests.KindAccess, base))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, s.Insert(ctx, req("req_b", "user-1", requests.KindAccess, base)), context.Canceled)
	_, err := s.Get(ctx, "req_a")
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.BySubject(ctx, "user-1")
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Pending(ctx, day(100))
	assert.ErrorIs(t, err, context.Canceled)
	w := req("req_a", "user-1", requests.KindAccess, base)
	w.Status, w.Closed = requests.StatusWithdrawn, day(1)
	assert.ErrorIs(t, s.Update(ctx, w, requests.StatusReceived), context.Canceled)
	if f, ok := s.(requests.Forgetter); ok {
		_, err = f.Forget(ctx, "user-1")
		assert.ErrorIs(t, err, context.Canceled)
	}
	_, err = s.Get(context.Background(), "req_b")
	assert.ErrorIs(t, err, requests.ErrNotFound)
}

// testForgetErasedPrefixCase: only the exact [requests.ErasedPrefix]
// marks an erased request. A subject that starts with it in another case
// (on record from before File refused it) is a live subject, and Forget
// erases it as any other; File refuses every case of the prefix.
func testForgetErasedPrefixCase(t *testing.T, s requests.Store) {
	f, ok := s.(requests.Forgetter)
	if !ok {
		t.Skip("store does not implement requests.Forgetter")
	}
	ctx := context.Background()
	for i, who := range []string{"ERASED:bob", "Erased:Bob"} {
		r := req(fmt.Sprintf("req_case%d", i), who, requests.KindAccess, base)
		r.Status, r.Closed, r.AnswerRef = requests.StatusAnswered, day(1), "edo://out/1"
		mustInsert(t, s, r)
		n, err := f.Forget(ctx, who)
		require.NoError(t, err, "subject %q", who)
		assert.Equal(t, 1, n, "subject %q", who)
		assert.True(t, mustGet(t, s, r.ID).Erased())
	}
	reg := registry(s)
	for _, who := range []string{"erased:x", "ERASED:x", "Erased:x", "eRaSeD:"} {
		_, err := reg.File(ctx, who, requests.KindAccess, base)
		assert.ErrorIs(t, err, requests.ErrInvalid, "subject %q", who)
	}
	got, err := s.BySubject(ctx, "ERASED:x")
	require.NoError(t, err)
	assert.Empty(t, got, "a refused request was written")
}

// unstorable are strings some store cannot hold as they are: PostgreSQL's
// text takes neither a NUL byte nor invalid UTF-8.
var unstorable = []string{"user-bad\x00-42", "user-bad\xff42", "user-bad\xc3"}

// testUnstorableBytes: a subject or reference that some store cannot hold
// is bad input on every store, refused with ErrInvalid before anything is
// written, never a store fault to retry; looking such a subject up or
// erasing it in the store finds nothing, on every store alike.
func testUnstorableBytes(t *testing.T, s requests.Store) {
	ctx := context.Background()
	reg := registry(s)
	r, err := reg.File(ctx, "user-1", requests.KindAccess, base)
	require.NoError(t, err)
	for _, b := range unstorable {
		_, err := reg.File(ctx, b, requests.KindAccess, base)
		require.ErrorIs(t, err, requests.ErrInvalid, "subject %q", b)
		assert.NotErrorIs(t, err, requests.ErrUnavailable)
		assert.NotContains(t, err.Error(), "user-bad")
		_, err = reg.File(ctx, "user-2", requests.KindAccess, base, requests.WithTextRef("edo://"+b))
		require.ErrorIs(t, err, requests.ErrInvalid, "text reference %q", b)
		assert.NotErrorIs(t, err, requests.ErrUnavailable)
		err = reg.Answer(ctx, r.ID, day(1), "edo://"+b)
		require.ErrorIs(t, err, requests.ErrInvalid, "answer reference %q", b)
		assert.NotErrorIs(t, err, requests.ErrUnavailable)
		got, err := s.BySubject(ctx, b)
		require.NoError(t, err, "by subject %q: nothing is on record, not a fault", b)
		assert.Empty(t, got)
		if f, ok := s.(requests.Forgetter); ok {
			n, err := f.Forget(ctx, b)
			require.NoError(t, err, "forget %q: nothing is on record, not a fault", b)
			assert.Zero(t, n)
		}
		_, err = s.Get(ctx, "req_"+b)
		assert.ErrorIs(t, err, requests.ErrNotFound, "get %q", b)
		// Such a subject may be on record from before stores refused
		// it: erasing it is never refused, and here finds nothing.
		n, err := reg.Forget(ctx, b)
		require.NoError(t, err, "forget %q", b)
		assert.Zero(t, n)
	}
	got, err := s.BySubject(ctx, "user-2")
	require.NoError(t, err)
	assert.Empty(t, got, "a refused request was written")
	assert.Equal(t, requests.StatusReceived, mustGet(t, s, r.ID).Status)
}

// farFuture is past what SQLite's unix microseconds hold in 64 bits
// (year 294246): a store given it would read back another instant.
var farFuture = time.Date(295000, 1, 1, 0, 0, 0, 0, time.UTC)

// edges are the first and the last instants every store holds exactly.
var edges = []time.Time{
	time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
	time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
}

// testEdgeYears: the first and the last instants Validate accepts come
// back exactly from every store.
func testEdgeYears(t *testing.T, s requests.Store) {
	for k, at := range edges {
		r := req(fmt.Sprintf("req_edge%d", k), "user-1", requests.KindAccess, at)
		r.Due = at
		mustInsert(t, s, r)
		requireSame(t, r, mustGet(t, s, r.ID))
	}
}
