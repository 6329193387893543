package pgstore

import (
	"context"
	"fmt"

	"github.com/yasam/privacy/consent"
)

// warmChunk is how many events one query of [Store.Warm] reads.
const warmChunk = 20000

// errWarmVoided ends a warm-up whose fill was voided: the listener was
// lost, or more changes came during it than the fill can track.
var errWarmVoided = fmt.Errorf("pgstore: warm: %w: the listener was lost or too many changes came during the warm-up", consent.ErrUnavailable)

// Warm fills the cache from the log, so that a freshly started instance
// answers from memory instead of reading the database on its first Check
// of each user. It reads the events of every user in order of user ID
// (then log order), in chunks of a few tens of thousands of events, each
// one query over the subject index, folds each user's events into a
// state, and caches it, until the cache is full, limit users were read
// (limit <= 0: no limit but the cache's size), or the log ends. It never
// evicts: states already cached (by traffic, or an earlier Warm) stay,
// and filled states are the first to go when traffic needs room. It
// returns how many states it cached.
//
// Warm is safe beside traffic, appends and other instances: every
// invalidation that reaches this instance while Warm runs (another
// instance's notification, this instance's own append) is recorded, and
// the users it names are not filled, so Warm never caches a state older
// than a change this instance has heard of; a change it has not heard of
// yet invalidates the filled state when its notification arrives, as for
// any cached state. Losing the listener ends Warm with an error wrapping
// [consent.ErrUnavailable] (the cache is cleared then anyway); so does a
// listener that is not up when Warm starts. Without a cache Warm does
// nothing. Each chunk holds one of the connections state reads may use.

func (s *Store) Warm(ctx context.Context, limit int) (int, error) {
	if err := s.check(ctx, "warm"); err != nil {
		return 0, err
	}
	if s.cache == nil {
		return 0, nil
	}
	// Recording starts before the first chunk's snapshot, and only while
	// the listener is up: a notification missed before it was up would
	// not be recorded.
	f := s.cache.BeginFill()
	defer f.End()
	if !s.serving() {
		return 0, fmt.Errorf("pgstore: warm: %w: the listener is down", consent.ErrUnavailable)
	}
	var (
		cached    int
		read      int
		after     string
		inclusive bool // the last chunk stopped inside user after: read it again
	)
	chunk := warmChunk
	if s.cfg.warmChunk > 0 {
		chunk = s.cfg.warmChunk
	}
	full := func() bool { return f.Room() == 0 || (limit > 0 && read >= limit) }
	var meta *stateMeta // the current chunk's snapshot
	put := func(st consent.State) {
		read++
		if f.PutMeta(st.Subject(), s.tag(st.Subject()), st, metaAny(meta)) {
			cached++
		}
	}
	for chunks := 0; !full(); chunks++ {
		q := s.sql.scanAfter
		if inclusive {
			q = s.sql.scanFrom
		}
		var (
			cur      consent.Folder
			subjects int
			n        int
		)
		var snap string
		meta = nil
		err := s.withReadSlot(ctx, func() error {
			rows, err := s.pool.Query(ctx, q, after, chunk)
			if err != nil {
				return err
			}
			return scanEventsAt(rows, s.interner(), &snap, func(e consent.Event) {
				n++
				if n == 1 {
					meta = metaOf(snap)
					if s.cfg.warmHook != nil {
						s.cfg.warmHook(chunks)
					}
				}
				if cur.Subject() != e.Subject {
					if subjects > 0 && !full() {
						put(cur.State())
					}
					subjects++
					cur = consent.NewFolder(consent.NewState(e.Subject))
				}
				cur.Apply(e)
			})
		})
		if err != nil {
			return cached, s.wrap("warm", ctx, err)
		}
		if f.Voided() {
			return cached, errWarmVoided
		}
		switch {
		case n == 0:
			return cached, nil
		case n < chunk: // the log's end: the last user is whole
			if !full() {
				put(cur.State())
			}
			return cached, nil
		case subjects == 1:
			// One user with more events than a chunk: read it alone.
			st, err := s.readState(ctx, "warm", cur.Subject())
			if err != nil {
				return cached, err
			}
			meta = nil // read at another snapshot, not noted
			put(st)
			after, inclusive = cur.Subject(), false
		default:
			// The last user may go on in the next chunk.
			after, inclusive = cur.Subject(), true
		}
	}
	if f.Voided() {
		return cached, errWarmVoided
	}
	return cached, nil
}

// withReadSlot runs fn holding one of the connections state reads may
// use (all of the pool's but one, which stays for group commits).
func (s *Store) withReadSlot(ctx context.Context, fn func() error) error {
	if s.reads != nil {
		select {
		case s.reads <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-s.reads }()
	}
	return fn()
}

// readState reads and folds user's events (no cache), holding a read
// slot; op names the operation in errors.
func (s *Store) readState(ctx context.Context, op, user string) (consent.State, error) {
	f := consent.NewFolder(consent.NewState(user))
	err := s.withReadSlot(ctx, func() error {
		rows, err := s.pool.Query(ctx, s.sql.history, user)
		if err != nil {
			return err
		}
		return scanEvents(rows, s.interner(), f.Apply)
	})
	if err != nil {
		return consent.State{}, s.wrap(op, ctx, err)
	}
	return f.State(), nil
}
