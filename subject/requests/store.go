package requests

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/yasam/privacy/internal/clip"
)

// Store keeps the register of requests. [Registry] holds the rules; a
// Store keeps what it is given, atomically. Implementations must be safe
// for concurrent use and pass subject/requests/requeststest.
type Store interface {
	// Insert records a new request after [Request.Validate]; a taken ID
	// is an error wrapping [ErrConflict].
	Insert(ctx context.Context, r Request) error
	// Update writes r's Status, Closed, AnswerRef and Reason, and nothing
	// else, if the stored status is still prev; errors wrap
	// [ErrNotFound], [ErrConflict] or [ErrInvalid].
	Update(ctx context.Context, r Request, prev Status) error
	// Get returns the request with the ID, or an error wrapping
	// [ErrNotFound].
	Get(ctx context.Context, id string) (Request, error)
	// BySubject returns the subject's requests, oldest first (ties by ID).
	BySubject(ctx context.Context, subject string) ([]Request, error)
	// Pending returns the requests awaiting an answer due before t,
	// earliest due first (ties by ID).
	Pending(ctx context.Context, t time.Time) ([]Request, error)
}

// Forgetter is a [Store] that can erase a subject; every store in this
// module is one.
type Forgetter interface {
	// Forget erases subject from their requests atomically (see [Erase]):
	// dates, kinds, statuses and reasons stay. If one of them awaits its
	// answer nothing changes and the error wraps [ErrRetained]. It
	// returns how many were erased.
	Forget(ctx context.Context, subject string) (int, error)
}

// MemoryStore is a [Store] in memory. It is safe for concurrent use; its
// zero value is an empty store ready to use.
type MemoryStore struct {
	mu   sync.RWMutex
	byID map[string]Request
}

var (
	_ Store     = (*MemoryStore)(nil)
	_ Forgetter = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

// Insert implements [Store].
func (m *MemoryStore) Insert(ctx context.Context, r Request) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("requests: insert: %w", err)
	}
	if err := r.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byID == nil {
		m.byID = make(map[string]Request)
	}
	if _, ok := m.byID[r.ID]; ok {
		return fmt.Errorf("%w: id %q is taken", ErrConflict, clip.String(r.ID, maxQuote))
	}
	m.byID[r.ID] = r
	return nil
}

// Update implements [Store].
func (m *MemoryStore) Update(ctx context.Context, r Request, prev Status) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("requests: update: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.byID[r.ID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotFound, clip.String(r.ID, maxQuote))
	}
	if old.Status != prev {
		return fmt.Errorf("%w: request %q is %s, not %s", ErrConflict, clip.String(r.ID, maxQuote), old.Status, prev)
	}
	old.Status, old.Closed, old.AnswerRef, old.Reason = r.Status, r.Closed, r.AnswerRef, r.Reason
	if err := old.Validate(); err != nil {
		return err
	}
	m.byID[r.ID] = old
	return nil
}

// Get implements [Store].
func (m *MemoryStore) Get(ctx context.Context, id string) (Request, error) {
	if err := ctx.Err(); err != nil {
		return Request{}, fmt.Errorf("requests: get: %w", err)
	}
	m.mu.RLock()
	r, ok := m.byID[id]
	m.mu.RUnlock()
	if !ok {
		return Request{}, fmt.Errorf("%w: %q", ErrNotFound, clip.String(id, maxQuote))
	}
	return r, nil
}

// BySubject implements [Store].
func (m *MemoryStore) BySubject(ctx context.Context, subject string) ([]Request, error) {
	return m.filter(ctx, "by subject", func(r Request) bool { return r.Subject == subject }, func(a, b Request) int {
		return cmp.Or(a.Received.Compare(b.Received), cmp.Compare(a.ID, b.ID))
	})
}

// Pending implements [Store].
func (m *MemoryStore) Pending(ctx context.Context, t time.Time) ([]Request, error) {
	return m.filter(ctx, "pending", func(r Request) bool { return r.Status.Open() && r.Due.Before(t) }, func(a, b Request) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.ID, b.ID))
	})
}

func (m *MemoryStore) filter(ctx context.Context, op string, keep func(Request) bool, order func(a, b Request) int) ([]Request, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("requests: %s: %w", op, err)
	}
	var out []Request
	m.mu.RLock()
	for _, r := range m.byID {
		if keep(r) {
			out = append(out, r)
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(out, order)
	return out, nil
}

// Forget implements [Forgetter].
func (m *MemoryStore) Forget(ctx context.Context, subject string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("requests: forget: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id, r := range m.byID {
		if r.Subject != subject {
			continue
		}
		if r.Status.Open() {
			return 0, fmt.Errorf("%w: request %q awaits its answer", ErrRetained, clip.String(id, maxQuote))
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		m.byID[id] = Erase(m.byID[id])
	}
	return len(ids), nil
}
