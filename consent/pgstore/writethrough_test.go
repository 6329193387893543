package pgstore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/purpose"
)

// seenToken waits until s's listener has applied the notifications of
// the transaction tok names.
func seenToken(t *testing.T, s *Store, tok consent.Token) {
	t.Helper()
	i := strings.LastIndexByte(string(tok), '.')
	xid, err := strconv.ParseUint(string(tok)[i+1:], 10, 64)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.seen.has(xid) }, 5*time.Second, time.Millisecond)
}

// fresh folds user's history as the database has it.
func fresh(t *testing.T, s *Store, user string) consent.State {
	t.Helper()
	events, err := s.History(t.Context(), user)
	require.NoError(t, err)
	return consent.Fold(user, events)
}

func sameState(t *testing.T, want, got consent.State, msg string) {
	t.Helper()
	opts := cmp.Options{cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}
	assert.Equal(t, want.Events(), got.Events(), msg+": event count")
	assert.Empty(t, cmp.Diff(want.Acceptance(), got.Acceptance(), opts...), msg+": acceptance")
	assert.Empty(t, cmp.Diff(want.Grants(), got.Grants(), opts...), msg+": grants")
}

// TestWriteThrough shows that an instance's own append brings its cached
// state forward instead of dropping it (the next State is a cache hit and
// sees the append), that its own notification, arriving later, does not
// drop it, that a repeat of an event on record drops it rather than count
// the event twice, and that another instance still drops its copy.
func TestWriteThrough(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema)
	b := open(t, schema)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	user := "user-wt"
	grant := consent.Grant(user, purpose.Payments, "bank", at, consent.WithID("wt-g"))
	tok, err := a.AppendToken(ctx, consent.AcceptPolicy(user, "v1", at, consent.WithID("wt-a")), grant)
	require.NoError(t, err)
	seenToken(t, a, tok)
	seenToken(t, b, tok)
	for _, s := range []*Store{a, b} {
		st, err := s.State(ctx, user)
		require.NoError(t, err)
		require.True(t, st.Granted(purpose.Payments, "bank", at.Add(time.Second)))
		require.Equal(t, 1, s.cache.Len())
	}

	tok, err = a.AppendToken(ctx, consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Minute), consent.WithID("wt-w")))
	require.NoError(t, err)
	hits := a.Stats().CacheHits
	st, err := a.State(ctx, user)
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), "own withdrawal not seen")
	assert.Equal(t, hits+1, a.Stats().CacheHits, "own append dropped the cached state instead of updating it")
	sameState(t, fresh(t, a, user), st, "written-through state")

	seenToken(t, a, tok)
	assert.Equal(t, 1, a.cache.Len(), "own notification dropped the written-through state")
	seenToken(t, b, tok)
	// The other instance dropped its copy; it may have read it again
	// since (a background refresh), never kept the old one.
	if cached, ok := b.cache.Get(user); ok {
		assert.False(t, cached.Granted(purpose.Payments, "bank", at.Add(time.Hour)), "the other instance kept its copy")
		sameState(t, fresh(t, a, user), cached, "the other instance's refreshed copy")
	}
	st, err = b.State(ctx, user)
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)))

	// A repeat of an event on record: the state must not count it twice.
	tok, err = a.AppendToken(ctx, grant)
	require.NoError(t, err)
	st, err = a.State(ctx, user)
	require.NoError(t, err)
	sameState(t, fresh(t, a, user), st, "after a repeat")
	seenToken(t, a, tok)
	st, err = a.State(ctx, user)
	require.NoError(t, err)
	sameState(t, fresh(t, a, user), st, "after a repeat, notified")

	// An event dated at the instant of one the state holds: folding
	// depends on order, so write-through does not bring the state
	// forward; a delta refresh does, which reads the user whole on
	// finding a row of an instant the state holds.
	require.Equal(t, 1, a.cache.Len())
	whole := a.Stats().DeltaWhole
	require.NoError(t, a.Append(ctx, consent.WithdrawAcceptance(user, at.Add(time.Minute), consent.WithID("wt-wa"))))
	st, err = a.State(ctx, user)
	require.NoError(t, err)
	assert.Equal(t, whole+1, a.Stats().DeltaWhole, "a state with an event of the same instant was brought forward")
	sameState(t, fresh(t, a, user), st, "same instant")
}

