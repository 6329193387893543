package breachestest

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

	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/workday"
)

// Run runs the suite, one new empty store per subtest.
func Run(t *testing.T, newStore func(t *testing.T) breaches.Store) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, s breaches.Store)
}{
	{"InsertThenGet", testInsertGet},
	{"InsertTakenID", testTakenID},
	{"RoundTripFirstAndLastYear", testEdgeYears},
	{"InsertInvalidWritesNothing", testInsertInvalid},
	{"MarkNotifiedOnce", testMarkNotified},
	{"Pending", testPending},
	{"BySubjectShowsOnlyThatSubject", testBySubject},
	{"RegisterDeadlines", testRegister},
	{"ConcurrentNoticesOneWins", testRace},
	{"Forget", testForget},
	{"ForgetTakesErasedPrefixExactly", testForgetErasedPrefixCase},
	{"RegisterRefusesBytesNoStoreHolds", testUnstorableBytes},
	{"ContextCanceled", testCanceled},
}

var almaty = time.FixedZone("UTC+5", 5*60*60)

// base is Friday 24 October 2025, 16:10, the eve of Republic Day.
var base = time.Date(2025, 10, 24, 16, 10, 0, 123456789, almaty)

func day(n int) time.Time { return base.AddDate(0, 0, n) }

var timeEqual = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func requireSame(t *testing.T, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got, timeEqual); diff != "" {
		t.Fatalf("mismatch (-want +got):\n%s", diff)
	}
}

func incident(id string, detected time.Time, subjects ...string) breaches.Incident {
	return breaches.Incident{
		ID: id, Detected: detected, DescriptionRef: "itsec://" + id, Subjects: subjects,
		AuthorityDue: detected.AddDate(0, 0, 1), SubjectsDue: detected.AddDate(0, 0, 2),
	}
}

func mustInsert(t *testing.T, s breaches.Store, is ...breaches.Incident) {
	t.Helper()
	for _, i := range is {
		require.NoError(t, s.Insert(context.Background(), i))
	}
}

func mustGet(t *testing.T, s breaches.Store, id string) breaches.Incident {
	t.Helper()
	i, err := s.Get(context.Background(), id)
	require.NoError(t, err)
	return i
}

func register(s breaches.Store) *breaches.Register {
	cal, err := workday.Kazakhstan(workday.WithLocation(almaty))
	if err != nil {
		panic(err)
	}
	return breaches.New(s, breaches.WithCalendar(cal))
}

func testInsertGet(t *testing.T, s breaches.Store) {
	i := incident("brc_a", base, "user-1", "user-2", "user-3")
	mustInsert(t, s, i)
	requireSame(t, i, mustGet(t, s, i.ID))
	none := incident("brc_b", base)
	none.Subjects = nil
	mustInsert(t, s, none)
	got := mustGet(t, s, none.ID)
	assert.Empty(t, got.Subjects)
	_, err := s.Get(context.Background(), "brc_c")
	assert.ErrorIs(t, err, breaches.ErrNotFound)
}

