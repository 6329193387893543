package consent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Errors a [Store] reports, wrapped with detail; test with errors.Is.
var (
	// ErrInvalidEvent: an event failed [Event.Validate]; the batch was not
	// written.
	ErrInvalidEvent = errors.New("consent: invalid event")
	// ErrConflict: an event's ID is on record with other content; the
	// batch was not written.
	ErrConflict = errors.New("consent: event id on record with other content")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("consent: store closed")
	// ErrUnavailable: the backing storage could not be reached or failed.
	ErrUnavailable = errors.New("consent: store unavailable")
)

// Store keeps the consent log. Implementations must be safe for concurrent
// use by multiple goroutines and pass consent/consenttest.
type Store interface {
	// Append writes a batch of events atomically: all of them or, on any
	// error, none. Events whose ID is already on record with the same
	// content are skipped (idempotency).
	Append(ctx context.Context, events ...Event) error
	// State returns the user's current state; a user without events has
	// the zero state for that subject, not an error.
	State(ctx context.Context, user string) (State, error)
	// History returns the user's events in log order.
	History(ctx context.Context, user string) ([]Event, error)
}

// ValidateBatch validates every event of a batch and checks that IDs within
// it do not clash. Stores call it before writing anything.
func ValidateBatch(events []Event) error {
	var errs []error
	ids := make(map[string]int, len(events))
	for i, e := range events {
		if err := e.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		if j, dup := ids[e.ID]; dup && !events[j].Equal(e) {
			errs = append(errs, fmt.Errorf("%w: %s appears twice in the batch with different content", ErrConflict, e.ID))
		}
		ids[e.ID] = i
	}
	return errors.Join(errs...)
}

// MemoryStore is a [Store] in memory, for tests and single-process tools.
// It is safe for concurrent use by multiple goroutines. The zero value is not
// usable; call [NewMemoryStore].
type MemoryStore struct {
	mu   sync.RWMutex // guards byID and log, and serialises writers of states
	byID map[string]Event
	log  map[string][]Event // per subject, in append order
	// states maps a subject to its State. Reads take no lock, so State
	// scales across cores; a sync.Map suits a cache written once per
	// append and read on every Check.
	states sync.Map
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		byID: make(map[string]Event),
		log:  make(map[string][]Event),
	}
}

// Append implements [Store].
func (m *MemoryStore) Append(ctx context.Context, events ...Event) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("consent: append: %w", err)
	}
	if err := ValidateBatch(events); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fresh := make([]Event, 0, len(events))
	seen := make(map[string]bool, len(events))
	for _, e := range events {
		if old, ok := m.byID[e.ID]; ok {
			if !old.Equal(e) {
				return fmt.Errorf("%w: %s", ErrConflict, e.ID)
			}
			continue
		}
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		fresh = append(fresh, e)
	}
	// Apply is order-independent across distinct times (see State.Apply),
	// so folding in append order gives the log-order state. Each subject's
	// new state is published once, so no reader sees half a batch.
	next := make(map[string]State)
	for _, e := range fresh {
		m.byID[e.ID] = e
		m.log[e.Subject] = append(m.log[e.Subject], e)
		st, ok := next[e.Subject]
		if !ok {
			st = NewState(e.Subject)
			if v, ok := m.states.Load(e.Subject); ok {
				st = v.(State)
			}
		}
		next[e.Subject] = st.Apply(e)
	}
	for subject, st := range next {
		m.states.Store(subject, st)
	}
	return nil
}

// State implements [Store]. It does not allocate: the state is shared and
// immutable.
func (m *MemoryStore) State(ctx context.Context, user string) (State, error) {
	if err := ctx.Err(); err != nil {
		return State{}, fmt.Errorf("consent: state: %w", err)
	}
	if v, ok := m.states.Load(user); ok {
		return v.(State), nil
	}
	return NewState(user), nil
}

// History implements [Store].
func (m *MemoryStore) History(ctx context.Context, user string) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("consent: history: %w", err)
	}
	m.mu.RLock()
	out := slices.Clone(m.log[user])
	m.mu.RUnlock()
	SortEvents(out)
	return out, nil
}
