package pgstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// TestNotifiedEventsBringStatesForward shows WithNotifyEvents: another
// instance's Append reaches this instance's cached state in the
// notification, which brings it forward with no read of the database
// and to the log's state; a row dated at an instant the state holds
// still sends it to a read, a user not cached stays uncached, and an
// instance that ignores the events (an earlier version) follows the tags
// to the same state.
func TestNotifiedEventsBringStatesForward(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema)
	b := open(t, schema)
	old := open(t, schema, withIgnoreEvents())
	ctx := t.Context()
	user := "user-ne"
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	evs := []consent.Event{consent.AcceptPolicy(user, "v1", at)}
	for i := range 20 {
		evs = append(evs, consent.Grant(user, purpose.Payments, fmt.Sprint("r-", i%5), at.Add(time.Duration(i+1)*time.Second)))
	}
	tok, err := b.AppendToken(ctx, evs...)
	require.NoError(t, err)
	for _, s := range []*Store{a, old} {
		seenToken(t, s, tok)
		_, err = s.State(ctx, user)
		require.NoError(t, err)
		_, meta := cachedMeta(t, s, user)
		require.NotNil(t, meta)
	}

	type outcome int
	const (
		applied outcome = iota // from the notification, no read
		delta                  // a delta refresh, which read the user whole
	)
	step := func(name string, ev consent.Event, want outcome) {
		t.Helper()
		before, beforeOld := a.Stats(), old.Stats()
		tok, err := b.AppendToken(ctx, ev)
		require.NoError(t, err)
		seenToken(t, a, tok)
		seenToken(t, old, tok)
		st, meta := cachedMeta(t, a, user)
		sameState(t, fresh(t, a, user), st, name)
		require.NotNil(t, meta, name)
		assert.True(t, meta.holds(xidOf(t, tok)), name+": the state does not note the transaction")
		after := a.Stats()
		switch want {
		case applied:
			assert.Equal(t, before.NotifyApplied+1, after.NotifyApplied, name+": applied")
			assert.Equal(t, before.Deltas, after.Deltas, name+": delta refreshes")
			assert.Equal(t, before.MissReads, after.MissReads, name+": reads")
		case delta:
			assert.Equal(t, before.NotifyApplied, after.NotifyApplied, name+": applied")
			assert.Equal(t, before.Deltas+1, after.Deltas, name+": delta refreshes")
			assert.Equal(t, before.DeltaWhole+1, after.DeltaWhole, name+": whole reads")
		}
		assert.Equal(t, before.CacheMisses, after.CacheMisses, name+": misses")
		assert.Zero(t, after.NotifyBad)

		// The instance of an earlier version reads the change.
		st, _ = cachedMeta(t, old, user)
		sameState(t, fresh(t, old, user), st, name+", earlier version")
		afterOld := old.Stats()
		assert.Equal(t, beforeOld.Deltas+1, afterOld.Deltas, name+": earlier version's delta refreshes")
		assert.Zero(t, afterOld.NotifyApplied, name+": earlier version applied events")
	}
	step("a withdrawal", consent.Withdraw(user, purpose.Payments, "r-1", at.Add(time.Hour)), applied)
	step("a grant with a term", func() consent.Event {
		e := consent.Grant(user, purpose.Payments, "r-1", at.Add(2*time.Hour))
		e.Until = at.Add(3 * time.Hour)
		return e
	}(), applied)
	step("a row at an instant the state holds", consent.Withdraw(user, purpose.Payments, "r-1", at.Add(2*time.Hour)), delta)
	step("a withdrawal of acceptance", consent.WithdrawAcceptance(user, at.Add(4*time.Hour)), applied)

	// A user a does not cache is not read, nor cached, by the events.
	before := a.Stats()
	tok, err = b.AppendToken(ctx, consent.Grant("user-ne-cold", purpose.Payments, "bank", at))
	require.NoError(t, err)
	seenToken(t, a, tok)
	_, _, cached := a.cache.GetMeta("user-ne-cold")
	assert.False(t, cached)
	after := a.Stats()
	assert.Equal(t, before.NotifyApplied, after.NotifyApplied)
	assert.Equal(t, before.MissReads, after.MissReads)
}

// TestNotifiedEventsFillTheOwnList shows a hot user whose state takes
// more transactions from notifications than its meta lists (maxOwn): it
// is brought forward by a delta refresh, which starts the list anew,
// never by a read of the whole user.
func TestNotifiedEventsFillTheOwnList(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema)
	b := open(t, schema)
	ctx := t.Context()
	user := "user-hot"
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	tok, err := b.AppendToken(ctx, consent.AcceptPolicy(user, "v1", at))
	require.NoError(t, err)
	seenToken(t, a, tok)
	_, err = a.State(ctx, user)
	require.NoError(t, err)
	cachedMeta(t, a, user)
	before := a.Stats()
	for i := range maxOwn + 6 {
		tok, err = b.AppendToken(ctx, consent.Grant(user, purpose.Payments, "bank", at.Add(time.Duration(i+1)*time.Minute)))
		require.NoError(t, err)
	}
	seenToken(t, a, tok)
	st, meta := cachedMeta(t, a, user)
	sameState(t, fresh(t, a, user), st, "after the list filled")
	require.NotNil(t, meta)
	assert.True(t, meta.holds(xidOf(t, tok)))
	after := a.Stats()
	assert.GreaterOrEqual(t, after.Deltas-before.Deltas, uint64(1), "no delta refresh")
	assert.Equal(t, before.DeltaWhole, after.DeltaWhole, "read whole")
	assert.Equal(t, before.MissReads, after.MissReads, "read whole as a miss")
	assert.GreaterOrEqual(t, after.NotifyApplied-before.NotifyApplied, uint64(maxOwn))
}

// TestUnreadableEventsFallBackToTags: a notification of events that
// does not open (here sealed under another key, as by a writer on other
// tables sharing the channel by mistake) is counted and ignored, and the
// transaction's tags bring the state forward.
func TestUnreadableEventsFallBackToTags(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema)
	w := open(t, schema, WithCacheSize(0))
	ctx := t.Context()
	user := "user-bad"
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	tok, err := w.AppendToken(ctx, consent.Grant(user, purpose.Payments, "bank", at))
	require.NoError(t, err)
	seenToken(t, a, tok)
	_, err = a.State(ctx, user)
	require.NoError(t, err)
	cachedMeta(t, a, user)

	other, err := newSealer([]byte("another table's key, 32 bytes.."))
	require.NoError(t, err)
	ev := consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Hour))
	batches := [][]consent.Event{{ev}}
	args := w.insertArgs(batches, []error{nil})
	before := a.Stats()
	b := &pgx.Batch{}
	b.Queue(w.sql.insertNew, args.args...)
	w.queueNotify(b, other.seal(byUser(batches[0])), args.tags, "")
	require.NoError(t, w.pool.SendBatch(ctx, b).Close())

	require.Eventually(t, func() bool {
		st, err := a.State(ctx, user)
		return err == nil && !st.Granted(purpose.Payments, "bank", at.Add(2*time.Hour))
	}, 5*time.Second, time.Millisecond, "the withdrawal never reached the cached state")
	after := a.Stats()
	assert.Equal(t, before.NotifyBad+1, after.NotifyBad)
	assert.Equal(t, before.NotifyApplied, after.NotifyApplied)
	st, _ := cachedMeta(t, a, user)
	sameState(t, fresh(t, a, user), st, "by the tag")
}
