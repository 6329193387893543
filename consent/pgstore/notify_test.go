package pgstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/purpose"
)

// finalized returns a schema with the consent tables whose fleet is
// finalized for batched notifications.
func finalized(t *testing.T) string {
	t.Helper()
	schema := NewTestSchema(t)
	require.NoError(t, Migrate(t.Context(), pgtest.Admin(t), WithSchema(schema)))
	require.NoError(t, FinalizeNotifyUpgrade(t.Context(), pgtest.Admin(t), WithSchema(schema)))
	return schema
}

// listenRaw LISTENs on channel with a connection of its own, as any
// database user could.
func listenRaw(t *testing.T, pool *pgxpool.Pool, channel string) *pgxpool.Conn {
	t.Helper()
	conn, err := pool.Acquire(t.Context())
	require.NoError(t, err)
	t.Cleanup(conn.Release)
	_, err = conn.Exec(t.Context(), "LISTEN "+`"`+channel+`"`)
	require.NoError(t, err)
	return conn
}

// txPayloads reads the payloads of one transaction's notifications, up
// to its "x:".
func txPayloads(t *testing.T, conn *pgxpool.Conn) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	var got []string
	for len(got) == 0 || !strings.HasPrefix(got[len(got)-1], xidPrefix) {
		n, err := conn.Conn().WaitForNotification(ctx)
		require.NoError(t, err)
		got = append(got, n.Payload)
	}
	return got
}

// TestBatchedNotifyManySubjects appends, in one transaction, to more
// subjects than one batch notification carries: another instance drops
// (and refreshes, or with WithRefresh(false) just drops) each of their
// cached states, and the instance that appended keeps its own, written
// through, skipping every batch of its transaction.
func TestBatchedNotifyManySubjects(t *testing.T) {
	t.Parallel()
	const users = 2*batchTags + 17 // three batch notifications
	for _, refresh := range []bool{true, false} {
		t.Run(fmt.Sprintf("refresh=%v", refresh), func(t *testing.T) {
			t.Parallel()
			schema := finalized(t)
			a := open(t, schema, WithCacheSize(4*users), WithNotifyEvents(false))
			b := open(t, schema, WithCacheSize(4*users), WithRefresh(refresh))
			require.True(t, a.Stats().NotifyBatched)
			require.True(t, b.Stats().NotifyBatched)
			raw := listenRaw(t, NewTestPool(t, schema), schema)
			ctx := t.Context()
			at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
			name := func(i int) string { return fmt.Sprintf("user-%03d", i) }

			var grants, withdrawals []consent.Event
			for i := range users {
				grants = append(grants, consent.Grant(name(i), purpose.Payments, "bank", at))
				withdrawals = append(withdrawals, consent.Withdraw(name(i), purpose.Payments, "bank", at.Add(time.Minute)))
			}
			tok, err := a.AppendToken(ctx, grants...)
			require.NoError(t, err)
			txPayloads(t, raw)
			seenToken(t, a, tok)
			seenToken(t, b, tok)
			for _, s := range []*Store{a, b} {
				for i := range users {
					st, err := s.State(ctx, name(i))
					require.NoError(t, err)
					require.True(t, st.Granted(purpose.Payments, "bank", at.Add(time.Second)))
				}
				require.Equal(t, users, s.cache.Len())
			}

			before := b.Stats()
			tok, err = a.AppendToken(ctx, withdrawals...)
			require.NoError(t, err)
			got := txPayloads(t, raw)
			require.Len(t, got, 1+3+1, "o:, three batches, x:")
			var tags []string
			for _, p := range got[1:4] {
				assert.Less(t, len(p), 8000, "PostgreSQL's payload limit")
				ts, ok := parseBatch(p)
				require.True(t, ok, "payload %.40q", p)
				tags = append(tags, ts...)
			}
			require.Len(t, tags, users)
			for i, tg := range tags {
				assert.Equal(t, a.tag(name(i)), tg)
			}

			seenToken(t, a, tok)
			seenToken(t, b, tok)
			// The appending instance skipped its own batches.
			assert.Equal(t, users, a.cache.Len(), "own batches dropped written-through states")
			hits := a.Stats().CacheHits
			for i := range users {
				st, err := a.State(ctx, name(i))
				require.NoError(t, err)
				require.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), name(i))
			}
			assert.Equal(t, hits+uint64(users), a.Stats().CacheHits)

			// The other dropped every state it had cached.
			if refresh {
				assert.Equal(t, before.Refreshes+uint64(users), b.Stats().Refreshes, "refreshes queued")
			} else {
				assert.Zero(t, b.cache.Len(), "states kept")
			}
			for i := range users {
				if st, ok := b.cache.Get(name(i)); ok {
					require.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), "%s kept stale", name(i))
				}
				st, err := b.State(ctx, name(i))
				require.NoError(t, err)
				require.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), name(i))
			}
		})
	}
}

