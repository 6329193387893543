package pgstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// onRecord reports whether an event with id is in s's log.
func onRecord(t *testing.T, s *Store, id string) bool {
	t.Helper()
	var n int
	require.NoError(t, s.pool.QueryRow(t.Context(), "SELECT count(*) FROM "+s.sql.events+" WHERE id = $1", id).Scan(&n))
	return n > 0
}

// TestFastCommitIsOneTransaction checks, on the server, what the
// one-round-trip commit relies on: the statements of one pgx batch (one
// pipeline, one Sync) run in one transaction, committed at the Sync, and
// an error anywhere in it rolls back all of it, notifications included.
func TestFastCommitIsOneTransaction(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	s := open(t, schema)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	ev := func(id string) []consent.Event {
		return []consent.Event{consent.Grant("user-ot", purpose.Payments, "bank", at, consent.WithID(id))}
	}
	conn, err := s.pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, "LISTEN "+pgx.Identifier{schema}.Sanitize())
	require.NoError(t, err)

	// Close reads every result, calling the queued callbacks, and
	// returns the first error.
	send := func(b *pgx.Batch) error { return s.pool.SendBatch(ctx, b).Close() }
	insert := func(b *pgx.Batch, ids ...string) {
		var batches [][]consent.Event
		for _, id := range ids {
			batches = append(batches, ev(id))
		}
		a := s.insertArgs(batches, make([]error, len(batches)))
		b.Queue(s.sql.insertNew, a.args...)
		_, mark := s.ownMark()
		s.queueNotify(b, s.sealEvents(mark, batches, make([]error, len(batches))), a.tags, mark)
	}

	t.Run("one transaction ID", func(t *testing.T) {
		b := &pgx.Batch{}
		insert(b, "ot-1")
		var x1, x2 string
		b.Queue("SELECT pg_current_xact_id()::text").QueryRow(func(r pgx.Row) error { return r.Scan(&x1) })
		b.Queue("SELECT pg_current_xact_id()::text").QueryRow(func(r pgx.Row) error { return r.Scan(&x2) })
		require.NoError(t, send(b))
		assert.NotEmpty(t, x1)
		assert.Equal(t, x1, x2, "statements of one batch ran in different transactions")
		assert.True(t, onRecord(t, s, "ot-1"))
	})
	t.Run("a later error rolls back the insert and its notifications", func(t *testing.T) {
		b := &pgx.Batch{}
		insert(b, "ot-2")
		b.Queue("SELECT 1/0")
		require.Error(t, send(b))
		assert.False(t, onRecord(t, s, "ot-2"), "insert of a failed batch committed")
	})
	t.Run("an ID on record fails the whole insert", func(t *testing.T) {
		b := &pgx.Batch{}
		insert(b, "ot-3", "ot-1")
		err := send(b)
		var pe *pgconn.PgError
		require.True(t, errors.As(err, &pe), "error %v", err)
		assert.Equal(t, uniqueViolation, pe.Code)
		assert.False(t, onRecord(t, s, "ot-3"))
	})
	t.Run("an ID twice fails the whole insert", func(t *testing.T) {
		b := &pgx.Batch{}
		insert(b, "ot-4", "ot-4")
		var pe *pgconn.PgError
		require.True(t, errors.As(send(b), &pe))
		assert.Equal(t, uniqueViolation, pe.Code)
		assert.False(t, onRecord(t, s, "ot-4"))
	})

	// The listening connection received the first batch's notifications
	// only: the failed ones' were rolled back with them.
	_, err = s.pool.Exec(ctx, "SELECT pg_notify($1, 'end')", schema)
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var got []string
	for len(got) == 0 || got[len(got)-1] != "end" {
		n, err := conn.Conn().WaitForNotification(wctx)
		require.NoError(t, err)
		got = append(got, n.Payload)
	}
	require.Len(t, got, 5, "notifications %q", got) // o:, e:, the tag, x:, end
}

