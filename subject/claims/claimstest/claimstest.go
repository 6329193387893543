package claimstest

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

	"github.com/yasam/privacy/subject/claims"
)

// Run runs the conformance suite against the stores newStore returns, one
// subtest per property. newStore is called once per subtest and must return
// a new, empty store; it may register its own cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) claims.Store) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStore(t))
		})
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, s claims.Store)
}{
	{"InsertThenGet", testInsertGet},
	{"RoundTripEveryStatus", testRoundTrip},
	{"RoundTripFirstAndLastYear", testEdgeYears},
	{"InsertTakenID", testTakenID},
	{"InsertInvalidWritesNothing", testInsertInvalid},
	{"GetUnknown", testGetUnknown},
	{"UpdateIfStatusUnchanged", testUpdateCAS},
	{"UpdateKeepsFiledFields", testUpdateKeepsFiled},
	{"UpdateInvalidWritesNothing", testUpdateInvalid},
	{"BySubject", testBySubject},
	{"Pending", testPending},
	{"RegistryLifecycle", testLifecycle},
	{"RegistryTransitions", testTransitions},
	{"RegistryLateAnswer", testLateAnswer},
	{"ConcurrentFileAndAnswer", testConcurrent},
	{"ConcurrentAnswersOneWins", testRace},
	{"ContextCanceled", testCanceled},
	{"Forget", testForget},
	{"ForgetTakesErasedPrefixExactly", testForgetErasedPrefixCase},
	{"RegistryRefusesBytesNoStoreHolds", testUnstorableBytes},
}

// almaty is fixed so the suite does not depend on the system's tzdata.
var almaty = time.FixedZone("UTC+5", 5*60*60)

// base carries nanoseconds, which every store must keep.
var base = time.Date(2024, 6, 1, 10, 30, 0, 123456789, almaty)

func day(n int) time.Time { return base.AddDate(0, 0, n) }

// timeEqual compares times as instants: a store may hand back UTC.
var timeEqual = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func requireSame(t *testing.T, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got, timeEqual); diff != "" {
		t.Fatalf("mismatch (-want +got):\n%s", diff)
	}
}

// claim returns a valid, received claim.
func claim(id, subject string, received time.Time) claims.Claim {
	return claims.Claim{
		ID:       id,
		Subject:  subject,
		Received: received,
		Due:      claims.DueDate(received, almaty),
		Channel:  claims.ChannelEmail,
		Topic:    claims.TopicDisclosure,
		TextRef:  "edo://in/" + id,
		Status:   claims.StatusReceived,
	}
}

func mustInsert(t *testing.T, s claims.Store, cs ...claims.Claim) {
	t.Helper()
	for _, c := range cs {
		require.NoError(t, s.Insert(context.Background(), c))
	}
}

func mustGet(t *testing.T, s claims.Store, id string) claims.Claim {
	t.Helper()
	c, err := s.Get(context.Background(), id)
	require.NoError(t, err)
	return c
}

func ids(cs []claims.Claim) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func testInsertGet(t *testing.T, s claims.Store) {
	c := claim("clm_a", "user-1", base)
	mustInsert(t, s, c)
	requireSame(t, c, mustGet(t, s, c.ID))
}

func testRoundTrip(t *testing.T, s claims.Store) {
	received := claim("clm_r", "user-1", base)
	received.TextRef = ""
	received.Channel, received.Topic = claims.ChannelPaper, claims.TopicMisuse
	answered := claim("clm_an", "user-1", base)
	answered.Status, answered.Answered, answered.AnswerRef = claims.StatusAnswered, day(40).Add(7), "edo://out/1"
	withdrawn := claim("clm_w", "user-2", base)
	withdrawn.Status, withdrawn.Withdrawn = claims.StatusWithdrawn, day(3).In(time.UTC)
	escalated := claim("clm_e", "user-2", base)
	escalated.Status, escalated.Answered, escalated.AnswerRef = claims.StatusEscalated, day(10), "edo://out/2"
	escalated.Escalated = day(60).Add(999)
	escalated.Topic, escalated.Channel = claims.TopicAccess, claims.ChannelApp
	unanswered := claim("clm_u", "user-2", base.Add(-1))
	unanswered.Status, unanswered.Escalated = claims.StatusEscalated, day(31)
	for _, c := range []claims.Claim{received, answered, withdrawn, escalated, unanswered} {
		mustInsert(t, s, c)
		requireSame(t, c, mustGet(t, s, c.ID))
	}
}

