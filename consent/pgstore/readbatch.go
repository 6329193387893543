package pgstore

import (
	"context"
	"sync"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/internal/foldset"
)

// maxReadBatch bounds the users one grouped state read asks for.
const maxReadBatch = 256

// readTimeout bounds one grouped state read: it runs for several
// callers, so none of their contexts governs it.
const readTimeout = 30 * time.Second

// readBatcher groups concurrent cache misses into one query
// (WHERE subject = ANY($1)). At most runners reads run at once; misses
// that arrive while they are all busy wait and go together in the next
// read. Callers wait for their own result or their context.
type readBatcher struct {
	s       *Store
	ctx     context.Context // the store's: ended by Close
	mu      sync.Mutex
	pending []*readReq
	running int
	runners int

	// Figures, for Stats (and queued, for tests).
	reads, users, queued uint64
}

type readReq struct {
	ctx  context.Context
	user string
	done chan struct{}
	st   consent.State
	meta *stateMeta
	err  error
}

func newReadBatcher(ctx context.Context, s *Store, runners int) *readBatcher {
	return &readBatcher{s: s, ctx: ctx, runners: max(runners, 1)}
}

// get reads user's state, in one query with the other misses waiting,
// and the meta that says what it holds (nil if unknown).
func (b *readBatcher) get(ctx context.Context, user string) (consent.State, *stateMeta, error) {
	r := &readReq{ctx: ctx, user: user, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, r)
	b.queued++
	if b.running < b.runners {
		b.running++
		go b.run()
	}
	b.mu.Unlock()
	select {
	case <-r.done:
		return r.st, r.meta, r.err
	case <-ctx.Done():
		return consent.State{}, nil, b.s.wrap("state", ctx, ctx.Err())
	}
}

// run reads for the waiting misses until there are none.
func (b *readBatcher) run() {
	for {
		b.mu.Lock()
		var batch []*readReq
		for len(b.pending) > 0 && len(batch) < maxReadBatch {
			r := b.pending[0]
			b.pending[0] = nil
			b.pending = b.pending[1:]
			if r.ctx.Err() == nil { // its caller is gone: skip
				batch = append(batch, r)
			}
		}
		if len(batch) == 0 {
			b.running--
			if len(b.pending) == 0 {
				b.pending = nil // let the backing array go
			}
			b.mu.Unlock()
			return
		}
		b.reads++
		b.users += uint64(len(batch))
		b.mu.Unlock()
		b.read(batch)
	}
}

func (b *readBatcher) read(batch []*readReq) {
	users := make([]string, len(batch))
	for i, r := range batch {
		users[i] = r.user
	}
	set := foldset.New(users)
	ctx, cancel := context.WithTimeout(b.ctx, readTimeout)
	defer cancel()
	var snap string
	err := b.s.withReadSlot(ctx, func() error {
		rows, err := b.s.pool.Query(ctx, b.s.sql.bySubjectsAt, set.Subjects())
		if err != nil {
			return err
		}
		// In subject then log order: each user's events fold in order.
		return scanEventsAt(rows, b.s.interner(), &snap, set.Apply)
	})
	// Every user of the batch was read at the one snapshot (known when
	// any of them has events).
	meta := metaOf(snap)
	for _, r := range batch {
		if err != nil {
			r.err = b.s.wrap("state", r.ctx, err)
		} else {
			r.st, r.meta = set.State(r.user), meta
		}
		close(r.done)
	}
}

func (b *readBatcher) stats() (reads, users uint64) {
	if b == nil {
		return 0, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reads, b.users
}
