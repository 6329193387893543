package ledger

import (
	"context"
	"fmt"
	"iter"
	"sync"
)

// Store keeps a chain of entries. Implementations must be safe for
// concurrent use by multiple goroutines and pass
// disclosure/ledger/ledgertest.
//
// A Store keeps what it is given; the [Ledger] builds the chain. The one
// rule a Store enforces is compare-and-append, so that any number of
// ledgers, in any number of processes, can share it and the chain stays
// linear.
type Store interface {
	// Append writes entries after the current head, atomically: all of
	// them or, on any error, none. It checks them with [CheckAppend] under
	// the same lock or transaction as the write, so it returns an error
	// wrapping [ErrConflict] when the first entry does not continue the
	// head (its Seq is not head.Seq+1 or its PrevHash not head.Hash).
	Append(ctx context.Context, entries []Entry) error
	// Head returns the last entry's sequence number and hash; the zero
	// Head when the chain is empty.
	Head(ctx context.Context) (Head, error)
	// Scan yields the entries with Seq >= from in Seq order, as stored,
	// stopping at the first error (which it yields with a zero Entry). An
	// entry that cannot be decoded is reported as a [*TamperError] with
	// [ReasonMalformed].
	Scan(ctx context.Context, from uint64) iter.Seq2[Entry, error]
	// Subject returns the entries about one subject in Seq order; none,
	// not an error, for a subject without entries. It is an index read
	// that checks nothing: [Ledger.Subject] walks the chain instead, so
	// that a row taken out of the index by tampering is reported.
	Subject(ctx context.Context, subject string) ([]Entry, error)
}

// ChainAppender is a [Store] that can also chain entries itself: under the
// lock or in the transaction that makes its append atomic, AppendChained
// reads the head on record, numbers, links and hashes entries after it
// (their other fields as given, At included), writes them, and returns
// them as written. [Ledger.Record] uses it when an append was refused for a
// head that moved (another instance appended first): a contended store
// then costs one refused attempt instead of a retry loop. Entries must
// pass [CheckAppend] once chained; the error wraps [ErrInvalidEntry] if
// not.
type ChainAppender interface {
	Store
	AppendChained(ctx context.Context, entries []Entry) ([]Entry, error)
}

// DecisionReader is a [Store] that can also read the entries of one
// decision through an index, as Subject does for one subject. With it,
// [Ledger.ByDecision] checks only the decision's entries and what was
// appended since its last call (see [WithVerifiedIndex]); without it,
// ByDecision walks the whole chain.
type DecisionReader interface {
	Store
	// Decision returns the entries whose DecisionID is id, in Seq order;
	// none, not an error, for an ID without entries. Like Subject it is
	// an index read that checks nothing.
	Decision(ctx context.Context, id string) ([]Entry, error)
}

// MemoryStore is a [Store] in memory, for tests and examples; its chain
// lasts as long as the process. It is safe for concurrent use by multiple
// goroutines. The zero value is not usable; call [NewMemoryStore].
type MemoryStore struct {
	mu        sync.RWMutex
	entries   []Entry          // entries[i].Seq == i+1; never modified once appended
	bySubject map[string][]int // indexes into entries
}

var (
	_ ChainAppender  = (*MemoryStore)(nil)
	_ DecisionReader = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{bySubject: make(map[string][]int)}
}

// Append implements [Store].
func (s *MemoryStore) Append(ctx context.Context, entries []Entry) error {
	_, err := s.append(ctx, entries, false)
	return err
}

// AppendChained implements [ChainAppender].
func (s *MemoryStore) AppendChained(ctx context.Context, entries []Entry) ([]Entry, error) {
	return s.append(ctx, entries, true)
}

// append checks entries against the head and keeps them, after chaining
// them to it first when chain is set; it returns them as kept.
func (s *MemoryStore) append(ctx context.Context, entries []Entry, chain bool) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ledger: append: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if chain {
		entries = Chain(s.head(), entries)
	}
	if err := CheckAppend(s.head(), entries); err != nil {
		return nil, err
	}
	for _, e := range entries {
		s.bySubject[e.Subject] = append(s.bySubject[e.Subject], len(s.entries))
		s.entries = append(s.entries, e.Clone())
	}
	return entries, nil
}

// Chain returns copies of entries numbered, linked and hashed to follow
// head, their other fields as given: what a [ChainAppender] writes.
func Chain(head Head, entries []Entry) []Entry {
	out := make([]Entry, len(entries))
	for i, e := range entries {
		e = e.Clone()
		e.Seq, e.PrevHash = head.Seq+1, head.Hash
		e.Hash = e.ComputeHash()
		out[i], head = e, e.Head()
	}
	return out
}

func (s *MemoryStore) head() Head {
	if len(s.entries) == 0 {
		return Head{}
	}
	return s.entries[len(s.entries)-1].Head()
}

// Head implements [Store].
func (s *MemoryStore) Head(ctx context.Context) (Head, error) {
	if err := ctx.Err(); err != nil {
		return Head{}, fmt.Errorf("ledger: head: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.head(), nil
}

// Scan implements [Store]. It yields the entries on record when it starts;
// the loop body may append.
func (s *MemoryStore) Scan(ctx context.Context, from uint64) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		s.mu.RLock()
		// Entries are never modified once appended, so the prefix on
		// record now can be read without the lock.
		all := s.entries[:len(s.entries):len(s.entries)]
		s.mu.RUnlock()
		if from > 0 {
			from--
		}
		for i := from; i < uint64(len(all)); i++ {
			if err := ctx.Err(); err != nil {
				yield(Entry{}, fmt.Errorf("ledger: scan: %w", err))
				return
			}
			if !yield(all[i].Clone(), nil) {
				return
			}
		}
	}
}

// Subject implements [Store].
func (s *MemoryStore) Subject(ctx context.Context, subject string) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ledger: subject: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx := s.bySubject[subject]
	if len(idx) == 0 {
		return nil, nil
	}
	out := make([]Entry, len(idx))
	for i, j := range idx {
		out[i] = s.entries[j].Clone()
	}
	return out, nil
}

// Decision implements [DecisionReader]. It reads every entry: the store is
// for tests and examples.
func (s *MemoryStore) Decision(ctx context.Context, id string) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ledger: decision: %w", err)
	}
	if id == "" {
		return nil, nil // entries of before decision IDs are nobody's
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Entry
	for _, e := range s.entries {
		if e.DecisionID == id {
			out = append(out, e.Clone())
		}
	}
	return out, nil
}