func testTakenID(t *testing.T, s claims.Store) {
	first := claim("clm_x", "user-1", base)
	mustInsert(t, s, first)
	err := s.Insert(context.Background(), claim("clm_x", "user-2", day(1)))
	require.Error(t, err)
	assert.ErrorIs(t, err, claims.ErrConflict)
	requireSame(t, first, mustGet(t, s, "clm_x"))
	got, err := s.BySubject(context.Background(), "user-2")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testInsertInvalid(t *testing.T, s claims.Store) {
	bad := map[string]func(*claims.Claim){
		"empty id":         func(c *claims.Claim) { c.ID = "" },
		"empty subject":    func(c *claims.Claim) { c.Subject = "" },
		"zero received":    func(c *claims.Claim) { c.Received = time.Time{} },
		"due before":       func(c *claims.Claim) { c.Due = c.Received.Add(-time.Second) },
		"unknown status":   func(c *claims.Claim) { c.Status = "lost" },
		"unknown topic":    func(c *claims.Claim) { c.Topic = "gossip" },
		"unknown channel":  func(c *claims.Claim) { c.Channel = "pigeon" },
		"answered no time": func(c *claims.Claim) { c.Status, c.AnswerRef = claims.StatusAnswered, "ref" },
		"answer no ref":    func(c *claims.Claim) { c.Status, c.Answered = claims.StatusAnswered, day(1) },
		"answer too early": func(c *claims.Claim) {
			c.Status, c.Answered, c.AnswerRef = claims.StatusAnswered, day(-1), "ref"
		},
		"NUL in subject":         func(c *claims.Claim) { c.Subject = "user-bad\x00" },
		"receipt past year 9999": func(c *claims.Claim) { c.Received, c.Due = farFuture, farFuture.Add(time.Hour) },
		"due in year 10000":      func(c *claims.Claim) { c.Due = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"receipt before year 1": func(c *claims.Claim) {
			c.Received = time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)
		},
		"answer past year 9999": func(c *claims.Claim) {
			c.Status, c.Answered, c.AnswerRef = claims.StatusAnswered, farFuture, "ref"
		},
		"invalid UTF-8 subject":   func(c *claims.Claim) { c.Subject = "user-bad\xff" },
		"NUL in text reference":   func(c *claims.Claim) { c.TextRef = "edo://\x00" },
		"invalid UTF-8 reference": func(c *claims.Claim) { c.TextRef = "edo://\xc3" },
		"NUL in answer reference": func(c *claims.Claim) {
			c.Status, c.Answered, c.AnswerRef = claims.StatusAnswered, day(1), "edo://\x00"
		},
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			c := claim("clm_bad", "user-bad", base)
			mutate(&c)
			err := s.Insert(context.Background(), c)
			require.Error(t, err)
			assert.ErrorIs(t, err, claims.ErrInvalid)
			assert.NotContains(t, err.Error(), "user-bad", "subject in an error message")
			_, err = s.Get(context.Background(), c.ID)
			assert.ErrorIs(t, err, claims.ErrNotFound)
			got, err := s.BySubject(context.Background(), "user-bad")
			require.NoError(t, err)
			assert.Empty(t, got)
		})
	}
}

func testGetUnknown(t *testing.T, s claims.Store) {
	mustInsert(t, s, claim("clm_a", "user-1", base))
	for _, id := range []string{"clm_b", "", "clm_A"} {
		_, err := s.Get(context.Background(), id)
		require.Error(t, err, id)
		assert.ErrorIs(t, err, claims.ErrNotFound, id)
	}
}

