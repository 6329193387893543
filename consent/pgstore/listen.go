package pgstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/internal/sqlutil"
)

// allTag in a notification's payload clears every instance's cache, for
// an operator who changed the table by hand:
//
//	SELECT pg_notify('privacy_consent', '*');
const allTag = "*"

// serving reports whether the cache may answer: the listener is LISTENing
// and was heard from (a notification or a heartbeat) within the heartbeat
// interval. Otherwise a notification may have been missed.
func (s *Store) serving() bool {
	return s.up.Load() && int64(time.Since(s.epoch)) < s.leaseUntil.Load()
}

func (s *Store) renew() {
	s.leaseUntil.Store(int64(time.Since(s.epoch) + s.cfg.heartbeat))
}

// setDown stops the cache from answering and forgets it, voiding the loads
// in flight: whatever was appended while nobody listened is unknown.
func (s *Store) setDown() {
	s.up.Store(false)
	s.cache.Clear()
}

// run keeps a listener connection up until ctx is done, reconnecting with
// backoff. first is closed after the first attempt, whatever its outcome.
func (s *Store) run(ctx context.Context, first chan struct{}) {
	defer close(s.done)
	var once sync.Once
	firstDone := func() { once.Do(func() { close(first) }) }
	defer firstDone()
	backoff := s.cfg.minBackoff
	for {
		wasUp, err := s.listen(ctx, firstDone)
		s.setDown()
		firstDone()
		if ctx.Err() != nil {
			return
		}
		if wasUp {
			backoff = s.cfg.minBackoff
		}
		s.cfg.logger.Warn("pgstore: consent listener lost; cache bypassed until it is back", "err", sqlutil.RedactConnect(err), "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		case <-s.kick:
		}
		backoff = min(backoff*2, s.cfg.maxBackoff)
	}
}

