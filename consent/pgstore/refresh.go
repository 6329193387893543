package pgstore

import (
	"context"
	"sync"

	"github.com/yasam/privacy/consent"
)

const (
	// refreshQueue bounds the users waiting to be read again; beyond it
	// a refresh is dropped (the user is read on its next miss).
	refreshQueue = 4096
	// refreshers bounds the refreshes in flight; the read batcher groups
	// them into few queries.
	refreshers = 64
)

// scheduleRefresh queues user, whose cached state another instance's
// change just invalidated, to be read again in the background, so that
// the next State of a hot user still finds it cached. It never blocks.
func (s *Store) scheduleRefresh(user string) {
	select {
	case s.refreshQ <- user:
		s.refreshes.Add(1)
	default:
	}
}

// refresher reads the queued users again until ctx ends. Each read goes
// through a ticket taken before it (statecache.Cache.Refresh), so a further
// invalidation, or this instance's own append, that comes before it ends
// voids it: a refresh never caches a state older than a change the
// instance has heard of, and never replaces a newer one.
func (s *Store) refresher(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, refreshers)
	for {
		var user string
		select {
		case <-ctx.Done():
			return
		case user = <-s.refreshQ:
		}
		if s.cache.Version(user) != 0 || !s.serving() {
			continue // cached again already, or the cache is not answering
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		tag := s.tag(user)
		wg.Go(func() {
			defer func() { <-sem }()
			// State calls that miss meanwhile wait for this read
			// rather than read again.
			s.cache.Refresh(user, tag, func() (consent.State, error) { return s.misses.get(ctx, user) })
		})
	}
}