func testUpdateCAS(t *testing.T, s claims.Store) {
	ctx := context.Background()
	c := claim("clm_a", "user-1", base)
	mustInsert(t, s, c)

	answered := c
	answered.Status, answered.Answered, answered.AnswerRef = claims.StatusAnswered, day(2), "edo://out/a"
	require.NoError(t, s.Update(ctx, answered, claims.StatusReceived))
	requireSame(t, answered, mustGet(t, s, c.ID))

	// A change read before the answer must not overwrite it.
	withdrawn := c
	withdrawn.Status, withdrawn.Withdrawn = claims.StatusWithdrawn, day(3)
	err := s.Update(ctx, withdrawn, claims.StatusReceived)
	require.Error(t, err)
	assert.ErrorIs(t, err, claims.ErrConflict)
	requireSame(t, answered, mustGet(t, s, c.ID))

	escalated := answered
	escalated.Status, escalated.Escalated = claims.StatusEscalated, day(50)
	require.NoError(t, s.Update(ctx, escalated, claims.StatusAnswered))
	requireSame(t, escalated, mustGet(t, s, c.ID))

	ghost := claim("clm_ghost", "user-1", base)
	err = s.Update(ctx, ghost, claims.StatusReceived)
	require.Error(t, err)
	assert.ErrorIs(t, err, claims.ErrNotFound)
}

func testUpdateKeepsFiled(t *testing.T, s claims.Store) {
	c := claim("clm_a", "user-1", base)
	mustInsert(t, s, c)
	u := c
	u.Subject, u.Received, u.Due = "user-2", day(5), day(40)
	u.Topic, u.Channel, u.TextRef = claims.TopicOther, claims.ChannelOther, "elsewhere"
	u.Status, u.Withdrawn = claims.StatusWithdrawn, day(6)
	require.NoError(t, s.Update(context.Background(), u, claims.StatusReceived))

	want := c
	want.Status, want.Withdrawn = claims.StatusWithdrawn, day(6)
	requireSame(t, want, mustGet(t, s, c.ID))
	got, err := s.BySubject(context.Background(), "user-2")
	require.NoError(t, err)
	assert.Empty(t, got, "Update moved a claim to another subject")
}

func testUpdateInvalid(t *testing.T, s claims.Store) {
	c := claim("clm_a", "user-1", base)
	mustInsert(t, s, c)
	bad := c
	bad.Status = claims.StatusAnswered // no answer time or reference
	err := s.Update(context.Background(), bad, claims.StatusReceived)
	require.Error(t, err)
	assert.ErrorIs(t, err, claims.ErrInvalid)

	bad = c
	bad.Status, bad.Withdrawn = claims.StatusWithdrawn, day(-2) // before receipt
	err = s.Update(context.Background(), bad, claims.StatusReceived)
	require.Error(t, err)
	assert.ErrorIs(t, err, claims.ErrInvalid)
	requireSame(t, c, mustGet(t, s, c.ID))
}

