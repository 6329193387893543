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
// cached. It never blocks: when the queue is full the refresh is dropped
// (the user is read on its next miss).
func (s *Store) scheduleRefresh(t *statecache.Ticket) {
	select {
	case s.refreshQ <- t:
		s.refreshes.Add(1)
	default:
	}
}

// refresher reads the queued users again until ctx ends. Each read goes
// through the ticket the listener took when it invalidated the user
// (statecache.Cache.InvalidateTagForRefresh), so any later invalidation —
// a further change, this instance's own append, DropCached, a lost
// listener — voids it: a refresh never caches a state older than a change
// the instance has heard of, never replaces a newer one, and never brings
// back a user dropped after it was queued.
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
			// State calls that miss meanwhile wait for this read
			// rather than read again.
			s.cache.Refresh(t, func() (consent.State, error) { return s.misses.get(ctx, t.Key()) })
		})
	}
}
