package pgstore

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/purpose"
)

// signedHead is the head of transaction xid with mark as the store's
// SQL sends it: "o:<xid><mark>/<MAC>".
func signedHead(t *testing.T, s *Store, xid uint64, mark string) string {
	t.Helper()
	head := fmt.Sprintf("%s%d%s", ownPrefix, xid, mark)
	return head + "/" + s.sealer.headMAC(head, macServerOf(t, s))
}

// foreignMark is the mark of a Store that is none of the test's.
const foreignMark = "/ffffffffffffffff.1"

// sentinel sends, as a transaction of its own, a head of another Store
// and the "x:" of transaction xid, and waits until s's listener has read
// it, and so every notification sent before.
func sentinel(t *testing.T, s *Store, channel string, xid uint64) {
	t.Helper()
	tx, err := s.pool.Begin(t.Context())
	require.NoError(t, err)
	for _, p := range []string{signedHead(t, s, xid, foreignMark), fmt.Sprintf("%s%d", xidPrefix, xid)} {
		_, err := tx.Exec(t.Context(), "SELECT pg_notify($1, $2)", channel, p)
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit(t.Context()))
	require.Eventually(t, func() bool { return s.seen.has(xid) }, 5*time.Second, time.Millisecond)
}

// settle waits until listener has read every notification committed
// before: it appends through writer and waits for that commit's "x:".
func settle(t *testing.T, listener, writer *Store) {
	t.Helper()
	tok, err := writer.AppendToken(t.Context(), consent.AcceptPolicy(fmt.Sprintf("settle-%d", time.Now().UnixNano()), "v1", time.Now()))
	require.NoError(t, err)
	seenToken(t, listener, tok)
}

// macServerOf reads the server's part of the heads' MACs as the store's
// listener does.
func macServerOf(t *testing.T, s *Store) string {
	t.Helper()
	var server string
	require.NoError(t, s.pool.QueryRow(t.Context(), s.sql.macServer).Scan(&server))
	return server
}

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

	other := newSealer([]byte("another table's key, 32 bytes.."))
	ev := consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Hour))
	batches := [][]consent.Event{{ev}}
	args := w.insertArgs(batches, []error{nil})
	before := a.Stats()
	b := &pgx.Batch{}
	b.Queue(w.sql.insertNew, args.args...)
	_, mark := w.ownMark()
	sealed, err := other.seal(mark, byUser(batches[0]))
	require.NoError(t, err)
	w.queueNotify(b, sealed, args.tags, mark)
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