func testBySubject(t *testing.T, s claims.Store) {
	ctx := context.Background()
	a := claim("clm_c", "user-1", day(2))
	b := claim("clm_b", "user-1", day(0))
	tie := claim("clm_a", "user-1", day(2))
	other := claim("clm_d", "user-2", day(1))
	mustInsert(t, s, a, b, other, tie)

	got, err := s.BySubject(ctx, "user-1")
	require.NoError(t, err)
	requireSame(t, []claims.Claim{b, tie, a}, got)

	got, err = s.BySubject(ctx, "user-2")
	require.NoError(t, err)
	requireSame(t, []claims.Claim{other}, got)

	got, err = s.BySubject(ctx, "nobody")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testPending(t *testing.T, s claims.Store) {
	ctx := context.Background()
	early := claim("clm_e", "user-1", day(0))
	late := claim("clm_l", "user-2", day(10))
	tieA := claim("clm_ta", "user-3", day(5))
	tieB := claim("clm_tb", "user-1", day(5).Add(time.Hour)) // same due day
	answered := claim("clm_an", "user-1", day(0))
	answered.Status, answered.Answered, answered.AnswerRef = claims.StatusAnswered, day(1), "r"
	withdrawn := claim("clm_w", "user-1", day(0))
	withdrawn.Status, withdrawn.Withdrawn = claims.StatusWithdrawn, day(1)
	escalated := claim("clm_es", "user-1", day(0))
	escalated.Status, escalated.Escalated = claims.StatusEscalated, day(40)
	mustInsert(t, s, late, tieB, early, answered, withdrawn, escalated, tieA)
	require.True(t, tieA.Due.Equal(tieB.Due))

	pending := func(at time.Time) []string {
		t.Helper()
		cs, err := s.Pending(ctx, at)
		require.NoError(t, err)
		return ids(cs)
	}
	assert.Empty(t, pending(base))
	assert.Empty(t, pending(early.Due), "due exactly at t is not before t")
	assert.Equal(t, []string{"clm_e"}, pending(early.Due.Add(time.Nanosecond)))
	assert.Equal(t, []string{"clm_e", "clm_ta", "clm_tb"}, pending(tieA.Due.Add(time.Nanosecond)))
	assert.Equal(t, []string{"clm_e", "clm_ta", "clm_tb", "clm_l"}, pending(day(1000)))
	// Asked past the last year a store keeps, or before the first: the
	// answer of the range's end, on every store.
	assert.Equal(t, []string{"clm_e", "clm_ta", "clm_tb", "clm_l"}, pending(farFuture), "asked past year 9999")
	assert.Empty(t, pending(time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)), "asked before year 1")

	cs, err := s.Pending(ctx, day(1000))
	require.NoError(t, err)
	requireSame(t, []claims.Claim{early, tieA, tieB, late}, cs)
}

func testLifecycle(t *testing.T, s claims.Store) {
	ctx := context.Background()
	reg := claims.New(s, claims.WithLocation(almaty))
	received := time.Date(2024, 1, 31, 23, 30, 0, 0, time.UTC) // 1 February in Almaty
	c, err := reg.File(ctx, "user-1", received,
		claims.WithChannel(claims.ChannelPaper),
		claims.WithTopic(claims.TopicConsent),
		claims.WithTextRef("edo://in/7"))
	require.NoError(t, err)
	assert.Regexp(t, `^clm_[A-Z2-7]{26}$`, c.ID)
	assert.Equal(t, claims.StatusReceived, c.Status)
	assert.Equal(t, time.Date(2024, 3, 2, 23, 59, 59, 999999999, almaty), c.Due)
	assert.Equal(t, almaty, c.Received.Location(), "registry hands times back in its location")
	requireSame(t, c, mustGet(t, s, c.ID))

	got, err := reg.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, got)

	d, err := reg.File(ctx, "user-1", received.Add(time.Hour)) // defaults
	require.NoError(t, err)
	assert.Equal(t, claims.ChannelOther, d.Channel)
	assert.Equal(t, claims.TopicOther, d.Topic)

	list, err := reg.BySubject(ctx, "user-1")
	require.NoError(t, err)
	assert.Equal(t, []string{c.ID, d.ID}, ids(list))

	overdue, err := reg.Overdue(ctx, c.Due)
	require.NoError(t, err)
	assert.Empty(t, overdue, "not overdue at the last instant of the due day")
	overdue, err = reg.Overdue(ctx, c.Due.Add(time.Nanosecond))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{c.ID, d.ID}, ids(overdue), "same due moment: order by ID")
	assert.Less(t, overdue[0].ID, overdue[1].ID)
	assert.True(t, overdue[0].Overdue(c.Due.Add(time.Nanosecond)))

	soon, err := reg.DueBefore(ctx, c.Due.AddDate(0, 0, -6))
	require.NoError(t, err)
	assert.Empty(t, soon)
	soon, err = reg.DueBefore(ctx, c.Due.AddDate(0, 0, 1))
	require.NoError(t, err)
	assert.Len(t, soon, 2)

	require.NoError(t, reg.Answer(ctx, c.ID, received.AddDate(0, 0, 20), "edo://out/3"))
	c, err = reg.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, claims.StatusAnswered, c.Status)
	assert.Equal(t, "edo://out/3", c.AnswerRef)
	assert.False(t, c.AnsweredLate())
	assert.False(t, c.Overdue(c.Due.AddDate(1, 0, 0)))

	require.NoError(t, reg.Withdraw(ctx, d.ID, received.AddDate(0, 0, 2)))
	overdue, err = reg.Overdue(ctx, received.AddDate(1, 0, 0))
	require.NoError(t, err)
	assert.Empty(t, overdue, "answered and withdrawn claims are not overdue")

	require.NoError(t, reg.Escalate(ctx, c.ID, received.AddDate(0, 2, 0)))
	c, err = reg.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, claims.StatusEscalated, c.Status)
	assert.False(t, c.Answered.IsZero(), "escalation keeps the answer on record")

	_, err = reg.Get(ctx, "clm_nope")
	assert.ErrorIs(t, err, claims.ErrNotFound)
	assert.ErrorIs(t, reg.Answer(ctx, "clm_nope", received, "r"), claims.ErrNotFound)
}

