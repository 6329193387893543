package breaches

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/yasam/privacy/internal/clip"
)

// Store keeps the breach register. Implementations must be safe for
// concurrent use and pass subject/breaches/breachestest.
type Store interface {
	// Insert records a new incident after [Incident.Validate]; a taken ID
	// wraps [ErrConflict].
	Insert(ctx context.Context, i Incident) error
	// Get returns the incident with the ID, all its subjects included.
	Get(ctx context.Context, id string) (Incident, error)
	// MarkNotified records that the notice to `to` was sent at at (kept
	// at ref), only if it was not yet: otherwise the error wraps
	// [ErrAlreadyNotified] and nothing changes.
	MarkNotified(ctx context.Context, id string, to Addressee, at time.Time, ref string) error
	// Pending returns the notices not yet sent that are due before t,
	// earliest due first (ties by incident ID, the authority first).
	Pending(ctx context.Context, t time.Time) ([]Notice, error)
	// BySubject returns the incidents that concern subject, oldest
	// detection first (ties by ID), each with Subjects holding only
	// subject: what that subject may be shown.
	BySubject(ctx context.Context, subject string) ([]Incident, error)
}

// Forgetter is a [Store] that can erase a subject from its incidents;
// every store in this module is one.
type Forgetter interface {
	// Forget replaces subject, in every incident that lists it, by
	// [ErasedPrefix] and random characters, atomically. If one of those
	// incidents still owes its subjects their notice, nothing changes and
	// the error wraps [ErrRetained]. It returns how many incidents
	// changed.
	Forget(ctx context.Context, subject string) (int, error)
}

// ErasedSubject returns a new tombstone for an erased subject.
func ErasedSubject() string { return ErasedPrefix + rand.Text() }

// MemoryStore is a [Store] in memory, safe for concurrent use; its zero
// value is ready to use.
type MemoryStore struct {
	mu   sync.RWMutex
	byID map[string]Incident
}

var (
	_ Store     = (*MemoryStore)(nil)
	_ Forgetter = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

func (m *MemoryStore) ctx(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("breaches: %s: %w", op, err)
	}
	return nil
}

// Insert implements [Store].
func (m *MemoryStore) Insert(ctx context.Context, i Incident) error {
	if err := m.ctx(ctx, "insert"); err != nil {
		return err
	}
	if err := i.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byID == nil {
		m.byID = make(map[string]Incident)
	}
	if _, ok := m.byID[i.ID]; ok {
		return fmt.Errorf("%w: id %q is taken", ErrConflict, clip.String(i.ID, maxQuote))
	}
	i.Subjects = slices.Clone(i.Subjects)
	m.byID[i.ID] = i
	return nil
}

// Get implements [Store].
func (m *MemoryStore) Get(ctx context.Context, id string) (Incident, error) {
	if err := m.ctx(ctx, "get"); err != nil {
		return Incident{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := m.byID[id]
	if !ok {
		return Incident{}, fmt.Errorf("%w: %q", ErrNotFound, clip.String(id, maxQuote))
	}
	i.Subjects = slices.Clone(i.Subjects)
	return i, nil
}

// MarkNotified implements [Store].
func (m *MemoryStore) MarkNotified(ctx context.Context, id string, to Addressee, at time.Time, ref string) error {
	if err := m.ctx(ctx, "mark notified"); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.byID[id]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotFound, clip.String(id, maxQuote))
	}
	next, err := withNotice(i, to, at, ref)
	if err != nil {
		return err
	}
	m.byID[id] = next
	return nil
}

// withNotice returns i with the notice to `to` recorded, or an error
// wrapping [ErrAlreadyNotified] or [ErrInvalid]. Stores share it.
func withNotice(i Incident, to Addressee, at time.Time, ref string) (Incident, error) {
	switch to {
	case ToAuthority:
		if !i.AuthorityNotified.IsZero() {
			return i, fmt.Errorf("%w: incident %q: %s", ErrAlreadyNotified, clip.String(i.ID, maxQuote), to)
		}
		i.AuthorityNotified, i.AuthorityRef = at, ref
	case ToSubjects:
		if !i.SubjectsNotified.IsZero() {
			return i, fmt.Errorf("%w: incident %q: %s", ErrAlreadyNotified, clip.String(i.ID, maxQuote), to)
		}
		i.SubjectsNotified, i.SubjectsRef = at, ref
	default:
		return i, fmt.Errorf("%w: unknown addressee %q", ErrInvalid, clip.String(string(to), maxQuote))
	}
	if at.IsZero() || ref == "" {
		return i, fmt.Errorf("%w: incident %q: a notice needs its time and reference", ErrInvalid, clip.String(i.ID, maxQuote))
	}
	return i, i.Validate()
}

// WithNotice returns i with the notice to `to` recorded as sent at at
// (kept at ref), as [Store.MarkNotified] records it; the error wraps
// [ErrAlreadyNotified] if it was sent already, [ErrInvalid] for a bad
// argument.
func (i Incident) WithNotice(to Addressee, at time.Time, ref string) (Incident, error) {
	return withNotice(i, to, at, ref)
}

// Pending implements [Store].
func (m *MemoryStore) Pending(ctx context.Context, t time.Time) ([]Notice, error) {
	if err := m.ctx(ctx, "pending"); err != nil {
		return nil, err
	}
	var out []Notice
	m.mu.RLock()
	for _, i := range m.byID {
		for _, n := range i.Pending() {
			if n.Due.Before(t) {
				out = append(out, n)
			}
		}
	}
	m.mu.RUnlock()
	SortNotices(out)
	return out, nil
}

// SortNotices sorts notices in the order of [Store.Pending].
func SortNotices(ns []Notice) {
	slices.SortFunc(ns, func(a, b Notice) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.Incident, b.Incident), cmp.Compare(a.To, b.To))
	})
}

// BySubject implements [Store].
func (m *MemoryStore) BySubject(ctx context.Context, subject string) ([]Incident, error) {
	if err := m.ctx(ctx, "by subject"); err != nil {
		return nil, err
	}
	var out []Incident
	m.mu.RLock()
	for _, i := range m.byID {
		if _, ok := slices.BinarySearch(i.Subjects, subject); ok {
			i.Subjects = []string{subject}
			out = append(out, i)
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(out, func(a, b Incident) int { return cmp.Or(a.Detected.Compare(b.Detected), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// Forget implements [Forgetter].
func (m *MemoryStore) Forget(ctx context.Context, subject string) (int, error) {
	if err := m.ctx(ctx, "forget"); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var hit []string
	for id, i := range m.byID {
		if _, ok := slices.BinarySearch(i.Subjects, subject); ok {
			if i.SubjectsNotified.IsZero() {
				return 0, fmt.Errorf("%w: incident %q has not notified its subjects", ErrRetained, clip.String(id, maxQuote))
			}
			hit = append(hit, id)
		}
	}
	for _, id := range hit {
		i := m.byID[id]
		k, _ := slices.BinarySearch(i.Subjects, subject)
		subs := slices.Clone(i.Subjects)
		subs[k] = ErasedSubject()
		i.Subjects = normalizeSubjects(subs)
		m.byID[id] = i
	}
	return len(hit), nil
}