// TestWriteThroughOntoReplacedState: when the cached state was replaced
// while a commit was under way (a refresh or a read landed, which may or
// may not have seen the commit), its snapshot tells: a replacement that
// saw the commit stays as it is, one that did not takes the commit's
// events, as the state it replaced would have. Neither is dropped for a
// whole read of the user's history on the next Check.
func TestWriteThroughOntoReplacedState(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	user := "user-wr"
	var replace, postCommit func()
	a := open(t, schema, withPreCommit(func() {
		if replace != nil {
			replace()
		}
	}), withPostCommit(func() {
		if postCommit != nil {
			postCommit()
		}
	}))
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, a.Append(ctx, consent.AcceptPolicy(user, "v1", at),
		consent.Grant(user, purpose.Payments, "bank", at)))
	_, err := a.State(ctx, user)
	require.NoError(t, err)
	old, meta := cachedMeta(t, a, user)
	require.NotNil(t, meta)

	// The cached state is replaced by the same one (as a refresh that
	// read before the commit would), so the commit's version is stale.
	replace = func() {
		replace = nil
		require.True(t, a.cache.PutMeta(a.cache.Begin(user, a.tag(user)), old, meta))
	}
	before := a.Stats()
	tok, err := a.AppendToken(ctx, consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Minute)))
	require.NoError(t, err)
	st, err := a.State(ctx, user)
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), "own withdrawal not seen")
	sameState(t, fresh(t, a, user), st, "after the commit")
	after := a.Stats()
	assert.Equal(t, before.CacheMisses, after.CacheMisses, "dropped")
	assert.Equal(t, before.Deltas, after.Deltas, "read again")
	_, meta = cachedMeta(t, a, user)
	require.NotNil(t, meta)
	assert.True(t, meta.holds(xidOf(t, tok)))

	// Replaced by a state read after the commit (its snapshot saw it),
	// between COMMIT and write-through: it stays as it is, not given the
	// commit's events twice.
	seenToken(t, a, tok)
	var gen uint64
	postCommit = func() {
		postCommit = nil
		st, m, err := a.misses.get(ctx, user)
		require.NoError(t, err)
		require.True(t, a.cache.PutMeta(a.cache.Begin(user, a.tag(user)), st, metaAny(m)))
		gen = a.cache.Version(user)
	}
	tok, err = a.AppendToken(ctx, consent.Grant(user, purpose.Payments, "bank", at.Add(2*time.Minute)))
	require.NoError(t, err)
	require.NotZero(t, gen, "the hook did not run")
	_, meta = cachedMeta(t, a, user)
	require.NotNil(t, meta)
	assert.True(t, meta.holds(xidOf(t, tok)), "the replacement's snapshot did not see the commit")
	assert.Equal(t, gen, a.cache.Version(user), "the replacement was changed by write-through")
	sameState(t, fresh(t, a, user), mustState(t, a, user), "after the second commit")
}

// ownRounds alternates, 150 times, a grant and a withdrawal of one scope
// of user through a, each followed by a State on a, and returns how many
// of those States did not reflect the append just acknowledged.
func ownRounds(t *testing.T, ctx context.Context, a *Store, user string, at time.Time) int {
	t.Helper()
	bad := 0
	for n := range 150 {
		when := at.Add(time.Duration(n+1) * time.Second)
		ev := consent.Grant(user, purpose.Payments, "bank", when)
		if n%2 == 1 {
			ev = consent.Withdraw(user, purpose.Payments, "bank", when)
		}
		require.NoError(t, a.Append(ctx, ev))
		st, err := a.State(ctx, user)
		require.NoError(t, err)
		if st.Granted(purpose.Payments, "bank", when.Add(time.Millisecond)) != (n%2 == 0) {
			bad++
		}
	}
	return bad
}