func testTransitions(t *testing.T, s claims.Store) {
	ctx := context.Background()
	reg := claims.New(s, claims.WithLocation(almaty))
	at := day(1)
	answer := func(id string) error { return reg.Answer(ctx, id, at, "edo://out") }
	withdraw := func(id string) error { return reg.Withdraw(ctx, id, at) }
	escalate := func(id string) error { return reg.Escalate(ctx, id, at) }
	steps := map[claims.Status]func(string) error{
		claims.StatusAnswered:  answer,
		claims.StatusWithdrawn: withdraw,
		claims.StatusEscalated: escalate,
	}
	// Reach each status, then try every change from it.
	for _, from := range claims.Statuses() {
		for to, step := range steps {
			t.Run(fmt.Sprintf("%s_to_%s", from, to), func(t *testing.T) {
				c, err := reg.File(ctx, "user-1", base)
				require.NoError(t, err)
				if from != claims.StatusReceived {
					require.NoError(t, steps[from](c.ID))
				}
				err = step(c.ID)
				if from.CanBecome(to) {
					require.NoError(t, err)
					got, err := reg.Get(ctx, c.ID)
					require.NoError(t, err)
					assert.Equal(t, to, got.Status)
					return
				}
				require.Error(t, err)
				assert.ErrorIs(t, err, claims.ErrInvalidTransition)
				var te *claims.TransitionError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, from, te.From)
				assert.Equal(t, to, te.To)
				assert.Equal(t, from == claims.StatusAnswered && to == claims.StatusAnswered,
					errors.Is(err, claims.ErrAnswered))
				got, err := reg.Get(ctx, c.ID)
				require.NoError(t, err)
				assert.Equal(t, from, got.Status, "a refused change changed the status")
			})
		}
	}

	c, err := reg.File(ctx, "user-1", base)
	require.NoError(t, err)
	assert.ErrorIs(t, reg.Answer(ctx, c.ID, at, ""), claims.ErrInvalid, "an answer is in writing: a reference is required")
	assert.ErrorIs(t, reg.Answer(ctx, c.ID, base.Add(-time.Second), "r"), claims.ErrInvalid, "answer before receipt")
	assert.ErrorIs(t, reg.Withdraw(ctx, c.ID, time.Time{}), claims.ErrInvalid)
	got, err := reg.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, claims.StatusReceived, got.Status)

	_, err = reg.File(ctx, "", base)
	assert.ErrorIs(t, err, claims.ErrInvalid)
	_, err = reg.File(ctx, "user-1", time.Time{})
	assert.ErrorIs(t, err, claims.ErrInvalid)
	_, err = reg.File(ctx, "user-1", base, claims.WithTopic("gossip"))
	assert.ErrorIs(t, err, claims.ErrInvalid)
}

