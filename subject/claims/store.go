package claims

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/yasam/privacy/internal/clip"
)

// Store keeps the register of claims. [Registry] holds the rules (due
// dates, status changes); a Store only keeps what it is given, atomically.
// Implementations must be safe for concurrent use by multiple goroutines
// and pass subject/claims/claimstest.
//
// Times may come back in another location than they went in (UTC, say),
// but must be the same instants, to the nanosecond.
type Store interface {
	// Insert records a new claim after [Claim.Validate]. An ID already on
	// record is an error wrapping [ErrConflict].
	Insert(ctx context.Context, c Claim) error
	// Update records a change of status, if the stored claim's status is
	// still prev: it writes c's Status, Answered, AnswerRef, Withdrawn
	// and Escalated, and nothing else, since what was filed never
	// changes. The error wraps [ErrNotFound] for an unknown ID,
	// [ErrConflict] if the status is no longer prev, and [ErrInvalid] if
	// the claim that would result fails [Claim.Validate].
	Update(ctx context.Context, c Claim, prev Status) error
	// Get returns the claim with the given ID, or an error wrapping
	// [ErrNotFound].
	Get(ctx context.Context, id string) (Claim, error)
	// BySubject returns the subject's claims, oldest receipt first (ties
	// by ID); none is not an error.
	BySubject(ctx context.Context, subject string) ([]Claim, error)
	// Pending returns the claims still awaiting an answer
	// ([StatusReceived]) whose due moment is before t, earliest due first
	// (ties by ID).
	Pending(ctx context.Context, t time.Time) ([]Claim, error)
}

// MemoryStore is a [Store] in memory, for tests and single-process tools.
// It is safe for concurrent use by multiple goroutines. The zero value is
// an empty store ready to use, as is the one [NewMemoryStore] returns.
type MemoryStore struct {
	mu        sync.RWMutex
	byID      map[string]Claim
	bySubject map[string][]string // claim IDs, in insertion order
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{byID: make(map[string]Claim), bySubject: make(map[string][]string)}
}

// Insert implements [Store].
func (m *MemoryStore) Insert(ctx context.Context, c Claim) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("claims: insert: %w", err)
	}
	if err := c.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byID == nil {
		m.byID, m.bySubject = make(map[string]Claim), make(map[string][]string)
	}
	if _, ok := m.byID[c.ID]; ok {
		return fmt.Errorf("%w: id %q is taken", ErrConflict, clip.String(c.ID, maxQuote))
	}
	m.byID[c.ID] = c
	m.bySubject[c.Subject] = append(m.bySubject[c.Subject], c.ID)
	return nil
}

// Update implements [Store].
func (m *MemoryStore) Update(ctx context.Context, c Claim, prev Status) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("claims: update: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.byID[c.ID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotFound, clip.String(c.ID, maxQuote))
	}
	if old.Status != prev {
		return fmt.Errorf("%w: claim %q is %s, not %s", ErrConflict, clip.String(c.ID, maxQuote), old.Status, prev)
	}
	next := withStatusOf(old, c)
	if err := next.Validate(); err != nil {
		return err
	}
	m.byID[c.ID] = next
	return nil
}

// withStatusOf returns filed with the status fields of c: what an Update
// may change.
func withStatusOf(filed, c Claim) Claim {
	filed.Status = c.Status
	filed.Answered = c.Answered
	filed.AnswerRef = c.AnswerRef
	filed.Withdrawn = c.Withdrawn
	filed.Escalated = c.Escalated
	return filed
}

// Get implements [Store].
func (m *MemoryStore) Get(ctx context.Context, id string) (Claim, error) {
	if err := ctx.Err(); err != nil {
		return Claim{}, fmt.Errorf("claims: get: %w", err)
	}
	m.mu.RLock()
	c, ok := m.byID[id]
	m.mu.RUnlock()
	if !ok {
		return Claim{}, fmt.Errorf("%w: %q", ErrNotFound, clip.String(id, maxQuote))
	}
	return c, nil
}

// BySubject implements [Store].
func (m *MemoryStore) BySubject(ctx context.Context, subject string) ([]Claim, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("claims: by subject: %w", err)
	}
	m.mu.RLock()
	ids := m.bySubject[subject]
	out := make([]Claim, 0, len(ids))
	for _, id := range ids {
		out = append(out, m.byID[id])
	}
	m.mu.RUnlock()
	slices.SortFunc(out, func(a, b Claim) int {
		return cmp.Or(a.Received.Compare(b.Received), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Pending implements [Store]. It looks at every claim, which is fine for
// the sizes a memory store is meant for.
func (m *MemoryStore) Pending(ctx context.Context, t time.Time) ([]Claim, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("claims: pending: %w", err)
	}
	var out []Claim
	m.mu.RLock()
	for _, c := range m.byID {
		if c.Status.Open() && c.Due.Before(t) {
			out = append(out, c)
		}
	}
	m.mu.RUnlock()
	sortByDue(out)
	return out, nil
}

// sortByDue sorts claims earliest due first, ties by ID: the order of
// [Store.Pending].
func sortByDue(cs []Claim) {
	slices.SortFunc(cs, func(a, b Claim) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.ID, b.ID))
	})
}