// TestWriteThroughUnderConcurrentLoads alternates grants and withdrawals
// of one scope on instance A while readers on A keep loading the state
// (misses in flight across every commit) and instance B appends to the
// same subject: after each acknowledged append, A's next State reflects
// it, and at the end both instances agree with the database.
func TestWriteThroughUnderConcurrentLoads(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema, WithCacheSize(4)) // small: evictions too
	b := open(t, schema)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	user := "user-cw"
	require.NoError(t, a.Append(ctx, consent.AcceptPolicy(user, "v1", at)))

	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			other := "other-" + strconv.Itoa(i)
			for ctx.Err() == nil {
				_, _ = a.State(ctx, user)
				_, _ = a.State(ctx, other) // pushes user out now and then
			}
		})
	}
	wg.Go(func() { // B writes another scope of the same subject
		for n := 0; ctx.Err() == nil; n++ {
			_ = b.Append(ctx, consent.Grant(user, purpose.Support, "desk", at.Add(time.Duration(n)*time.Millisecond)))
		}
	})
	bad := ownRounds(t, ctx, a, user, at)
	cancel()
	wg.Wait()
	assert.Zero(t, bad, "rounds whose own acknowledged append was not seen by the next State")

	tok, err := b.AppendToken(t.Context(), consent.Grant(user, purpose.Feedback, "x", at))
	require.NoError(t, err)
	for _, s := range []*Store{a, b} {
		seenToken(t, s, tok)
		st, err := s.State(t.Context(), user)
		require.NoError(t, err)
		sameState(t, fresh(t, s, user), st, "at the end")
	}
}

// TestCommitsKeepAConnection shows that state reads hold at most all but
// one of the pool's connections: with every read slot taken (and its
// connection held), an Append still commits, and a further miss waits
// for a read slot instead of taking the connection commits need.
func TestCommitsKeepAConnection(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	pool := pgtest.Pool(t, schema, pgtest.WithMaxConns(2))
	s, err := New(t.Context(), pool, WithChannel(schema), WithMigrate())
	require.NoError(t, err)
	t.Cleanup(s.Close)
	require.Equal(t, 1, cap(s.reads))

	// A read in progress: its slot and its connection.
	held, err := pool.Acquire(t.Context())
	require.NoError(t, err)
	defer held.Release()
	s.reads <- struct{}{}
	defer func() { <-s.reads }()

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Append(ctx, consent.AcceptPolicy("user-c", "v1", time.Now())), "a commit waited behind reads")

	short, cancel2 := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel2()
	_, err = s.State(short, "user-other")
	require.ErrorIs(t, err, context.DeadlineExceeded, "a miss did not wait for a read slot")
	assert.Equal(t, int32(1), pool.Stat().AcquiredConns(), "the miss took the commits' connection")
}

// TestCommitGroupsAcrossUsers: batches that span two users, appended by
// 12 writers at once (so groups hold several batches) while 4 readers keep
// the users cached, leave every cached state equal to the log's fold once
// they are acknowledged.
func TestCommitGroupsAcrossUsers(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	pool := pgtest.Pool(t, schema, pgtest.WithMaxConns(16))
	s, err := New(t.Context(), pool, WithChannel(schema), WithMigrate())
	require.NoError(t, err)
	t.Cleanup(s.Close)
	require.Equal(t, 15, cap(s.reads))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	users := []string{"lane-a", "lane-b", "lane-c", "lane-d", "lane-e", "lane-f"}
	var readers sync.WaitGroup
	for i := range 4 {
		readers.Go(func() {
			for n := i; ctx.Err() == nil; n++ {
				_, _ = s.State(ctx, users[n%len(users)])
			}
		})
	}
	var writers sync.WaitGroup
	for w := range 12 {
		writers.Go(func() {
			for n := range 25 {
				u1, u2 := users[(w+n)%len(users)], users[(w+2*n+1)%len(users)]
				when := at.Add(time.Duration(w*1000+n) * time.Second)
				evs := []consent.Event{consent.Grant(u1, purpose.Payments, "bank", when)}
				if u2 != u1 {
					evs = append(evs, consent.Withdraw(u2, purpose.Payments, "bank", when))
				}
				assert.NoError(t, s.Append(ctx, evs...))
			}
		})
	}
	writers.Wait()
	cancel()
	readers.Wait()
	st := s.Stats()
	assert.Greater(t, st.Batches, st.Commits, "no group held more than one batch")
	for _, u := range users {
		got, err := s.State(t.Context(), u)
		require.NoError(t, err)
		sameState(t, fresh(t, s, u), got, u)
	}
}