func testLateAnswer(t *testing.T, s claims.Store) {
	ctx := context.Background()
	reg := claims.New(s, claims.WithLocation(almaty))
	c, err := reg.File(ctx, "user-1", base)
	require.NoError(t, err)
	late := c.Due.Add(time.Hour)
	require.NoError(t, reg.Answer(ctx, c.ID, late, "edo://out/late"), "a late answer is still recorded")
	got, err := reg.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.True(t, got.AnsweredLate())
	assert.True(t, got.Answered.Equal(late))
	assert.False(t, got.Overdue(late.Add(time.Hour)))

	err = reg.Answer(ctx, c.ID, late.Add(time.Hour), "edo://out/again")
	assert.ErrorIs(t, err, claims.ErrAnswered)
	assert.ErrorIs(t, err, claims.ErrInvalidTransition)
}

// testConcurrent files and answers claims from many goroutines while
// others read, and checks that every claim ends up as its goroutine left
// it.
func testConcurrent(t *testing.T, s claims.Store) {
	const (
		goroutines = 16
		perG       = 20
		subjects   = 4
	)
	ctx := context.Background()
	reg := claims.New(s, claims.WithLocation(almaty))
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*perG)
	filed := make([][]claims.Claim, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			subj := fmt.Sprintf("user-%d", g%subjects)
			for i := range perG {
				c, err := reg.File(ctx, subj, base.Add(time.Duration(g*perG+i)*time.Minute))
				if err != nil {
					errs <- err
					return
				}
				if i%2 == 0 {
					if err := reg.Answer(ctx, c.ID, c.Received.Add(time.Hour), "ref"); err != nil {
						errs <- err
						return
					}
				}
				if i%5 == 0 {
					if _, err := reg.BySubject(ctx, subj); err != nil {
						errs <- err
						return
					}
					if _, err := reg.DueBefore(ctx, day(100)); err != nil {
						errs <- err
						return
					}
				}
				filed[g] = append(filed[g], c)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	total := 0
	for s := range subjects {
		cs, err := reg.BySubject(ctx, fmt.Sprintf("user-%d", s))
		require.NoError(t, err)
		total += len(cs)
	}
	assert.Equal(t, goroutines*perG, total)
	for g := range goroutines {
		for i, c := range filed[g] {
			got, err := reg.Get(ctx, c.ID)
			require.NoError(t, err)
			if i%2 == 0 {
				assert.Equal(t, claims.StatusAnswered, got.Status)
			} else {
				assert.Equal(t, claims.StatusReceived, got.Status)
			}
		}
	}
	pending, err := reg.DueBefore(ctx, day(1000))
	require.NoError(t, err)
	assert.Len(t, pending, goroutines*perG/2)
}

// testRace answers and withdraws one claim from many goroutines at once:
// exactly one change wins, the others see it.
func testRace(t *testing.T, s claims.Store) {
	const racers = 12
	ctx := context.Background()
	reg := claims.New(s, claims.WithLocation(almaty))
	for round := range 5 {
		c, err := reg.File(ctx, "user-1", base)
		require.NoError(t, err)
		var wins, answeredErrs, otherErrs atomic.Int32
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				var err error
				if i%3 == 2 {
					err = reg.Withdraw(ctx, c.ID, day(1))
				} else {
					err = reg.Answer(ctx, c.ID, day(1), fmt.Sprintf("ref-%d", i))
				}
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, claims.ErrInvalidTransition):
					if errors.Is(err, claims.ErrAnswered) {
						answeredErrs.Add(1)
					}
				default:
					otherErrs.Add(1)
					t.Errorf("round %d: unexpected error: %v", round, err)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load(), "round %d: changes that succeeded", round)
		assert.Zero(t, otherErrs.Load())
		got, err := reg.Get(ctx, c.ID)
		require.NoError(t, err)
		assert.Contains(t, []claims.Status{claims.StatusAnswered, claims.StatusWithdrawn}, got.Status)
	}
}