// TestNotifyFormatFollowsFinalize: a store sends one tag per notification
// until the fleet is finalized, then batches; a store already running
// switches within its heartbeat, a new one at New.
func TestNotifyFormatFollowsFinalize(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	s := open(t, schema, WithHeartbeat(300*time.Millisecond), WithNotifyEvents(false))
	raw := listenRaw(t, NewTestPool(t, schema), schema)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	users := []string{"u-1", "u-2", "u-3"}
	batch := func(at time.Time) []consent.Event {
		var evs []consent.Event
		for _, u := range users {
			evs = append(evs, consent.Grant(u, purpose.Payments, "bank", at))
		}
		return evs
	}
	tags := []string{s.tag(users[0]), s.tag(users[1]), s.tag(users[2])}

	require.False(t, s.Stats().NotifyBatched)
	require.NoError(t, s.Append(ctx, batch(at)...))
	got := txPayloads(t, raw)
	require.Len(t, got, 5)
	assert.Equal(t, tags, got[1:4], "before finalize: one tag per notification")

	require.NoError(t, FinalizeNotifyUpgrade(ctx, pgtest.Admin(t), WithSchema(schema)))
	require.NoError(t, FinalizeNotifyUpgrade(ctx, NewTestPool(t, schema)), "again: a no-op")
	require.Eventually(t, func() bool { return s.Stats().NotifyBatched }, 5*time.Second, 5*time.Millisecond,
		"a running store sees the setting on its heartbeat")
	late := open(t, schema, WithNotifyEvents(false))
	require.True(t, late.Stats().NotifyBatched, "New reads the setting")
	for i, w := range []*Store{s, late} {
		require.NoError(t, w.Append(ctx, batch(at.Add(time.Duration(i+1)*time.Minute))...))
		got = txPayloads(t, raw)
		require.Len(t, got, 3)
		assert.True(t, strings.HasPrefix(got[0], ownPrefix))
		assert.Equal(t, batchPrefix+strings.Join(tags, ","), got[1], "after finalize: one batch")
	}

	// It cannot be undone.
	_, err := NewTestPool(t, schema).Exec(ctx, "DELETE FROM consent_meta WHERE name = 'notify_format'")
	require.ErrorContains(t, err, "append-only")
}

// TestFinalizeNotifyUpgradeRefusesBehindSchema: on tables behind this
// code the setting is not written, and the error says to migrate.
func TestFinalizeNotifyUpgradeRefusesBehindSchema(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	err := FinalizeNotifyUpgrade(t.Context(), NewTestPool(t, schema))
	require.ErrorIs(t, err, ErrSchemaBehind)
}

// TestMalformedBatchClearsCache sends batch notifications a store of
// this version would never send: each empties the cache, including
// states whose tags it does not name, since the change it stood for is
// unknown.
func TestMalformedBatchClearsCache(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	s := open(t, schema)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	tok, err := s.AppendToken(ctx, consent.Grant("u-1", purpose.Payments, "bank", at), consent.Grant("u-2", purpose.Payments, "bank", at))
	require.NoError(t, err)
	seenToken(t, s, tok)
	tag := s.tag("u-1")
	for i, p := range []string{
		batchPrefix,
		batchPrefix + ",",
		batchPrefix + tag + ",",
		batchPrefix + "," + tag,
		batchPrefix + tag + ",," + tag,
		batchPrefix + strings.ToUpper(tag),
		batchPrefix + tag[:31],
		batchPrefix + tag + "0",
		batchPrefix + tag + ";" + tag,
		batchPrefix + tag[:31] + "g",
		batchPrefix + "user-1",
	} {
		for _, u := range []string{"u-1", "u-2"} {
			_, err := s.State(ctx, u)
			require.NoError(t, err)
		}
		require.Equal(t, 2, s.cache.Len())
		// A transaction of the payload, then a known end, on one
		// connection, so the listener has seen the payload when it
		// sees the end.
		end := uint64(1<<62 + i)
		conn, err := s.pool.Acquire(ctx)
		require.NoError(t, err)
		for _, q := range []string{p, signedHead(t, s, end, foreignMark), fmt.Sprintf("%s%d", xidPrefix, end)} {
			_, err := conn.Exec(ctx, "SELECT pg_notify($1, $2)", schema, q)
			require.NoError(t, err)
		}
		conn.Release()
		require.Eventually(t, func() bool { return s.seen.has(end) }, 5*time.Second, time.Millisecond)
		assert.Zero(t, s.cache.Len(), "payload %q left the cache", p)
	}
}