// TestMaxStaleness: under WithMaxStaleness, a user another instance
// changed is answered from the state cached before the change while its
// refresh is held up, with this instance's own appends applied to it
// (read-your-writes); a token, and the refresh landing, end that.
func TestMaxStaleness(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	ctx := t.Context()
	a := open(t, schema, WithNotifyEvents(false))
	hold := make(chan struct{})
	var held atomic.Bool
	b := open(t, schema, WithMaxStaleness(time.Hour), withPreRead(func() {
		if held.Load() {
			<-hold
		}
	}))
	user := "user-ms"
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	granted := func(s *Store) bool {
		t.Helper()
		st, err := s.State(ctx, user)
		require.NoError(t, err)
		return st.Granted(purpose.Payments, "bank", at.Add(time.Hour))
	}
	tok, err := a.AppendToken(ctx, consent.AcceptPolicy(user, "v1", at), consent.Grant(user, purpose.Payments, "bank", at))
	require.NoError(t, err)
	seenToken(t, b, tok)
	require.True(t, granted(b))

	held.Store(true)
	tok, err = a.AppendToken(ctx, consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Minute)))
	require.NoError(t, err)
	seenToken(t, b, tok)
	stale := b.Stats().StaleHits
	assert.True(t, granted(b), "not answered from the cached state while the refresh is held")
	assert.Equal(t, stale+1, b.Stats().StaleHits)
	st, err := b.StateAtLeast(ctx, user, tok)
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), "a token was not honoured")

	// Stale again, then this instance's own append: read-your-writes.
	tok, err = a.AppendToken(ctx, consent.Grant(user, purpose.Payments, "bank", at.Add(2*time.Minute)))
	require.NoError(t, err)
	seenToken(t, b, tok)
	stale = b.Stats().StaleHits
	assert.False(t, granted(b), "not answered from the cached state")
	assert.Equal(t, stale+1, b.Stats().StaleHits)
	require.NoError(t, b.Append(ctx, consent.Withdraw(user, purpose.Payments, "bank", at.Add(3*time.Minute))))
	assert.False(t, granted(b), "own withdrawal not seen")
	st = mustState(t, b, user)
	assert.Equal(t, fresh(t, b, user).Events()-1, st.Events(), "not the stale state with the own append on it")
	// A token for the other instance's change reads it.
	st, err = b.StateAtLeast(ctx, user, tok)
	require.NoError(t, err)
	sameState(t, fresh(t, b, user), st, "after the own append, at least the token")

	// Without a hold, the refresh lands and the state is fresh.
	held.Store(false)
	close(hold)
	tok, err = a.AppendToken(ctx, consent.Grant(user, purpose.Payments, "bank", at.Add(4*time.Minute)))
	require.NoError(t, err)
	seenToken(t, b, tok)
	require.Eventually(t, func() bool { return granted(b) }, 5*time.Second, time.Millisecond)
	sameState(t, fresh(t, b, user), mustState(t, b, user), "after the refresh")
}

func mustState(t *testing.T, s *Store, user string) consent.State {
	t.Helper()
	st, err := s.State(t.Context(), user)
	require.NoError(t, err)
	return st
}
