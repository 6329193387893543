package groupcommit

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Commit writes items in one transaction and returns one result and one
// error per item: an item may fail alone (a conflict) while the others
// commit. ctx is not the callers': it is the leader's, without its
// cancellation, bounded by the group's timeout.
type Commit[T, R any] func(ctx context.Context, items []T) ([]R, []error)

// Group queues items for [Commit]. Create it with [New].
type Group[T, R any] struct {
	commit  Commit[T, R]
	max     int
	timeout time.Duration

	mu      sync.Mutex
	queue   []*call[T, R]
	leading bool // a caller is committing, or was told to lead
	// The last group's size, with the calls that queued while it
	// committed, and its commit time. A leader that finds fewer calls
	// queued than that waits, up to half that time, for the last group's
	// callers to come back with their next items: without it, groups
	// alternate between full and nearly empty.
	last    int
	lastDur time.Duration
	want    int           // gathering: wake the leader at this queue length
	ready   chan struct{} // closed when the queue reaches want
}

// maxGather bounds how long a leader waits for a group to fill.
const maxGather = time.Millisecond

type call[T, R any] struct {
	item T
	lead chan struct{} // closed: this call leads the next group
	done chan struct{} // closed: res and err are set
	res  R
	err  error
}

// New returns a group that commits at most size items per transaction (at
// least 1), each transaction bounded by timeout.
func New[T, R any](commit Commit[T, R], size int, timeout time.Duration) *Group[T, R] {
	return &Group[T, R]{commit: commit, max: max(size, 1), timeout: timeout}
}

// Do queues item and returns its result once its group committed (or
// failed). A call whose ctx ends while it waits in the queue is dropped,
// unwritten, with ctx's error; once its group has started, it returns the
// group's outcome, so an error means the item was not written.
func (g *Group[T, R]) Do(ctx context.Context, item T) (R, error) {
	c := &call[T, R]{item: item, lead: make(chan struct{}), done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if g.want > 0 && len(g.queue) >= g.want {
		close(g.ready)
		g.want = 0
	}
	if !g.leading {
		g.leading = true
		g.mu.Unlock()
		g.run(ctx)
		return c.res, c.err
	}
	g.mu.Unlock()
	select {
	case <-c.done:
		return c.res, c.err
	case <-c.lead:
		g.run(ctx)
		return c.res, c.err
	case <-ctx.Done():
	}
	g.mu.Lock()
	if i := slices.Index(g.queue, c); i >= 0 {
		select {
		case <-c.lead:
			// Told to lead just now: the queue waits on it.
		default:
			g.queue = slices.Delete(g.queue, i, i+1)
			g.mu.Unlock()
			var zero R
			return zero, ctx.Err()
		}
	}
	g.mu.Unlock()
	select {
	case <-c.done:
	case <-c.lead:
		g.run(ctx)
	}
	return c.res, c.err
}

// run commits one group, the head of the queue (the leader's own call is
// the head), then passes the lead on or gives it up.
func (g *Group[T, R]) run(ctx context.Context) {
	g.mu.Lock()
	if want := min(g.last, g.max); want > 1 && len(g.queue) < want {
		g.want, g.ready = want, make(chan struct{})
		ready := g.ready
		g.mu.Unlock()
		t := time.NewTimer(min(g.lastDur/2, maxGather))
		select {
		case <-ready:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		g.mu.Lock()
		g.want = 0
	}
	n := min(len(g.queue), g.max)
	group := slices.Clone(g.queue[:n])
	g.queue = slices.Delete(g.queue, 0, n)
	g.mu.Unlock()

	items := make([]T, len(group))
	for i, c := range group {
		items[i] = c.item
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.timeout)
	start := time.Now()
	res, errs := g.commit(cctx, items)
	dur := time.Since(start)
	cancel()
	for i, c := range group {
		if i < len(res) {
			c.res = res[i]
		}
		if i < len(errs) {
			c.err = errs[i]
		}
		close(c.done)
	}

	g.mu.Lock()
	// Callers that queued during the commit were as concurrent as the
	// group's own: the next leader waits (as bounded above) for that many,
	// so that steady concurrent callers commit in full groups rather than
	// a group that leaves a few behind for a small one.
	g.last, g.lastDur = len(group)+len(g.queue), dur
	if len(g.queue) > 0 {
		close(g.queue[0].lead)
	} else {
		g.leading = false
	}
	g.mu.Unlock()
}