// TestBatchHoldsAndOwnMarks: the listener applies a batch exactly as the
// tags one by one: a tag whose state already holds the transaction stays
// cached, one that lacks it is dropped, and a batch of a transaction
// marked as this instance's own is skipped.
func TestBatchHoldsAndOwnMarks(t *testing.T) {
	t.Parallel()
	schema := finalized(t)
	a := open(t, schema)
	b := open(t, schema)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	tok, err := b.AppendToken(ctx, consent.Grant("u-1", purpose.Payments, "bank", at), consent.Grant("u-2", purpose.Payments, "bank", at))
	require.NoError(t, err)
	seenToken(t, a, tok)
	// Cached after the transaction: their snapshots see it.
	for _, u := range []string{"u-1", "u-2"} {
		_, err := a.State(ctx, u)
		require.NoError(t, err)
	}
	_, meta := cachedMeta(t, a, "u-1")
	require.NotNil(t, meta)
	held := xidOf(t, tok)
	batch := batchPrefix + a.tag("u-1") + "," + a.tag("u-2")
	send := func(xid uint64, mark string) {
		t.Helper()
		conn, err := a.pool.Acquire(ctx)
		require.NoError(t, err)
		defer conn.Release()
		tx, err := conn.Begin(ctx)
		require.NoError(t, err)
		for _, p := range []string{signedHead(t, a, xid, mark), batch, fmt.Sprintf("%s%d", xidPrefix, xid)} {
			_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", schema, p)
			require.NoError(t, err)
		}
		require.NoError(t, tx.Commit(context.WithoutCancel(ctx)))
		require.Eventually(t, func() bool { return a.seen.has(xid) }, 5*time.Second, time.Millisecond)
	}
	gens := func() [2]uint64 { return [2]uint64{a.cache.Version("u-1"), a.cache.Version("u-2")} }

	g := gens()
	send(held, foreignMark)
	assert.Equal(t, g, gens(), "a batch the states hold dropped them")

	_, mark := a.ownMark()
	g = gens()
	notHeld := meta.snap.xmax + 1000
	send(notHeld, mark)
	assert.Equal(t, g, gens(), "a batch of an own transaction dropped the states")

	send(notHeld+1, foreignMark)
	after := gens()
	assert.NotEqual(t, g[0], after[0], "a batch the state lacks kept it")
	assert.NotEqual(t, g[1], after[1], "a batch the state lacks kept it")
}

// TestPayloadsSplit: tags are batched in order, each payload within
// PostgreSQL's limit, and parse back; without batching they go as they
// are.
func TestPayloadsSplit(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 242, batchTags, "doc.go names the figure")
	s := &Store{tags: newTagger([]byte("0123456789abcdef"))}
	for _, n := range []int{0, 1, 2, batchTags - 1, batchTags, batchTags + 1, 3 * batchTags, 1000} {
		tags := make([]string, n)
		for i := range tags {
			tags[i] = s.tag(fmt.Sprint("user-", i))
		}
		assert.Equal(t, tags, payloads(tags, false), "per tag")
		ps := payloads(tags, true)
		assert.Len(t, ps, (n+batchTags-1)/batchTags, "n=%d", n)
		var back []string
		for _, p := range ps {
			require.Less(t, len(p), 8000)
			ts, ok := parseBatch(p)
			require.True(t, ok)
			back = append(back, ts...)
		}
		if n == 0 {
			assert.Empty(t, back)
		} else {
			assert.Equal(t, tags, back, "n=%d", n)
		}
	}
}