// listen connects, LISTENs, and then applies notifications until the
// connection fails or ctx is done. It reports whether it got as far as
// LISTENing.
func (s *Store) listen(ctx context.Context, ready func()) (bool, error) {
	conn, err := pgx.ConnectConfig(ctx, s.listenC)
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.cfg.channel}.Sanitize()); err != nil {
		return false, err
	}
	s.listenerPID.Store(conn.PgConn().PID())
	// The heads' MACs name this server as the writers' statements see it.
	var server string
	if err := conn.QueryRow(ctx, s.sql.macServer).Scan(&server); err != nil {
		return false, err
	}
	// The fleet may have been finalized while the listener was away.
	if err := s.readFormat(ctx, conn); err != nil {
		return false, err
	}
	formatAt := time.Now()
	// Entries cached before this point may have missed notifications,
	// and transactions seen before may be gone (a failover that lost
	// commits) and their IDs given again.
	s.cache.Clear()
	s.seen.clear()
	s.renew()
	s.up.Store(true)
	s.cfg.logger.Info("pgstore: consent listener up", "channel", s.cfg.channel)
	ready()

	// Wait a third of the heartbeat, ping for at most a third: a healthy
	// connection renews its lease well before it runs out.
	step := s.cfg.heartbeat / 3
	// skipPID is the backend of a transaction this instance committed
	// and applied to its cache itself (write-through), between its "o:"
	// and "x:" notifications: its tags are skipped. Any other
	// notification ends the skip, so at worst a tag invalidates.
	var skipPID uint32
	// curXID is the transaction whose tags come now (from curPID), named
	// by its "o:" notification; 0 when unknown.
	var curXID uint64
	var curPID uint32
	// curChecked: transaction curXID's head ended in a valid MAC (see
	// sealer.checkHead), so it is one of the store's: only then are its
	// events read (with its mark, curMark) and its "x:" trusted. Any role
	// that may connect can NOTIFY.
	var curChecked bool
	var curMark string
	holds := func(m any) bool { return m.(*stateMeta).holds(curXID) }
	// applied are the tags of the users of transaction curXID brought
	// forward from its notified events: their tags are skipped.
	applied := make(map[string]bool)
	reset := func() {
		curXID, curChecked, curMark = 0, false, ""
		clear(applied)
	}
	// The wait for a notification is bounded by a read deadline on the
	// connection rather than a context: a context with a deadline costs
	// allocations (the context and its timer), and pgx a watch of it,
	// for every notification, which on a busy fleet is thousands a
	// second; a deadline re-arms the poller's timer and allocates
	// nothing. ctx's end moves the deadline to now, so Close does not
	// wait out a step.
	nc := conn.PgConn().Conn()
	stop := context.AfterFunc(ctx, func() { nc.SetReadDeadline(time.Now()) })
	defer stop()
	wait := func() (*pgconn.Notification, error) {
		if err := nc.SetReadDeadline(time.Now().Add(step)); err != nil {
			return nil, err
		}
		// Other statements on the connection (the ping) set their own
		// bounds: none may find this one.
		defer nc.SetReadDeadline(time.Time{})
		if err := ctx.Err(); err != nil { // ended before the deadline was set
			return nil, err
		}
		return conn.WaitForNotification(context.Background())
	}
	for {
		n, err := wait()
		if err == nil && n == nil {
			// pgx kept no notification for this connection: never
			// expected (New clears any handler), but a listener that
			// cannot read notifications must not serve the cache.
			return true, errors.New("pgstore: listener connection returned no notification")
		}
		switch {
		case err == nil:
			s.renew()
			if skipPID != 0 && n.PID != skipPID {
				skipPID = 0
			}
			if n.PID != curPID {
				reset()
			}
			switch {
			case n.Payload == allTag:
				skipPID = 0
				reset()
				s.cache.Clear()
			case strings.HasPrefix(n.Payload, ownPrefix):
				skipPID = 0
				// "o:<xid>", or "o:<xid>/<mark>" from an instance
				// that applies the transaction to its cache itself,
				// which this version's instances end in "/<MAC>".
				head, checked, signed := s.sealer.checkHead(n.Payload, server)
				if signed && !checked {
					s.headRefused()
				}
				xid, mark, ok := strings.Cut(head[len(ownPrefix):], "/")
				if ok && s.isOwn(mark) {
					skipPID = n.PID
				}
				reset()
				curPID = n.PID
				if x, err := strconv.ParseUint(xid, 10, 64); err == nil {
					curXID, curChecked = x, checked
					if checked && ok {
						curMark = "/" + mark
					}
				}
			case strings.HasPrefix(n.Payload, xidPrefix):
				// The last notification of a transaction: its tags
				// are applied. Tokens trust it only after a head of the
				// store's with a mark, a group commit's, which sends one
				// per transaction (an AppendTx sends none, and two in
				// one host transaction send identical ones, which
				// PostgreSQL delivers once; an earlier version's head,
				// or a forged one, costs a token a read too).
				if xid, err := strconv.ParseUint(n.Payload[len(xidPrefix):], 10, 64); err == nil && curChecked && curMark != "" && xid == curXID {
					s.seen.add(xid)
				}
				skipPID = 0
				reset()
			case strings.HasPrefix(n.Payload, batchPrefix):
				// Many tags, from a finalized fleet (payloads).
				tags, ok := parseBatch(n.Payload)
				switch {
				case !ok:
					// Unreadable: any user may have changed.
					skipPID = 0
					reset()
					s.cache.Clear()
					s.cfg.logger.Warn("pgstore: malformed consent notification; cache cleared", "bytes", len(n.Payload))
				case skipPID != 0:
					// This instance's own transaction: already applied.
				default:
					for _, t := range tags {
						if !applied[t] {
							s.changed(t, holds)
						}
					}
				}
			case strings.HasPrefix(n.Payload, eventsPrefix):
				// Events of transaction curXID (see WithNotifyEvents).
				// Unreadable ones are ignored: the tags that follow
				// tell of the change.
				if skipPID == 0 && curMark != "" && s.cfg.refresh && !s.cfg.ignoreEvents {
					s.applyEvents(n.Payload, curXID, curMark, applied)
				}
			case skipPID != 0:
				// This instance's own transaction: already applied.
			default:
				if !applied[n.Payload] {
					s.changed(n.Payload, holds)
				}
			}
			if !s.batched.Load() && time.Since(formatAt) >= s.cfg.heartbeat {
				// A busy listener is never idle for the check below.
				fctx, cancel := context.WithTimeout(ctx, step)
				err := s.readFormat(fctx, conn)
				cancel()
				if err != nil {
					return true, err
				}
				formatAt = time.Now()
			}
			continue
		case ctx.Err() != nil:
			return true, ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err):
			return true, err
		}
		pctx, cancel := context.WithTimeout(ctx, step)
		if s.batched.Load() {
			err = conn.Ping(pctx)
		} else {
			// The ping reads whether the fleet was finalized.
			err = s.readFormat(pctx, conn)
			formatAt = time.Now()
		}
		cancel()
		if err != nil {
			return true, err
		}
		s.renew()
	}
}