func testCanceled(t *testing.T, s claims.Store) {
	mustInsert(t, s, claim("clm_a", "user-1", base))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := claim("clm_b", "user-1", base)
	assert.ErrorIs(t, s.Insert(ctx, c), context.Canceled)
	_, err := s.Get(ctx, "clm_a")
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.BySubject(ctx, "user-1")
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Pending(ctx, day(100))
	assert.ErrorIs(t, err, context.Canceled)
	w := claim("clm_a", "user-1", base)
	w.Status, w.Withdrawn = claims.StatusWithdrawn, day(1)
	assert.ErrorIs(t, s.Update(ctx, w, claims.StatusReceived), context.Canceled)
	_, err = s.Get(context.Background(), "clm_b")
	assert.ErrorIs(t, err, claims.ErrNotFound)
}

// testForget erases one subject's settled claims and checks that nothing
// of them can be found by the subject, that the evidence of the deadlines
// stays, that other subjects are untouched, and that a claim awaiting its
// answer blocks erasure.
func testForget(t *testing.T, s claims.Store) {
	f, ok := s.(claims.Forgetter)
	if !ok {
		t.Skip("store does not implement claims.Forgetter")
	}
	ctx := context.Background()
	answered := claim("clm_an", "user-1", base)
	answered.Status, answered.Answered, answered.AnswerRef = claims.StatusAnswered, day(3), "edo://out/user-1"
	withdrawn := claim("clm_w", "user-1", day(1))
	withdrawn.Status, withdrawn.Withdrawn = claims.StatusWithdrawn, day(2)
	pending := claim("clm_p", "user-2", base)
	mustInsert(t, s, answered, withdrawn, pending)

	n, err := f.Forget(ctx, "user-2")
	require.ErrorIs(t, err, claims.ErrRetained)
	assert.Zero(t, n)
	assert.NotContains(t, err.Error(), "user-2")
	requireSame(t, pending, mustGet(t, s, pending.ID))

	n, err = f.Forget(ctx, "user-1")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	got, err := s.BySubject(ctx, "user-1")
	require.NoError(t, err)
	assert.Empty(t, got)
	subjects := map[string]bool{}
	for _, c := range []claims.Claim{answered, withdrawn} {
		e := mustGet(t, s, c.ID)
		assert.True(t, e.Erased(), "subject %q", e.Subject)
		assert.NotContains(t, e.Subject, "user-1")
		assert.Empty(t, e.TextRef)
		assert.Equal(t, c.Status, e.Status)
		assert.True(t, e.Received.Equal(c.Received))
		assert.True(t, e.Due.Equal(c.Due))
		assert.True(t, e.Answered.Equal(c.Answered))
		if c.AnswerRef != "" {
			assert.Equal(t, claims.ErasedRef, e.AnswerRef)
		}
		subjects[e.Subject] = true
	}
	assert.Len(t, subjects, 2, "erased claims of one subject share a tombstone")
	requireSame(t, pending, mustGet(t, s, pending.ID))

	n, err = f.Forget(ctx, "user-1")
	require.NoError(t, err)
	assert.Zero(t, n, "forgetting twice")

	// An erased claim still takes the changes its status allows.
	esc := mustGet(t, s, answered.ID)
	esc.Status, esc.Escalated = claims.StatusEscalated, day(40)
	require.NoError(t, s.Update(ctx, esc, claims.StatusAnswered))

	// Through the registry: the answer unblocks erasure.
	reg := claims.New(s, claims.WithLocation(almaty))
	_, err = reg.Forget(ctx, "user-2")
	require.ErrorIs(t, err, claims.ErrRetained)
	require.NoError(t, reg.Answer(ctx, pending.ID, day(5), "edo://out/p"))
	n, err = reg.Forget(ctx, "user-2")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = reg.File(ctx, claims.ErasedPrefix+"x", base)
	assert.ErrorIs(t, err, claims.ErrInvalid)

	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	_, err = f.Forget(ctx2, "user-3")
	assert.ErrorIs(t, err, context.Canceled)
}

