package pgstore

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

var warmPurposes = []purpose.ID{purpose.Payments, purpose.Support, purpose.Feedback, purpose.Location}

// seedUsers appends, for each of n users, an acceptance and i%5+1 grants
// and withdrawals of varied scopes (user 0 gets many more), and returns
// the users.
func seedUsers(t *testing.T, s *Store, n int) []string {
	t.Helper()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	users := make([]string, n)
	for i := range n {
		u := fmt.Sprintf("warm-%03d", i)
		users[i] = u
		evs := []consent.Event{consent.AcceptPolicy(u, "v1", at)}
		k := i%5 + 1
		if i == 0 {
			k = 30 // more events than a test chunk
		}
		for j := range k {
			p, r := warmPurposes[(i+j)%4], fmt.Sprint("r", j%3)
			ev := consent.Grant(u, p, r, at.Add(time.Duration(j+1)*time.Minute))
			if j%3 == 2 {
				ev = consent.Withdraw(u, p, r, at.Add(time.Duration(j+1)*time.Minute))
			}
			evs = append(evs, ev)
		}
		require.NoError(t, s.Append(t.Context(), evs...))
	}
	return users
}

// TestWarm shows that Warm caches each user's state as the log folds it,
// across chunk boundaries and for a user with more events than a chunk,
// up to the cache's size without evicting, and within a limit.
func TestWarm(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	w := open(t, schema, WithCacheSize(0))
	users := seedUsers(t, w, 40)

	tests := []struct {
		name              string
		cache, limit, hot int // hot: users cached by traffic first
		want              int
	}{
		{name: "all", cache: 100, want: 40},
		{name: "cache smaller than the log", cache: 10, want: 10},
		{name: "cache partly used by traffic", cache: 10, hot: 3, want: 7},
		{name: "limit", cache: 100, limit: 25, want: 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, schema, WithCacheSize(tt.cache), withWarmChunk(7))
			ctx := t.Context()
			for _, u := range users[len(users)-tt.hot:] {
				_, err := s.State(ctx, u)
				require.NoError(t, err)
			}
			n, err := s.Warm(ctx, tt.limit)
			require.NoError(t, err)
			assert.Equal(t, tt.want, n)
			assert.Equal(t, tt.want+tt.hot, s.cache.Len())
			for _, u := range users[len(users)-tt.hot:] {
				_, ok := s.cache.Get(u)
				assert.True(t, ok, "Warm evicted a state traffic cached")
			}
			cached := 0
			for _, u := range users {
				st, ok := s.cache.Get(u)
				if !ok {
					continue
				}
				cached++
				sameState(t, fresh(t, s, u), st, u)
			}
			assert.Equal(t, tt.want+tt.hot, cached)
			if tt.want == 40 {
				_, ok := s.cache.Get(users[0])
				assert.True(t, ok, "the user with more events than a chunk is missing")
			}
		})
	}

	t.Run("no cache", func(t *testing.T) {
		n, err := w.Warm(t.Context(), 0)
		require.NoError(t, err)
		assert.Zero(t, n)
	})
}

// TestWarmInvalidationWins changes users while Warm's scan runs, after
// its snapshot was taken, from another instance (notification) and from
// the warming instance itself (write-through): Warm must not cache their
// older states, though the users were not cached when the changes came.
func TestWarmInvalidationWins(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	b := open(t, schema)
	users := seedUsers(t, b, 20)
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var a *Store
	hook := func(chunk int) {
		if chunk != 0 {
			return
		}
		// Another instance withdraws acceptance of users[5] (and so
		// every grant); a's listener hears of it before Warm caches.
		tok, err := b.AppendToken(t.Context(), consent.WithdrawAcceptance(users[5], at))
		require.NoError(t, err)
		seenToken(t, a, tok)
		// a itself withdraws acceptance of users[9].
		require.NoError(t, a.Append(t.Context(), consent.WithdrawAcceptance(users[9], at)))
	}
	a = open(t, schema, withWarmHook(hook))
	n, err := a.Warm(t.Context(), 0)
	require.NoError(t, err)
	assert.Equal(t, 18, n, "Warm cached users changed during its scan")
	for _, u := range []string{users[5], users[9]} {
		_, ok := a.cache.Get(u)
		assert.False(t, ok, "%s cached from before its change", u)
		st, err := a.State(t.Context(), u)
		require.NoError(t, err)
		assert.False(t, st.Accepted(), "%s: withdrawal lost", u)
		sameState(t, fresh(t, a, u), st, u)
	}
}

