package pgstore

import (
	"context"
	"sync"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/internal/statecache"
)

const (
	// refreshQueue bounds the users waiting to be read again; beyond it
	// a refresh is dropped (the user is read on its next miss).
	refreshQueue = 4096
	// refreshers bounds the refreshes in flight; the read batcher groups
	// them into few queries.
	refreshers = 64
)

// scheduleRefresh queues t, a ticket for a user whose cached state
// another instance's change just invalidated, to be read again in the
// background, so that the next State of a hot user still finds it
// cached. A user with a refresh queued already is not queued again (that
// refresh reads under t; see statecache.Cache.RefreshLatest). It never
// blocks: when the queue is full the refresh is dropped (the user is read
// on its next miss).
func (s *Store) scheduleRefresh(t *statecache.Ticket) {
	if !s.cache.MarkQueued(t) {
		return
	}
	select {
	case s.refreshQ <- t:
		s.refreshes.Add(1)
	default:
		s.cache.Unqueued(t)
	}
}

// refresher reads the queued users again until ctx ends. Each read goes
// through the user's current ticket: the one the listener took when it
// invalidated the user (statecache.Cache.InvalidateTagForDelta), or the
// one a further change replaced it with (so a user that changes faster
// than the queue moves is still read). Any invalidation after the read
// began — a further change, this instance's own append, DropCached, a
// lost listener — voids it: a refresh never caches a state older than a
// change the instance has heard of, never replaces a newer one, and never
// brings back a user dropped after it was queued.
func (s *Store) refresher(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, refreshers)
	for {
		var t *statecache.Ticket
		select {
		case <-ctx.Done():
			return
		case t = <-s.refreshQ:
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if s.cfg.preRead != nil {
				s.cfg.preRead()
			}
			// State calls that miss meanwhile wait for this read
			// rather than read again.
			s.cache.RefreshLatest(t, func(cur *statecache.Ticket) (consent.State, any, error) {
				return s.reread(ctx, cur, cur.Key())
			})
		})
	}
}

// reread reads user under ticket t: as a delta from the state t carries
// when it carries one (a refresh queued by another instance's change),
// otherwise whole.
func (s *Store) reread(ctx context.Context, t *statecache.Ticket, user string) (consent.State, any, error) {
	if t != nil && !s.cfg.noDelta {
		if base, meta := s.cache.Base(t); meta != nil {
			st, m, err := s.delta(ctx, user, base, meta.(*stateMeta))
			return st, metaAny(m), err
		}
	}
	st, m, err := s.misses.get(ctx, user)
	return st, metaAny(m), err
}

// delta brings base, the state of user that held what meta says, forward
// to the log as a new snapshot sees it: it reads only the user's rows
// meta's snapshot did not see (less meta's own transactions, which base
// holds) and applies them in log order. The result holds every
// transaction the new snapshot sees, as a whole read at that snapshot
// would: Apply does not depend on order between events of different
// instants, and a new row dated at the instant of any other row of the
// user (held by the state or not, a void included) sends the user to a
// whole read instead: one instant's rows fold in seq order, and a row
// the old snapshot missed may sort before one it saw.
func (s *Store) delta(ctx context.Context, user string, base consent.State, meta *stateMeta) (consent.State, *stateMeta, error) {
	var (
		snap   string
		events []consent.Event
	)
	rctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	err := s.withReadSlot(rctx, func() error {
		rows, err := s.pool.Query(rctx, s.sql.delta, user, meta.snap.text, meta.ownArg())
		if err != nil {
			return err
		}
		return scanEventsAt(rows, s.interner(), &snap, func(e consent.Event) { events = append(events, e) })
	})
	if err != nil {
		return consent.State{}, nil, s.wrap("state", ctx, err)
	}
	s.deltas.Add(1)
	if len(events) == 0 {
		// Nothing new for the user: base is the state as of meta's
		// snapshot and as of the new one alike.
		return base, meta, nil
	}
	// No snapshot: a row shares its instant with another of the user's
	// (see the delta query); its place among them is the log's, not
	// after the state's.
	next := metaOf(snap)
	st, ok := applyAll(base, events)
	if next == nil || !ok {
		s.deltaWhole.Add(1)
		return s.misses.get(ctx, user)
	}
	return st, next, nil
}