// testForgetErasedPrefixCase: only the exact [claims.ErasedPrefix] marks
// an erased claim. A subject that starts with it in another case (on
// record from before File refused it) is a live subject, and Forget erases
// it as any other; File refuses every case of the prefix.
func testForgetErasedPrefixCase(t *testing.T, s claims.Store) {
	f, ok := s.(claims.Forgetter)
	if !ok {
		t.Skip("store does not implement claims.Forgetter")
	}
	ctx := context.Background()
	for i, who := range []string{"ERASED:bob", "Erased:Bob"} {
		c := claim(fmt.Sprintf("clm_case%d", i), who, base)
		c.Status, c.Answered, c.AnswerRef = claims.StatusAnswered, day(3), "edo://out/1"
		mustInsert(t, s, c)
		n, err := f.Forget(ctx, who)
		require.NoError(t, err, "subject %q", who)
		assert.Equal(t, 1, n, "subject %q", who)
		assert.True(t, mustGet(t, s, c.ID).Erased())
	}
	reg := claims.New(s, claims.WithLocation(almaty))
	for _, who := range []string{"erased:x", "ERASED:x", "Erased:x", "eRaSeD:"} {
		_, err := reg.File(ctx, who, base)
		assert.ErrorIs(t, err, claims.ErrInvalid, "subject %q", who)
	}
	got, err := s.BySubject(ctx, "ERASED:x")
	require.NoError(t, err)
	assert.Empty(t, got, "a refused claim was written")
}

// unstorable are strings some store cannot hold as they are: PostgreSQL's
// text takes neither a NUL byte nor invalid UTF-8.
var unstorable = []string{"user-bad\x00-42", "user-bad\xff42", "user-bad\xc3"}

// testUnstorableBytes: a subject or reference that some store cannot hold
// is bad input on every store, refused with ErrInvalid before anything is
// written, never a store fault to retry; looking such a subject up or
// erasing it finds nothing, on every store alike.
func testUnstorableBytes(t *testing.T, s claims.Store) {
	ctx := context.Background()
	reg := claims.New(s, claims.WithLocation(almaty))
	c, err := reg.File(ctx, "user-1", base)
	require.NoError(t, err)
	for _, b := range unstorable {
		_, err := reg.File(ctx, b, base)
		require.ErrorIs(t, err, claims.ErrInvalid, "subject %q", b)
		assert.NotErrorIs(t, err, claims.ErrUnavailable)
		assert.NotContains(t, err.Error(), "user-bad")
		_, err = reg.File(ctx, "user-2", base, claims.WithTextRef("edo://"+b))
		require.ErrorIs(t, err, claims.ErrInvalid, "text reference %q", b)
		assert.NotErrorIs(t, err, claims.ErrUnavailable)
		err = reg.Answer(ctx, c.ID, day(1), "edo://"+b)
		require.ErrorIs(t, err, claims.ErrInvalid, "answer reference %q", b)
		assert.NotErrorIs(t, err, claims.ErrUnavailable)
		got, err := s.BySubject(ctx, b)
		require.NoError(t, err, "by subject %q: nothing is on record, not a fault", b)
		assert.Empty(t, got)
		if f, ok := s.(claims.Forgetter); ok {
			n, err := f.Forget(ctx, b)
			require.NoError(t, err, "forget %q: nothing is on record, not a fault", b)
			assert.Zero(t, n)
		}
		_, err = s.Get(ctx, "clm_"+b)
		assert.ErrorIs(t, err, claims.ErrNotFound, "get %q", b)
		// Such a subject may be on record from before stores refused
		// it: erasing it is never refused, and here finds nothing.
		n, err := reg.Forget(ctx, b)
		require.NoError(t, err, "forget %q", b)
		assert.Zero(t, n)
	}
	got, err := s.BySubject(ctx, "user-2")
	require.NoError(t, err)
	assert.Empty(t, got, "a refused claim was written")
	assert.Equal(t, claims.StatusReceived, mustGet(t, s, c.ID).Status)
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
func testEdgeYears(t *testing.T, s claims.Store) {
	for k, at := range edges {
		c := claim(fmt.Sprintf("clm_edge%d", k), "user-1", at)
		c.Due = at
		mustInsert(t, s, c)
		requireSame(t, c, mustGet(t, s, c.ID))
	}
}