func testTakenID(t *testing.T, s breaches.Store) {
	i := incident("brc_a", base, "user-1")
	mustInsert(t, s, i)
	require.ErrorIs(t, s.Insert(context.Background(), incident("brc_a", day(1), "user-2")), breaches.ErrConflict)
	requireSame(t, i, mustGet(t, s, i.ID))
	got, err := s.BySubject(context.Background(), "user-2")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testInsertInvalid(t *testing.T, s breaches.Store) {
	bad := map[string]func(*breaches.Incident){
		"empty id":          func(i *breaches.Incident) { i.ID = "" },
		"zero detected":     func(i *breaches.Incident) { i.Detected = time.Time{} },
		"unsorted subjects": func(i *breaches.Incident) { i.Subjects = []string{"user-b", "user-a"} },
		"duplicate subject": func(i *breaches.Incident) { i.Subjects = []string{"user-a", "user-a"} },
		"empty subject":     func(i *breaches.Incident) { i.Subjects = []string{""} },
		"due before":        func(i *breaches.Incident) { i.AuthorityDue = i.Detected.Add(-1) },
		"notice no ref":     func(i *breaches.Incident) { i.AuthorityNotified = day(1) },
		"NUL in subject":    func(i *breaches.Incident) { i.Subjects = []string{"user-bad\x00"} },
		"detected past year 9999": func(i *breaches.Incident) {
			i.Detected, i.AuthorityDue, i.SubjectsDue = farFuture, farFuture, farFuture
		},
		"due in year 10000":       func(i *breaches.Incident) { i.SubjectsDue = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"notice past year 9999":   func(i *breaches.Incident) { i.AuthorityNotified, i.AuthorityRef = farFuture, "out://a" },
		"invalid UTF-8 subject":   func(i *breaches.Incident) { i.Subjects = []string{"user-bad\xff"} },
		"NUL in reference":        func(i *breaches.Incident) { i.DescriptionRef = "itsec://\x00" },
		"invalid UTF-8 reference": func(i *breaches.Incident) { i.DescriptionRef = "itsec://\xc3" },
		"NUL in notice reference": func(i *breaches.Incident) { i.AuthorityNotified, i.AuthorityRef = day(1), "out://\x00" },
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			i := incident("brc_bad", base, "user-bad")
			mutate(&i)
			err := s.Insert(context.Background(), i)
			require.ErrorIs(t, err, breaches.ErrInvalid)
			assert.NotContains(t, err.Error(), "user-bad")
			_, err = s.Get(context.Background(), "brc_bad")
			assert.ErrorIs(t, err, breaches.ErrNotFound)
		})
	}
}

func testMarkNotified(t *testing.T, s breaches.Store) {
	ctx := context.Background()
	i := incident("brc_a", base, "user-1")
	mustInsert(t, s, i)
	require.NoError(t, s.MarkNotified(ctx, i.ID, breaches.ToAuthority, day(1).Add(7), "out://authority"))
	err := s.MarkNotified(ctx, i.ID, breaches.ToAuthority, day(2), "out://again")
	require.ErrorIs(t, err, breaches.ErrAlreadyNotified)
	got := mustGet(t, s, i.ID)
	assert.True(t, got.AuthorityNotified.Equal(day(1).Add(7)))
	assert.Equal(t, "out://authority", got.AuthorityRef)
	assert.True(t, got.SubjectsNotified.IsZero())

	require.NoError(t, s.MarkNotified(ctx, i.ID, breaches.ToSubjects, day(3), "out://subjects"))
	require.ErrorIs(t, s.MarkNotified(ctx, i.ID, breaches.ToSubjects, day(3), "x"), breaches.ErrAlreadyNotified)
	assert.ErrorIs(t, s.MarkNotified(ctx, "brc_none", breaches.ToSubjects, day(3), "x"), breaches.ErrNotFound)
	j := incident("brc_b", base, "user-1")
	mustInsert(t, s, j)
	assert.ErrorIs(t, s.MarkNotified(ctx, j.ID, breaches.ToAuthority, day(-1), "x"), breaches.ErrInvalid, "before detection")
	assert.ErrorIs(t, s.MarkNotified(ctx, j.ID, "press", day(1), "x"), breaches.ErrInvalid)
	requireSame(t, j, mustGet(t, s, j.ID))
}

