package requests

import (
	"errors"
	"fmt"

	"github.com/yasam/privacy/internal/clip"
)

// Errors of [Registry] and of every [Store]; test with errors.Is. Messages
// name request IDs, which are random, never the subject.
var (
	ErrNotFound = errors.New("requests: request not found")
	// ErrInvalid: a request or an argument failed validation; nothing was
	// written.
	ErrInvalid = errors.New("requests: invalid request")
	// ErrInvalidTransition: the status does not allow the change; errors
	// matching it carry a [*TransitionError].
	ErrInvalidTransition = errors.New("requests: invalid status transition")
	// ErrReasonNotAllowed: the Law does not allow refusing this kind of
	// request for that reason.
	ErrReasonNotAllowed = errors.New("requests: refusal reason not allowed for this kind")
	// ErrConflict: the request changed since it was read, or its ID is
	// taken. [Registry] retries the first kind itself.
	ErrConflict = errors.New("requests: conflicting write")
	// ErrRetained: erasure refused because a request awaits its answer.
	ErrRetained = errors.New("requests: record must be kept")
	// ErrDeadline: the due date could not be computed (the calendar lacks
	// a year); nothing was written.
	ErrDeadline = errors.New("requests: cannot compute the due date")
	ErrClosed   = errors.New("requests: store closed")
	// ErrUnavailable: the backing storage failed.
	ErrUnavailable = errors.New("requests: store unavailable")
	// ErrNotConfigured: a [Registry] not made by [New] was used.
	ErrNotConfigured = errors.New("requests: registry not configured: create it with requests.New")
)

// TransitionError reports a change of status that is not allowed.
type TransitionError struct {
	ID       string
	From, To Status
}

// Error names the request and the two statuses.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("requests: request %q: cannot go from %s to %s", clip.String(e.ID, maxQuote), e.From, e.To)
}

// Unwrap returns [ErrInvalidTransition].
func (e *TransitionError) Unwrap() error { return ErrInvalidTransition }
