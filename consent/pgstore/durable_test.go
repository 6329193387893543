package pgstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/purpose"
)

// TestTwoAppendTxInOneHostTransaction: two AppendTx in one host
// transaction send identical heads and "x:", which PostgreSQL delivers
// once, before the second call's tags; a token of the second call is
// still answered with its append, on another instance, every time.
func TestTwoAppendTxInOneHostTransaction(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema)
	b := open(t, schema)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	later := at.Add(2 * time.Hour)
	for i := range 20 {
		ua, ub := fmt.Sprint("ua-", i), fmt.Sprint("ub-", i)
		tok, err := b.AppendToken(ctx, consent.AcceptPolicy(ub, "v1", at), consent.Grant(ub, purpose.Payments, "bank", at.Add(time.Minute)))
		require.NoError(t, err)
		seenToken(t, a, tok)
		st, err := a.State(ctx, ub)
		require.NoError(t, err)
		require.True(t, st.Granted(purpose.Payments, "bank", later))
		host, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		var many []consent.Event
		for j := range 50 {
			many = append(many, consent.Grant(fmt.Sprint(ua, "-", j), purpose.Payments, "bank", at))
		}
		_, err = b.AppendTx(ctx, host, many...)
		require.NoError(t, err)
		tok2, err := b.AppendTx(ctx, host, consent.Withdraw(ub, purpose.Payments, "bank", at.Add(time.Hour)))
		require.NoError(t, err)
		require.NoError(t, host.Commit(ctx))
		st, err = a.StateAtLeast(ctx, ub, tok2)
		require.NoError(t, err)
		require.False(t, st.Granted(purpose.Payments, "bank", later), "round %d: the token answered without the withdrawal", i)
	}
}

// TestGroupCommitIsDurableWhenTheSessionIsNot: under a session with
// synchronous_commit off, a group commit still waits for its WAL to reach
// the disk (set for its transaction only), so an acknowledged Append
// survives a crash and its signed notifications name a transaction that
// is never given again; the store works as on any other session.
func TestGroupCommitIsDurableWhenTheSessionIsNot(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	async := func(c *pgxpool.Config) { c.ConnConfig.RuntimeParams["synchronous_commit"] = "off" }
	pool := pgtest.Pool(t, schema, async)
	ctx := t.Context()

	// The statement, in a one-round-trip transaction as commitFast sends
	// it: the transaction runs with local durability, the session after
	// it as before.
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	var during, after string
	b := &pgx.Batch{}
	b.Queue(durableCommit)
	b.Queue("SELECT current_setting('synchronous_commit')").QueryRow(func(r pgx.Row) error { return r.Scan(&during) })
	require.NoError(t, conn.SendBatch(ctx, b).Close())
	require.NoError(t, conn.QueryRow(ctx, "SELECT current_setting('synchronous_commit')").Scan(&after))
	assert.Equal(t, "local", during)
	assert.Equal(t, "off", after, "the session's setting changed")
	for _, stricter := range []string{"on", "remote_apply"} {
		_, err := conn.Exec(ctx, "SET synchronous_commit = "+stricter)
		require.NoError(t, err)
		tx, err := conn.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, durableCommit)
		require.NoError(t, err)
		require.NoError(t, tx.QueryRow(ctx, "SELECT current_setting('synchronous_commit')").Scan(&during))
		require.NoError(t, tx.Rollback(ctx))
		assert.Equal(t, stricter, during, "a stricter setting weakened")
	}

	// Stores on such sessions: appends, notified events and tokens work.
	s := open(t, schema)
	w, err := New(ctx, pool, WithChannel(schema))
	require.NoError(t, err)
	t.Cleanup(w.Close)
	tok, err := w.AppendToken(ctx, consent.Grant("u-async", purpose.Payments, "bank", time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)))
	require.NoError(t, err)
	seenToken(t, s, tok)
	_, err = s.State(ctx, "u-async")
	require.NoError(t, err)
	cachedMeta(t, s, "u-async")
	before := s.Stats()
	tok, err = w.AppendToken(ctx, consent.Withdraw("u-async", purpose.Payments, "bank", time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)))
	require.NoError(t, err)
	seenToken(t, s, tok)
	st, _ := cachedMeta(t, s, "u-async")
	assert.False(t, st.Granted(purpose.Payments, "bank", time.Date(2024, 6, 1, 11, 0, 0, 0, time.UTC)))
	assert.Equal(t, before.NotifyApplied+1, s.Stats().NotifyApplied)
	assert.Zero(t, s.Stats().HeadsRefused)
}