// TestWarmListenerLost: a listener lost during Warm clears the cache;
// Warm stops with ErrUnavailable and caches nothing after.
func TestWarmListenerLost(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	w := open(t, schema, WithCacheSize(0))
	seedUsers(t, w, 20)
	var a *Store
	a = open(t, schema, withWarmChunk(7), withWarmHook(func(chunk int) {
		if chunk == 1 {
			a.cache.Clear() // as setDown does
		}
	}))
	_, err := a.Warm(t.Context(), 0)
	require.ErrorIs(t, err, consent.ErrUnavailable)
	assert.Zero(t, a.cache.Len(), "Warm cached after the cache was cleared")
}

// TestGroupRead holds every read slot while 40 users miss at once: the
// misses go to the database in a few queries (not 40), and each caller
// gets its own user's state.
func TestGroupRead(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	w := open(t, schema, WithCacheSize(0))
	users := seedUsers(t, w, 40)
	s := open(t, schema, WithHeartbeat(time.Minute)) // the cache answers however slow the machine
	require.NotNil(t, s.reads)
	require.True(t, s.serving())
	for range cap(s.reads) {
		s.reads <- struct{}{}
	}
	var wg sync.WaitGroup
	got := make([]consent.State, len(users))
	errs := make([]error, len(users))
	for i, u := range users {
		wg.Go(func() { got[i], errs[i] = s.State(t.Context(), u) })
	}
	require.Eventually(t, func() bool {
		s.misses.mu.Lock()
		defer s.misses.mu.Unlock()
		return s.misses.queued >= uint64(len(users))
	}, 5*time.Second, time.Millisecond)
	for range cap(s.reads) {
		<-s.reads
	}
	wg.Wait()
	for i, u := range users {
		require.NoError(t, errs[i])
		assert.Equal(t, u, got[i].Subject())
		sameState(t, fresh(t, s, u), got[i], u)
	}
	st := s.Stats()
	assert.Equal(t, uint64(len(users)), st.MissUsers)
	// Each runner may have taken a few misses before it found every
	// read slot held; the rest go together once the slots are free.
	assert.LessOrEqual(t, st.MissReads, uint64(2*cap(s.reads)), "misses were not grouped")
	t.Logf("%d users in %d queries", st.MissUsers, st.MissReads)
}

// TestRefresh: another instance's change to a cached user drops it and
// reads it again in the background, so the next State is a hit with the
// new state; while the other instance keeps changing the user, the
// refreshed state never ends older than the log.
func TestRefresh(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema, WithNotifyEvents(false))
	b := open(t, schema, WithNotifyEvents(false))
	ctx := t.Context()
	user := "user-rf"
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, a.Append(ctx, consent.AcceptPolicy(user, "v1", at), consent.Grant(user, purpose.Payments, "bank", at)))
	_, err := a.State(ctx, user)
	require.NoError(t, err)

	tok, err := b.AppendToken(ctx, consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Minute)))
	require.NoError(t, err)
	seenToken(t, a, tok)
	require.Eventually(t, func() bool { return a.cache.Version(user) != 0 }, 5*time.Second, time.Millisecond, "not refreshed")
	hits := a.Stats().CacheHits
	st, err := a.State(ctx, user)
	require.NoError(t, err)
	assert.Equal(t, hits+1, a.Stats().CacheHits)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)))
	assert.Positive(t, a.Stats().Refreshes)

	// B alternates while readers on A keep the user hot.
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for rctx.Err() == nil {
				_, _ = a.State(rctx, user)
			}
		})
	}
	for i := range 100 {
		ev := consent.Grant(user, purpose.Payments, "bank", at.Add(time.Duration(i+2)*time.Minute))
		if i%2 == 1 {
			ev = consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Duration(i+2)*time.Minute))
		}
		tok, err = b.AppendToken(ctx, ev)
		require.NoError(t, err)
	}
	seenToken(t, a, tok)
	want := fresh(t, a, user)
	// Whatever refreshes are in flight, once they settle the cache holds
	// the log's state or nothing.
	require.Eventually(t, func() bool {
		st, err := a.State(ctx, user)
		return err == nil && st.Events() == want.Events()
	}, 5*time.Second, time.Millisecond)
	cancel()
	wg.Wait()
	time.Sleep(50 * time.Millisecond)
	if st, ok := a.cache.Get(user); ok {
		sameState(t, want, st, "refreshed")
	}
}