// applyEvents brings the cached states of the users in payload, a
// notification of transaction xid's events, forward by applying them, as
// this instance's own Appends do (writeThrough): a state whose meta
// holds xid stays as it is, any other takes the events, unless one is
// dated at an instant the state holds, or its meta cannot list xid: it
// is then refreshed, as if its tag had come. Each user handled has its
// tag put in applied, so that the transaction's tags skip it. A user not
// cached, or cached without a snapshot (no meta), is left to its tag,
// which voids a read in flight and has a state without snapshot read
// again.
func (s *Store) applyEvents(payload string, xid uint64, mark string, applied map[string]bool) {
	users, err := s.sealer.open(payload, mark, s.interner())
	if err != nil {
		// Anyone who may connect can replay a head before the wrong
		// events: a warning a minute at most.
		if n, warn := s.notifyBad.add(time.Since(s.epoch)); warn {
			s.cfg.logger.Warn("pgstore: unreadable consent events notification; its tags apply", "bytes", len(payload), "unreadable_so_far", n)
		}
		return
	}
	holds := func(m any) bool { return m.(*stateMeta).holds(xid) }
	for _, u := range users {
		events := u.events
		handled, ok, t := s.cache.UpdateMetaIfCached(u.subject, func(st consent.State, meta any) (consent.State, any, bool) {
			next := meta.(*stateMeta).withOwn(xid)
			if next == nil {
				return st, nil, false
			}
			st, ok := applyAll(st, events)
			return st, next, ok
		}, holds)
		if !handled {
			continue
		}
		if t != nil {
			s.scheduleRefresh(t)
		}
		if ok {
			s.notifyApplied.Add(1)
		}
		applied[s.tag(u.subject)] = true
	}
}

// headRefused counts a transaction head whose MAC did not check, and
// warns at most once a minute: a forged head, or, when every head fails,
// a listener that sees another server or other tables than the writers
// (a pooler sending its queries to a standby, a search_path the
// listener's connection lacks), which leaves events unread and tokens
// read from the database.
func (s *Store) headRefused() {
	if n, warn := s.headsRefused.add(time.Since(s.epoch)); warn {
		s.cfg.logger.Warn("pgstore: consent notification head does not check; its events are ignored", "refused_so_far", n)
	}
}

// warnCount counts a fault that anyone who may connect can cause, and
// says when to warn of it: the first time, then at most once a minute.
// add is the listener's alone; the count may be read by any goroutine.
type warnCount struct {
	n      atomic.Uint64
	warned time.Duration // since the store's epoch
}

// add counts one more at now (since the store's epoch), and returns the
// count and whether to warn.
func (w *warnCount) add(now time.Duration) (uint64, bool) {
	n := w.n.Add(1)
	if n == 1 || now-w.warned >= time.Minute {
		w.warned = now
		return n, true
	}
	return n, false
}

// changed applies a notification that the user tag names changed: the
// cached state is dropped, unless it already holds the transaction
// (holds), and, with [WithRefresh], queued to be read again.
func (s *Store) changed(tag string, holds func(any) bool) {
	if !s.cfg.refresh {
		s.cache.InvalidateTag(tag)
	} else if t := s.cache.InvalidateTagForDelta(tag, holds); t != nil {
		s.scheduleRefresh(t)
	}
}

// seenXIDs remembers the most recent transactions whose notifications the
// listener applied, so that a token naming one needs no database round
// trip. Bounded: the oldest are forgotten (a forgotten token costs a
// read).
type seenXIDs struct {
	mu   sync.Mutex
	ring []uint64
	next int
	set  map[uint64]int // xid → how many ring slots hold it
}

func (x *seenXIDs) init(n int) {
	x.ring = make([]uint64, n)
	x.set = make(map[uint64]int, n)
}

func (x *seenXIDs) add(xid uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if old := x.ring[x.next]; old != 0 {
		if x.set[old]--; x.set[old] <= 0 {
			delete(x.set, old)
		}
	}
	x.ring[x.next] = xid
	x.set[xid]++
	x.next = (x.next + 1) % len(x.ring)
}

// remove forgets xid (its ring slots stay until overwritten).
func (x *seenXIDs) remove(xid uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.set, xid)
}

// clear forgets every transaction.
func (x *seenXIDs) clear() {
	x.mu.Lock()
	defer x.mu.Unlock()
	clear(x.ring)
	clear(x.set)
	x.next = 0
}

func (x *seenXIDs) has(xid uint64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.set[xid] > 0
}
