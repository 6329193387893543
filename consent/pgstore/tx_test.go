package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/purpose"
)

// TestAppendTx: consent events appended inside the host's transaction
// commit or vanish with its business write (the outbox pattern); a
// conflict leaves the host's transaction usable; a token taken before the
// host commits makes another instance wait for the commit.
func TestAppendTx(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, schema := newStore(t)
	other := openOn(t, schema)
	pool := pgstore.NewTestPool(t, schema)
	_, err := pool.Exec(ctx, "CREATE TABLE orders (id text PRIMARY KEY)")
	require.NoError(t, err)
	count := func(q string) int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, q).Scan(&n))
		return n
	}

	t.Run("rollback drops both", func(t *testing.T) {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, "INSERT INTO orders VALUES ('o1')")
		require.NoError(t, err)
		_, err = s.AppendTx(ctx, tx, consent.Grant("u1", purpose.Payments, "bank", t0))
		require.NoError(t, err)
		require.NoError(t, tx.Rollback(ctx))
		assert.Zero(t, count("SELECT count(*) FROM orders"))
		h, err := s.History(ctx, "u1")
		require.NoError(t, err)
		assert.Empty(t, h)
	})

	t.Run("conflict leaves the transaction usable", func(t *testing.T) {
		require.NoError(t, s.Append(ctx, consent.Grant("u2", purpose.Payments, "bank", t0, consent.WithID("taken"))))
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		_, err = tx.Exec(ctx, "INSERT INTO orders VALUES ('o2')")
		require.NoError(t, err)
		_, err = s.AppendTx(ctx, tx,
			consent.Grant("u2", purpose.Support, "bank", t0),
			consent.Grant("u2", purpose.Payments, "other", t0, consent.WithID("taken")))
		require.ErrorIs(t, err, consent.ErrConflict)
		_, err = tx.Exec(ctx, "INSERT INTO orders VALUES ('o3')")
		require.NoError(t, err, "the host's transaction must survive a conflict")
		require.NoError(t, tx.Commit(ctx))
		assert.Equal(t, 2, count("SELECT count(*) FROM orders"))
		h, err := s.History(ctx, "u2")
		require.NoError(t, err)
		assert.Len(t, h, 1, "the conflicting batch wrote nothing")
	})

	t.Run("commit keeps both and the token waits for it", func(t *testing.T) {
		_, err := other.State(ctx, "u3") // warm the other instance
		require.NoError(t, err)
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		_, err = tx.Exec(ctx, "INSERT INTO orders VALUES ('o4')")
		require.NoError(t, err)
		tok, err := s.AppendTx(ctx, tx, consent.Grant("u3", purpose.Payments, "bank", t0))
		require.NoError(t, err)
		got := make(chan consent.State, 1)
		go func() {
			st, err := other.StateAtLeast(ctx, "u3", tok)
			assert.NoError(t, err)
			got <- st
		}()
		time.Sleep(20 * time.Millisecond)
		select {
		case <-got:
			t.Fatal("StateAtLeast answered before the host committed")
		default:
		}
		require.NoError(t, tx.Commit(ctx))
		st := <-got
		assert.True(t, st.Granted(purpose.Payments, "bank", t0))

		// A token of a transaction that rolled back is refused.
		tx2, err := pool.Begin(ctx)
		require.NoError(t, err)
		tok2, err := s.AppendTx(ctx, tx2, consent.Grant("u4", purpose.Payments, "bank", t0))
		require.NoError(t, err)
		require.NoError(t, tx2.Rollback(ctx))
		_, err = other.StateAtLeast(ctx, "u4", tok2)
		require.ErrorIs(t, err, consent.ErrTokenInvalid)
	})

	t.Run("a token never committed times out with the context", func(t *testing.T) {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		tok, err := s.AppendTx(ctx, tx, consent.Grant("u5", purpose.Payments, "bank", t0))
		require.NoError(t, err)
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err = other.StateAtLeast(cctx, "u5", tok)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}