func testPending(t *testing.T, s breaches.Store) {
	ctx := context.Background()
	a := incident("brc_a", base, "user-1")
	b := incident("brc_b", base, "user-2")
	none := incident("brc_n", day(-1)) // no subjects: only the authority is owed
	none.Subjects = nil
	mustInsert(t, s, b, a, none)
	require.NoError(t, s.MarkNotified(ctx, b.ID, breaches.ToAuthority, day(0), "out"))
	pending := func(at time.Time) []breaches.Notice {
		ns, err := s.Pending(ctx, at)
		require.NoError(t, err)
		return ns
	}
	assert.Empty(t, pending(none.AuthorityDue))
	requireSame(t, []breaches.Notice{{Incident: "brc_n", To: breaches.ToAuthority, Due: none.AuthorityDue}}, pending(none.AuthorityDue.Add(1)))
	requireSame(t, []breaches.Notice{
		{Incident: "brc_n", To: breaches.ToAuthority, Due: none.AuthorityDue},
		{Incident: "brc_a", To: breaches.ToAuthority, Due: a.AuthorityDue},
		{Incident: "brc_a", To: breaches.ToSubjects, Due: a.SubjectsDue},
		{Incident: "brc_b", To: breaches.ToSubjects, Due: b.SubjectsDue},
	}, pending(day(100)))
	// Asked past the last year a store keeps, or before the first: the
	// answer of the range's end, on every store.
	assert.Len(t, pending(farFuture), 4, "asked past year 9999")
	assert.Empty(t, pending(time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)), "asked before year 1")
}

func testBySubject(t *testing.T, s breaches.Store) {
	a := incident("brc_a", day(1), "user-1", "user-2")
	b := incident("brc_b", day(0), "user-1")
	c := incident("brc_c", day(0), "user-3")
	mustInsert(t, s, a, b, c)
	got, err := s.BySubject(context.Background(), "user-1")
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "brc_b", got[0].ID)
	assert.Equal(t, "brc_a", got[1].ID)
	assert.Equal(t, []string{"user-1"}, got[1].Subjects, "another subject of the incident shown")
	got, err = s.BySubject(context.Background(), "nobody")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testRegister(t *testing.T, s breaches.Store) {
	ctx := context.Background()
	reg := register(s)
	end := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 23, 59, 59, 999999999, almaty) }
	// Detected on Friday 24 October 2025: Saturday 25 October, Republic
	// Day, moves its day off to Monday 27; 1 working day is Tuesday 28.
	i, err := reg.Record(ctx, base, []string{"user-2", "user-1", "user-2"}, breaches.WithDescriptionRef("itsec://42"))
	require.NoError(t, err)
	assert.Equal(t, end(10, 28), i.AuthorityDue)
	assert.Equal(t, end(10, 28), i.SubjectsDue)
	assert.Equal(t, []string{"user-1", "user-2"}, i.Subjects)
	assert.Regexp(t, `^brc_[A-Z2-7]{26}$`, i.ID)

	late, err := reg.Overdue(ctx, end(10, 28))
	require.NoError(t, err)
	assert.Empty(t, late)
	late, err = reg.Overdue(ctx, end(10, 28).Add(1))
	require.NoError(t, err)
	assert.Len(t, late, 2)

	require.NoError(t, reg.NotifyAuthority(ctx, i.ID, end(10, 27), "out://1"))
	require.ErrorIs(t, reg.NotifyAuthority(ctx, i.ID, end(10, 27), "out://2"), breaches.ErrAlreadyNotified)
	late, err = reg.Overdue(ctx, end(10, 29))
	require.NoError(t, err)
	requireSame(t, []breaches.Notice{{Incident: i.ID, To: breaches.ToSubjects, Due: i.SubjectsDue}}, late)
	require.NoError(t, reg.NotifySubjects(ctx, i.ID, end(10, 29), "out://3"))
	late, err = reg.Overdue(ctx, end(12, 1))
	require.NoError(t, err)
	assert.Empty(t, late)

	custom := breaches.New(s, breaches.WithCalendar(mustCal()), breaches.WithAuthorityDays(0), breaches.WithSubjectsDays(3))
	j, err := custom.Record(ctx, base, []string{"user-9"})
	require.NoError(t, err)
	assert.Equal(t, end(10, 24), j.AuthorityDue)
	assert.Equal(t, end(10, 30), j.SubjectsDue)

	_, err = reg.Record(ctx, time.Date(2027, 3, 1, 0, 0, 0, 0, almaty), nil)
	assert.ErrorIs(t, err, breaches.ErrDeadline)
	_, err = reg.Record(ctx, time.Time{}, nil)
	assert.ErrorIs(t, err, breaches.ErrInvalid)
	_, err = reg.Record(ctx, base, []string{breaches.ErasedPrefix + "x"})
	assert.ErrorIs(t, err, breaches.ErrInvalid)
	assert.ErrorIs(t, reg.NotifySubjects(ctx, j.ID, time.Time{}, "x"), breaches.ErrInvalid)
}