// TestForgedNotificationsAreIgnored: a role that may connect but read
// no table (LISTEN and NOTIFY need no grant) sees the notifications and
// sends its own. It cannot name a transaction as the store's: events
// after a head without the MAC of the notify key are ignored, so no
// forged transaction is noted as held (which would hide the real one's
// change for good), and neither is an "x:" of a forged head (which would
// let a token's check skip its read). A captured head replayed before
// another commit's events does not open them; a whole commit replayed
// brings nothing new, and a signed commit of another server's history
// (a failover that lost it, a restore) does not check. The real
// withdrawal that follows is seen.
func TestForgedNotificationsAreIgnored(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema)
	b := open(t, schema)
	ctx := t.Context()
	user := "user-victim"
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)

	att := pgtest.DMLRole(t, schema, nil)
	_, err := att.Exec(ctx, "SELECT 1 FROM consent_meta")
	require.Error(t, err, "the attacker reads a table")
	raw := listenRaw(t, att, schema)
	// capture returns the notifications of b's next commit: its head,
	// its events, its tags.
	commit := func(ev consent.Event) (consent.Token, []string) {
		t.Helper()
		tok, err := b.AppendToken(ctx, ev)
		require.NoError(t, err)
		seenToken(t, a, tok)
		return tok, txPayloads(t, raw)
	}
	_, first := commit(consent.Grant(user, purpose.Payments, "bank", at))
	_, second := commit(consent.Grant("someone-else", purpose.Payments, "bank", at))
	require.True(t, strings.HasPrefix(first[1], eventsPrefix) && strings.HasPrefix(second[1], eventsPrefix))
	tok, _ := commit(consent.Grant(user, purpose.Payments, "bank", at.Add(time.Minute)))
	_, err = a.State(ctx, user)
	require.NoError(t, err)
	_, meta := cachedMeta(t, a, user)
	require.NotNil(t, meta)
	before := a.Stats()

	var curText string
	require.NoError(t, att.QueryRow(ctx, "SELECT pg_current_xact_id()::text").Scan(&curText))
	cur, err := strconv.ParseUint(curText, 10, 64)
	require.NoError(t, err)
	notify := func(payloads ...string) {
		t.Helper()
		tx, err := att.Begin(ctx)
		require.NoError(t, err)
		for _, p := range payloads {
			_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", schema, p)
			require.NoError(t, err)
		}
		require.NoError(t, tx.Commit(ctx))
	}
	// b's mark in its first commit's head, "o:<xid><mark>/<MAC>".
	head, _, _ := strings.Cut(first[0], "/")
	mark := strings.TrimPrefix(first[0], head)
	mark = mark[:strings.LastIndexByte(mark, '/')]
	// A commit of an abandoned timeline (lost in a failover, undone by a
	// restore), signed, with its events: a grant the log does not have.
	lostMark := "/" + b.nonce + ".999999"
	lost, err := b.sealer.seal(lostMark, byUser([]consent.Event{consent.Grant(user, purpose.Feedback, "bank", at.Add(30*time.Minute))}))
	require.NoError(t, err)
	elsewhere := macServerOf(t, a) + "1"
	const n = 20
	for i := range uint64(n) {
		ys := strconv.FormatUint(cur+1+i, 10)
		lostHead := ownPrefix + ys + lostMark
		notify(lostHead+"/"+a.sealer.headMAC(lostHead, elsewhere), lost[0], xidPrefix+ys)
		// One transaction each: PostgreSQL delivers a payload repeated
		// within a transaction once.
		notify(ownPrefix+ys, first[1], xidPrefix+ys)                                      // no mark, no MAC
		notify(ownPrefix+ys+mark, first[1], xidPrefix+ys)                                 // b's mark, no MAC
		notify(ownPrefix+ys+mark+"/"+strings.Repeat("0", macLen), first[1], xidPrefix+ys) // a made-up MAC
	}
	notify(first[0], second[1], xidPrefix+"1") // a captured head, another commit's events
	notify(first...)                           // a whole commit again
	// The listener has read all that once it reads b's next commit.
	tok2, _ := commit(consent.Grant("bystander", purpose.Payments, "bank", at))
	seenToken(t, a, tok2)

	_, meta = cachedMeta(t, a, user)
	require.NotNil(t, meta)
	for i := range uint64(n) {
		assert.False(t, meta.holds(cur+1+i), "forged transaction %d noted as held", i)
		assert.False(t, a.seen.has(cur+1+i), "forged transaction %d's x: trusted", i)
	}
	assert.True(t, meta.holds(xidOf(t, tok)))
	after := a.Stats()
	assert.Equal(t, before.NotifyApplied, after.NotifyApplied, "forged or replayed events applied")
	assert.Equal(t, before.NotifyBad+1, after.NotifyBad, "another commit's events opened under a captured head")
	assert.Equal(t, before.HeadsRefused+2*n, after.HeadsRefused, "heads with a made-up MAC or another server's")

	// The real withdrawal, whatever its xid, is seen, and stays seen.
	tok, _ = commit(consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Hour)))
	when := at.Add(2 * time.Hour)
	st, err := a.State(ctx, user)
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", when), "a withdrawal hidden by forged notifications")
	assert.False(t, st.Granted(purpose.Feedback, "bank", when), "a lost commit's grant applied")
	sameState(t, fresh(t, a, user), st, "after the withdrawal")
	w := open(t, schema, WithNotifyEvents(false))
	tok, err = w.AppendToken(ctx, consent.Grant(user, purpose.Support, "bank", at.Add(3*time.Hour)))
	require.NoError(t, err)
	seenToken(t, a, tok)
	st, _ = cachedMeta(t, a, user)
	assert.False(t, st.Granted(purpose.Payments, "bank", when), "a delta refresh skipped the withdrawal")
	sameState(t, fresh(t, a, user), st, "after a delta refresh")
}
