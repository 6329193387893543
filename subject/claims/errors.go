package claims

import (
	"errors"
	"fmt"

	"github.com/yasam/privacy/internal/clip"
)

// Errors reported by [Registry] and by every [Store], wrapped with detail;
// test with errors.Is. Messages name claim IDs, which are random, never the
// subject a claim is about.
var (
	// ErrNotFound: no claim has the given ID.
	ErrNotFound = errors.New("claims: claim not found")
	// ErrInvalid: a claim or an argument failed validation; nothing was
	// written.
	ErrInvalid = errors.New("claims: invalid claim")
	// ErrInvalidTransition: the claim's status does not allow the change
	// asked for (a withdrawn claim cannot be answered, say). Errors that
	// match it carry a [*TransitionError] with the detail; see errors.As.
	ErrInvalidTransition = errors.New("claims: invalid status transition")
	// ErrAnswered: the claim was already answered. Answering it again is an
	// invalid transition too, so the error also matches
	// [ErrInvalidTransition].
	ErrAnswered = errors.New("claims: claim already answered")
	// ErrConflict: a store refused a write because the claim changed
	// since it was read, or because its ID is taken. [Registry] retries
	// the first kind itself.
	ErrConflict = errors.New("claims: conflicting write")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("claims: store closed")
	// ErrUnavailable: the backing storage could not be reached or failed.
	ErrUnavailable = errors.New("claims: store unavailable")
	// ErrRetained: erasure refused because a record must be kept (a claim
	// still awaiting its answer); nothing was erased.
	ErrRetained = errors.New("claims: record must be kept")
	// ErrUnsupported: the store cannot do what was asked (erase, say).
	ErrUnsupported = errors.New("claims: not supported by the store")
	// ErrNotConfigured: a [Registry] not made by [New] (its zero value,
	// or a nil pointer) was used. It fails closed: nothing is read or
	// written.
	ErrNotConfigured = errors.New("claims: registry not configured: create it with claims.New")
)

// TransitionError reports a change of status that the claim's current
// status does not allow. It matches [ErrInvalidTransition], and
// [ErrAnswered] when the claim had already been answered and the change
// asked for is another answer.
type TransitionError struct {
	ID       string // the claim's ID
	From, To Status
}

// Error names the claim and the two statuses; claim IDs are random, so the
// message says nothing of the subject.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("claims: claim %q: cannot go from %s to %s", clip.String(e.ID, maxQuote), e.From, e.To)
}

// Unwrap returns the sentinels the error matches.
func (e *TransitionError) Unwrap() []error {
	if e.From == StatusAnswered && e.To == StatusAnswered {
		return []error{ErrInvalidTransition, ErrAnswered}
	}
	return []error{ErrInvalidTransition}
}