// TestFastCommitRoundTrips shows the load-independent figure of the
// one-round-trip commit: appends of new events commit in one exchange
// each; a group that meets an ID on record takes the careful way, and its
// outcome is the careful way's (a repeat is skipped, a conflicting batch
// fails alone, the others commit).
func TestFastCommitRoundTrips(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	s := open(t, schema)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	const n = 20
	for i := range n {
		require.NoError(t, s.Append(ctx, consent.Grant(fmt.Sprintf("user-rt-%d", i%3), purpose.Payments, "bank", at.Add(time.Duration(i)*time.Second), consent.WithID(fmt.Sprintf("rt-%d", i)))))
	}
	st := s.Stats()
	assert.Equal(t, uint64(n), st.Commits)
	assert.Equal(t, st.Commits, st.CommitRoundTrips, "round trips per commit")
	assert.Zero(t, st.Fallbacks)

	user := "user-rt-x"
	good := []consent.Event{consent.Grant(user, purpose.Payments, "bank", at, consent.WithID("rt-good"))}
	conflicting := []consent.Event{consent.Grant(user, purpose.Payments, "other", at, consent.WithID("rt-2"))}
	repeat := []consent.Event{consent.Grant("user-rt-1", purpose.Payments, "bank", at.Add(time.Second), consent.WithID("rt-1"))}
	twice := []consent.Event{consent.Grant(user, purpose.Payments, "shop", at, consent.WithID("rt-twice"))}
	for _, tc := range []struct {
		name    string
		batches [][]consent.Event
		fail    []bool
	}{
		{"a conflicting batch fails alone", [][]consent.Event{good, conflicting, repeat}, []bool{false, true, false}},
		{"an ID twice in the group", [][]consent.Event{twice, twice}, []bool{false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Stats()
			xids, errs := s.commitGroup(ctx, tc.batches)
			for i, fail := range tc.fail {
				if fail {
					assert.ErrorIs(t, errs[i], consent.ErrConflict, "batch %d", i)
				} else {
					require.NoError(t, errs[i], "batch %d", i)
					assert.NotZero(t, xids[i])
				}
			}
			after := s.Stats()
			assert.Equal(t, before.Fallbacks+1, after.Fallbacks)
			assert.GreaterOrEqual(t, after.CommitRoundTrips-before.CommitRoundTrips, uint64(3))
		})
	}
	assert.True(t, onRecord(t, s, "rt-good"))
	hist, err := s.History(ctx, user)
	require.NoError(t, err)
	assert.Len(t, hist, 2, "the good batch and the repeated one, each once")
	hist, err = s.History(ctx, "user-rt-1")
	require.NoError(t, err)
	assert.Len(t, hist, 7, "the repeat was not written again")
}

// TestOwnMarks shows how the listener tells this instance's own
// transactions: only a live mark of this Store skips the tags that follow;
// a mark removed (its commit failed, perhaps after committing), another
// Store's mark, a malformed one and no mark at all let them drop the
// cached state.
func TestOwnMarks(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema, WithRefresh(false))
	b := open(t, schema)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	user := "user-om"
	tok, err := a.AppendToken(ctx, consent.AcceptPolicy(user, "v1", at))
	require.NoError(t, err)
	seenToken(t, a, tok)

	_, liveMark := a.ownMark()
	removed, removedMark := a.ownMark()
	a.owned.remove(removed)
	_, otherMark := b.ownMark()
	assert.True(t, a.isOwn(liveMark[1:]))
	assert.False(t, a.isOwn(removedMark[1:]))
	assert.False(t, a.isOwn(otherMark[1:]))
	assert.False(t, a.isOwn(a.nonce))
	assert.False(t, a.isOwn(a.nonce+".x"))

	for i, tc := range []struct {
		name  string
		mark  string
		stays bool
	}{
		{"live mark", liveMark, true},
		{"removed mark", removedMark, false},
		{"another store's mark", otherMark, false},
		{"malformed mark", "/" + a.nonce, false},
		{"no mark", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.State(ctx, user)
			require.NoError(t, err)
			_, ok := a.cache.Get(user)
			require.True(t, ok, "not cached")
			// One transaction, as a commit sends them, with a made-up
			// transaction ID that names it in "x:".
			xid := uint64(1<<40 + i)
			tx, err := a.pool.Begin(ctx)
			require.NoError(t, err)
			for _, p := range []string{signedHead(t, a, xid, tc.mark), a.tag(user), fmt.Sprintf("%s%d", xidPrefix, xid)} {
				_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", schema, p)
				require.NoError(t, err)
			}
			require.NoError(t, tx.Commit(ctx))
			sentinel(t, a, schema, xid+1<<20)
			_, ok = a.cache.Get(user)
			if tc.stays {
				assert.True(t, ok, "own tags dropped the state")
			} else {
				assert.False(t, ok, "tags not of a live own mark were skipped")
			}
		})
	}
}
