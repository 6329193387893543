package pgstore

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// TestOwnAppendsUnderRefreshesAndStaleness: instance A alternates grants
// and withdrawals of one scope while another instance keeps changing
// another scope of the same user (so A's state is announced changed,
// kept stale or dropped, and refreshed by delta, with refreshes held up
// at random so that they are in flight across A's commits), readers on A
// keep loading it and an unrelated user (evictions, loads across
// commits). After every acknowledged Append, A's next State must show
// it, with or without WithMaxStaleness; and a token of the other
// instance's last change must be honoured at the end.
func TestOwnAppendsUnderRefreshesAndStaleness(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		stale time.Duration
	}{
		{"fresh", 0},
		{"max staleness", time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			schema := NewTestSchema(t)
			a := open(t, schema, WithCacheSize(4), WithMaxStaleness(tc.stale), withPreRead(func() {
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
			}))
			b := open(t, schema)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
			user := "user-sr"
			require.NoError(t, a.Append(ctx, consent.AcceptPolicy(user, "v1", at)))

			var wg sync.WaitGroup
			for i := range 4 {
				wg.Go(func() {
					other := "other-sr-" + strconv.Itoa(i)
					for ctx.Err() == nil {
						_, _ = a.State(ctx, user)
						_, _ = a.State(ctx, other)
						time.Sleep(20 * time.Microsecond) // frugal: loads still cross commits
					}
				})
			}
			wg.Go(func() { // B changes another scope of the same user
				for n := 0; ctx.Err() == nil; n++ {
					ev := consent.Grant(user, purpose.Support, "desk", at.Add(time.Duration(n)*time.Millisecond+time.Microsecond))
					if n%2 == 1 {
						ev = consent.Withdraw(user, purpose.Support, "desk", at.Add(time.Duration(n)*time.Millisecond+time.Microsecond))
					}
					_ = b.Append(ctx, ev)
				}
			})
			bad := ownRounds(t, ctx, a, user, at)
			cancel()
			wg.Wait()
			assert.Zero(t, bad, "rounds whose own acknowledged append was not seen by the next State")
			st := a.Stats()
			t.Logf("refreshes %d, deltas %d (whole %d), stale hits %d, hits %d, misses %d", st.Refreshes, st.Deltas, st.DeltaWhole, st.StaleHits, st.CacheHits, st.CacheMisses)

			tok, err := b.AppendToken(t.Context(), consent.Grant(user, purpose.Feedback, "x", at))
			require.NoError(t, err)
			st2, err := a.StateAtLeast(t.Context(), user, tok)
			require.NoError(t, err)
			sameState(t, fresh(t, a, user), st2, "a token")
			seenToken(t, a, tok)
			require.Eventually(t, func() bool {
				st, err := a.State(t.Context(), user)
				return err == nil && st.Events() == fresh(t, a, user).Events()
			}, 5*time.Second, time.Millisecond, "the refresh never landed")
			sameState(t, fresh(t, a, user), mustState(t, a, user), "at the end")
		})
	}
}

// TestTokenHonouredAfterLoadingOverflow: StateAtLeast reads a cached
// user under a ticket; when that read fails (here: no read slot before
// its deadline) the ticket stays until the cache, finding its loading map
// full, voids the loads that never came back. The user's state, still
// cached, must keep its tag: another instance's withdrawal announced
// afterwards must still drop it, so that State sees the withdrawal and a
// token naming it is honoured.
func TestTokenHonouredAfterLoadingOverflow(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	ctx := t.Context()
	a := open(t, schema)
	b := open(t, schema, WithCacheSize(2))
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	user := "user-ov"
	tok, err := a.AppendToken(ctx, consent.AcceptPolicy(user, "v1", at), consent.Grant(user, purpose.Payments, "bank", at))
	require.NoError(t, err)
	seenToken(t, b, tok)
	require.True(t, mustState(t, b, user).Granted(purpose.Payments, "bank", at.Add(time.Hour)))
	_, _, cached := b.cache.GetMeta(user)
	require.True(t, cached)

	// A committed transaction that never notifies: its token is not
	// among those the listener has seen, so StateAtLeast reads.
	var xidText string
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT pg_current_xact_id()::text").Scan(&xidText))
	xid, err := strconv.ParseUint(xidText, 10, 64)
	require.NoError(t, err)
	quiet := b.token(xid)

	// Every read slot taken: the reads of StateAtLeast time out, and
	// their tickets stay (the cached user's among them).
	for range cap(b.reads) {
		b.reads <- struct{}{}
	}
	for _, u := range []string{user, "user-ov-2"} {
		sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		_, err := b.StateAtLeast(sctx, u, quiet)
		cancel()
		require.Error(t, err)
	}
	for range cap(b.reads) {
		<-b.reads
	}
	// A miss with the loading map full voids those loads.
	_, err = b.State(ctx, "user-ov-3")
	require.NoError(t, err)

	tok, err = a.AppendToken(ctx, consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Minute)))
	require.NoError(t, err)
	seenToken(t, b, tok)
	assert.False(t, mustState(t, b, user).Granted(purpose.Payments, "bank", at.Add(time.Hour)), "another instance's withdrawal never seen")
	st, err := b.StateAtLeast(ctx, user, tok)
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), "a token was not honoured")
}