func mustCal() *workday.Calendar {
	cal, err := workday.Kazakhstan(workday.WithLocation(almaty))
	if err != nil {
		panic(err)
	}
	return cal
}

func testRace(t *testing.T, s breaches.Store) {
	ctx := context.Background()
	reg := register(s)
	i, err := reg.Record(ctx, base, []string{"user-1"})
	require.NoError(t, err)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for k := range 12 {
		wg.Go(func() {
			err := reg.NotifyAuthority(ctx, i.ID, day(1), fmt.Sprintf("out://%d", k))
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, breaches.ErrAlreadyNotified):
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}

func testForget(t *testing.T, s breaches.Store) {
	f, ok := s.(breaches.Forgetter)
	if !ok {
		t.Skip("store does not implement breaches.Forgetter")
	}
	ctx := context.Background()
	done := incident("brc_d", base, "user-1", "user-2")
	owed := incident("brc_o", base, "user-3", "user-4")
	mustInsert(t, s, done, owed)
	require.NoError(t, s.MarkNotified(ctx, done.ID, breaches.ToSubjects, day(1), "out://s"))

	n, err := f.Forget(ctx, "user-3")
	require.ErrorIs(t, err, breaches.ErrRetained, "the subject is still owed a notice")
	assert.Zero(t, n)
	assert.NotContains(t, err.Error(), "user-3")
	requireSame(t, owed, mustGet(t, s, owed.ID))

	n, err = f.Forget(ctx, "user-1")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, err := s.BySubject(ctx, "user-1")
	require.NoError(t, err)
	assert.Empty(t, got)
	i := mustGet(t, s, done.ID)
	require.Len(t, i.Subjects, 2, "the number of subjects affected stays")
	assert.NotContains(t, i.Subjects, "user-1")
	assert.Contains(t, i.Subjects, "user-2")
	got, err = s.BySubject(ctx, "user-2")
	require.NoError(t, err)
	assert.Len(t, got, 1)
	n, err = f.Forget(ctx, "user-1")
	require.NoError(t, err)
	assert.Zero(t, n)
}

func testCanceled(t *testing.T, s breaches.Store) {
	mustInsert(t, s, incident("brc_a", base, "user-1"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, s.Insert(ctx, incident("brc_b", base)), context.Canceled)
	_, err := s.Get(ctx, "brc_a")
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, s.MarkNotified(ctx, "brc_a", breaches.ToAuthority, day(1), "x"), context.Canceled)
	_, err = s.Pending(ctx, day(100))
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.BySubject(ctx, "user-1")
	assert.ErrorIs(t, err, context.Canceled)
	if f, ok := s.(breaches.Forgetter); ok {
		_, err = f.Forget(ctx, "user-1")
		assert.ErrorIs(t, err, context.Canceled)
	}
	i := mustGet(t, s, "brc_a")
	assert.True(t, i.AuthorityNotified.IsZero())
}

// testForgetErasedPrefixCase: only the exact [breaches.ErasedPrefix]
// marks an erased subject. A subject that starts with it in another case
// (on record from before Record refused it) is a live subject, and Forget
// erases it as any other; Record refuses every case of the prefix.
func testForgetErasedPrefixCase(t *testing.T, s breaches.Store) {
	f, ok := s.(breaches.Forgetter)
	if !ok {
		t.Skip("store does not implement breaches.Forgetter")
	}
	ctx := context.Background()
	i := incident("brc_case", base, "ERASED:bob", "Erased:Bob")
	mustInsert(t, s, i)
	require.NoError(t, s.MarkNotified(ctx, i.ID, breaches.ToSubjects, day(1), "out://s"))
	for _, who := range []string{"ERASED:bob", "Erased:Bob"} {
		n, err := f.Forget(ctx, who)
		require.NoError(t, err, "subject %q", who)
		assert.Equal(t, 1, n, "subject %q", who)
		assert.NotContains(t, mustGet(t, s, i.ID).Subjects, who)
	}
	reg := register(s)
	for _, who := range []string{"erased:x", "ERASED:x", "Erased:x", "eRaSeD:"} {
		_, err := reg.Record(ctx, base, []string{"user-1", who})
		assert.ErrorIs(t, err, breaches.ErrInvalid, "subject %q", who)
	}
	got, err := s.BySubject(ctx, "user-1")
	require.NoError(t, err)
	assert.Empty(t, got, "a refused incident was written")
}

// unstorable are strings some store cannot hold as they are: PostgreSQL's
// text takes neither a NUL byte nor invalid UTF-8.
var unstorable = []string{"user-bad\x00-42", "user-bad\xff42", "user-bad\xc3"}

// testUnstorableBytes: a subject or reference that some store cannot hold
// is bad input on every store, refused with ErrInvalid before anything is
// written, never a store fault to retry; looking such a subject up or
// erasing it in the store finds nothing, on every store alike.
func testUnstorableBytes(t *testing.T, s breaches.Store) {
	ctx := context.Background()
	reg := register(s)
	i, err := reg.Record(ctx, base, []string{"user-1"})
	require.NoError(t, err)
	for _, b := range unstorable {
		_, err := reg.Record(ctx, base, []string{"user-2", b})
		require.ErrorIs(t, err, breaches.ErrInvalid, "subject %q", b)
		assert.NotErrorIs(t, err, breaches.ErrUnavailable)
		assert.NotContains(t, err.Error(), "user-bad")
		_, err = reg.Record(ctx, base, []string{"user-2"}, breaches.WithDescriptionRef("itsec://"+b))
		require.ErrorIs(t, err, breaches.ErrInvalid, "description reference %q", b)
		assert.NotErrorIs(t, err, breaches.ErrUnavailable)
		err = reg.NotifyAuthority(ctx, i.ID, day(1), "out://"+b)
		require.ErrorIs(t, err, breaches.ErrInvalid, "notice reference %q", b)
		assert.NotErrorIs(t, err, breaches.ErrUnavailable)
		got, err := s.BySubject(ctx, b)
		require.NoError(t, err, "by subject %q: nothing is on record, not a fault", b)
		assert.Empty(t, got)
		if f, ok := s.(breaches.Forgetter); ok {
			n, err := f.Forget(ctx, b)
			require.NoError(t, err, "forget %q: nothing is on record, not a fault", b)
			assert.Zero(t, n)
		}
		_, err = s.Get(ctx, "brc_"+b)
		assert.ErrorIs(t, err, breaches.ErrNotFound, "get %q", b)
		// Such a subject may be on record from before stores refused
		// it: erasing it is never refused, and here finds nothing.
		n, err := reg.Forget(ctx, b)
		require.NoError(t, err, "forget %q", b)
		assert.Zero(t, n)
	}
	got, err := s.BySubject(ctx, "user-2")
	require.NoError(t, err)
	assert.Empty(t, got, "a refused incident was written")
	assert.True(t, mustGet(t, s, i.ID).AuthorityNotified.IsZero())
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
func testEdgeYears(t *testing.T, s breaches.Store) {
	for k, at := range edges {
		i := incident(fmt.Sprintf("brc_edge%d", k), at, "user-1")
		i.AuthorityDue, i.SubjectsDue = at, at
		mustInsert(t, s, i)
		requireSame(t, i, mustGet(t, s, i.ID))
	}
}
