package claims

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/subject/internal/regval"
)

// ErasedPrefix starts the subject of a claim that was erased by
// [Registry.Forget]: the prefix and 26 random characters, different for
// every claim, so erased claims cannot be grouped back by person either.
const ErasedPrefix = "erased:"

// ErasedRef replaces the answer reference of an erased claim: the claim
// still shows it was answered in writing, not where the answer is kept.
const ErasedRef = "erased"

// Forgetter is a [Store] that can erase a subject. It is an optional
// capability, found by type assertion: every store in this module has it.
type Forgetter interface {
	// Forget erases subject from their claims, atomically: each claim's
	// subject becomes [ErasedPrefix] and random characters, its text
	// reference empty, and its answer reference, if any, [ErasedRef];
	// the rest (dates, status, topic, channel) stays as evidence that
	// the operator met its deadlines. If any claim of subject still
	// awaits its answer, nothing changes and the error wraps
	// [ErrRetained]. It returns how many claims were erased; none is
	// not an error.
	Forget(ctx context.Context, subject string) (int, error)
}

// Erase returns c as [Forgetter.Forget] leaves it, for stores to use.
func Erase(c Claim) Claim {
	c.Subject = ErasedPrefix + rand.Text()
	c.TextRef = ""
	if c.AnswerRef != "" {
		c.AnswerRef = ErasedRef
	}
	return c
}

// Erased reports whether c was erased by Forget.
func (c Claim) Erased() bool { return strings.HasPrefix(c.Subject, ErasedPrefix) }

// Forget erases subject from the register (see [Forgetter]): after it,
// someone holding the database and the subject's ID finds none of their
// claims, while the register still shows, for each claim, when it came,
// when it was due and when and how it was answered. A claim still
// awaiting its answer must be kept (clause 8.2: the operator owes an
// answer), so Forget refuses with an error wrapping [ErrRetained] and
// erases nothing. The error wraps [ErrUnsupported] if the store cannot
// forget.
func (r *Registry) Forget(ctx context.Context, subject string) (int, error) {
	if err := r.ready("forget"); err != nil {
		return 0, err
	}
	if subject == "" || strings.HasPrefix(subject, ErasedPrefix) {
		return 0, fmt.Errorf("claims: forget: %w: empty or erased subject", ErrInvalid)
	}
	f, ok := r.store.(Forgetter)
	if !ok {
		return 0, fmt.Errorf("claims: forget: %w", ErrUnsupported)
	}
	n, err := f.Forget(ctx, subject)
	if err != nil {
		return 0, fmt.Errorf("claims: forget: %w", err)
	}
	return n, nil
}

// Forget implements [Forgetter].
func (m *MemoryStore) Forget(ctx context.Context, subject string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("claims: forget: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := m.bySubject[subject]
	for _, id := range ids {
		if m.byID[id].Status.Open() {
			return 0, fmt.Errorf("%w: claim %q awaits its answer", ErrRetained, clip.String(id, maxQuote))
		}
	}
	for _, id := range ids {
		m.byID[id] = Erase(m.byID[id])
	}
	delete(m.bySubject, subject)
	return len(ids), nil
}

// takesErasedPrefix reports whether s starts with [ErasedPrefix] in any
// case of ASCII letters: such a subject is refused when filed, so a
// store's trigger or index, which may compare without regard to case
// (SQLite's LIKE does), never takes a live record for an erased one.
func takesErasedPrefix(s string) bool { return regval.HasPrefixFold(s, ErasedPrefix) }