// BenchmarkWarm warms a cache of 20,000 users (an acceptance and two
// grants each, as in internal/checkbench's workload) and reports states
// per second and the heap each cached state holds, with the low-
// cardinality strings shared (the default) and not.
func BenchmarkWarm(b *testing.B) {
	const users = 20000
	schema := NewTestSchema(b)
	pool := NewTestPool(b, schema)
	w, err := New(b.Context(), pool, WithChannel(schema), WithMigrate(), WithCacheSize(0))
	require.NoError(b, err)
	b.Cleanup(w.Close)
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	var evs []consent.Event
	for i := range users {
		u := fmt.Sprint("bench-", i)
		evs = append(evs, consent.AcceptPolicy(u, "2026-03", at),
			consent.Grant(u, warmPurposes[i%4], fmt.Sprintf("recipient-%02d", i%12), at),
			consent.Grant(u, warmPurposes[(i+1)%4], fmt.Sprintf("recipient-%02d", (i+5)%12), at))
		if len(evs) >= 3000 {
			require.NoError(b, w.Append(b.Context(), evs...))
			evs = evs[:0]
		}
	}
	require.NoError(b, w.Append(b.Context(), evs...))
	for _, bc := range []struct {
		name string
		opts []Option
	}{{"shared strings", nil}, {"own strings", []Option{withoutIntern()}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var perState float64
			for b.Loop() {
				b.StopTimer()
				before := heapNow()
				s, err := New(b.Context(), pool, append([]Option{WithChannel(schema), WithCacheSize(users)}, bc.opts...)...)
				require.NoError(b, err)
				b.StartTimer()
				n, err := s.Warm(b.Context(), 0)
				b.StopTimer()
				require.NoError(b, err)
				require.Equal(b, users, n)
				perState = float64(heapNow()-before) / users
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(perState, "heapB/state")
			b.ReportMetric(float64(users*b.N)/b.Elapsed().Seconds(), "states/s")
		})
	}
}

func heapNow() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestRefreshAfterDropCached: a user dropped from the cache (DropCached,
// as KeyedStore.Forget does) while a refresh of it reads is not brought
// back by that refresh. (Dropped while the refresh is still queued:
// consent/internal/statecache TestRefresh.)
func TestRefreshAfterDropCached(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema, WithHeartbeat(time.Minute), WithNotifyEvents(false))
	b := open(t, schema, WithNotifyEvents(false))
	ctx := t.Context()
	user := "user-rd"
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, a.Append(ctx, consent.AcceptPolicy(user, "v1", at)))
	_, err := a.State(ctx, user)
	require.NoError(t, err)
	require.NotZero(t, a.cache.Version(user))

	// Hold every read slot: the refresh waits for one.
	for range cap(a.reads) {
		a.reads <- struct{}{}
	}
	tok, err := b.AppendToken(ctx, consent.Grant(user, purpose.Payments, "bank", at.Add(time.Minute)))
	require.NoError(t, err)
	seenToken(t, a, tok)
	require.Eventually(t, func() bool {
		a.misses.mu.Lock()
		defer a.misses.mu.Unlock()
		return a.misses.queued >= 1 // the refresh is reading
	}, 5*time.Second, time.Millisecond)
	a.DropCached(user)
	for range cap(a.reads) {
		<-a.reads
	}
	require.Eventually(t, func() bool { return a.Stats().MissUsers >= 1 }, 5*time.Second, time.Millisecond)
	time.Sleep(20 * time.Millisecond) // let the refresh try to cache
	assert.Zero(t, a.cache.Version(user), "a refresh brought back a dropped user")
	assert.Equal(t, uint64(1), a.Stats().Refreshes)
}
