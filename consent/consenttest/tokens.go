package consenttest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// testToken runs for stores that implement [consent.TokenStore]: an
// append's token is satisfied at once on the same store, the zero token
// requires nothing, and a token the store did not issue fails.
func testToken(t *testing.T, s consent.Store) {
	ts, ok := s.(consent.TokenStore)
	if !ok {
		t.Skip("the store does not implement consent.TokenStore")
	}
	ctx := context.Background()
	u := "user-token"
	tok, err := ts.AppendToken(ctx, consent.Grant(u, purpose.Payments, "halyk-bank", at(0)))
	require.NoError(t, err)
	require.NotEmpty(t, tok)
	st, err := ts.StateAtLeast(ctx, u, tok)
	require.NoError(t, err)
	assert.True(t, st.Granted(purpose.Payments, "halyk-bank", at(1)))
	tok2, err := ts.AppendToken(ctx, consent.Withdraw(u, purpose.Payments, "halyk-bank", at(1)))
	require.NoError(t, err)
	st, err = ts.StateAtLeast(ctx, u, tok2)
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "halyk-bank", at(2)))
	// Tokens are never needed for the same store's own appends, but an
	// older token is satisfied too.
	_, err = ts.StateAtLeast(ctx, u, tok)
	require.NoError(t, err)
	_, err = ts.StateAtLeast(ctx, u, "")
	require.NoError(t, err)
	for _, bad := range []consent.Token{"garbage", "sqlite.x.1", "pg.x.1", "memory.1", "sqlite..", "\x00"} {
		_, err := ts.StateAtLeast(ctx, u, bad)
		require.ErrorIs(t, err, consent.ErrTokenInvalid, "token %q", bad)
	}
	// A repeat (nothing written) still yields a token that works.
	tok3, err := ts.AppendToken(ctx, consent.Grant(u, purpose.Payments, "halyk-bank", at(0)))
	require.NoError(t, err)
	_, err = ts.StateAtLeast(ctx, u, tok3)
	require.NoError(t, err)
}

// testConcurrentConflicts appends, from many goroutines at once, fresh
// batches and batches that conflict with events on record: each batch
// stands or fails alone (a store that groups concurrent appends in one
// transaction must not let one batch's conflict fail or half-write
// another).
func testConcurrentConflicts(t *testing.T, s consent.Store) {
	ctx := context.Background()
	const writers = 16
	taken := consent.Grant("user-c", purpose.Payments, "r", at(0), consent.WithID("taken"))
	mustAppend(t, s, taken)
	var wg sync.WaitGroup
	errs := make([]error, writers)
	batches := make([][]consent.Event, writers)
	for i := range writers {
		u := fmt.Sprintf("user-c%d", i)
		batches[i] = []consent.Event{
			consent.Grant(u, purpose.Payments, "r", at(i+1)),
			consent.Grant(u, purpose.Support, "r", at(i+1)),
		}
		if i%4 == 0 {
			// Reuses an ID on record with other content.
			batches[i] = append(batches[i], consent.Grant(u, purpose.Payments, "other", at(i+1), consent.WithID("taken")))
		}
	}
	for range 5 {
		for i := range writers {
			// Rounds after the first repeat the fresh batches: skipped,
			// no error.
			wg.Go(func() { errs[i] = s.Append(ctx, batches[i]...) })
		}
		wg.Wait()
		for i, err := range errs {
			u := fmt.Sprintf("user-c%d", i)
			h, herr := s.History(ctx, u)
			require.NoError(t, herr)
			if i%4 == 0 {
				require.ErrorIs(t, err, consent.ErrConflict, "batch %d", i)
				assert.Empty(t, h, "a conflicting batch left events")
				continue
			}
			require.NoError(t, err, "batch %d failed with another's conflict", i)
			assert.Len(t, h, 2, "batch %d", i)
		}
	}
	requireHistory(t, s, "user-c", []consent.Event{taken})
}

// RunInstances checks read-your-writes across instances: newPair returns
// two stores over the same storage (two instances of a service), each
// implementing [consent.TokenStore]. After an append on one returns its
// token, the other's StateAtLeast with that token reflects it, every time,
// whatever the other had cached.
func RunInstances(t *testing.T, newPair func(t *testing.T) (a, b consent.TokenStore)) {
	t.Helper()
	a, b := newPair(t)
	ctx := context.Background()
	const rounds = 100
	for i := range rounds {
		u := fmt.Sprintf("user-%d", i%3)
		w := consent.Grant(u, purpose.Payments, "halyk-bank", at(i))
		if i%2 == 1 {
			w = consent.Withdraw(u, purpose.Payments, "halyk-bank", at(i))
		}
		// Warm b's cache with the state before the append.
		_, err := b.State(ctx, u)
		require.NoError(t, err)
		tok, err := a.AppendToken(ctx, w)
		require.NoError(t, err)
		st, err := b.StateAtLeast(ctx, u, tok)
		require.NoError(t, err)
		require.Equal(t, i%2 == 0, st.Granted(purpose.Payments, "halyk-bank", at(i+1)),
			"round %d: b did not reflect a's %s at the token", i, w.Action)
		a, b = b, a
	}
}
