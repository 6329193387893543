package policy

import (
	"context"
	"errors"
	"fmt"
)

// Errors returned with a denying Decision by [Engine.Check]; test with
// errors.Is. Check never returns an error with an allowing Decision.
var (
	// ErrUnknownPurpose: the purpose is not in the catalog in force.
	ErrUnknownPurpose = errors.New("policy: unknown purpose")
	// ErrUnknownRecipient: the recipient was not registered with
	// [WithRecipients] and is not [Operator].
	ErrUnknownRecipient = errors.New("policy: unknown recipient")
	// ErrUnknownCategory: a category named with [WithCategories] is not in
	// the catalog.
	ErrUnknownCategory = errors.New("policy: unknown data category")
	// ErrInvalidRequest: an argument is empty or out of bounds.
	ErrInvalidRequest = errors.New("policy: invalid request")
	// ErrEmptyUser: Check was called without a user. It wraps
	// [ErrInvalidRequest].
	ErrEmptyUser = fmt.Errorf("%w: empty user", ErrInvalidRequest)
	// ErrConsentUnavailable: the consent store failed; the underlying error
	// is wrapped too.
	ErrConsentUnavailable = errors.New("policy: consent state unavailable")
	// ErrEvaluation: the Rego policy failed to evaluate or returned a
	// malformed decision.
	ErrEvaluation = errors.New("policy: evaluation failed")
	// ErrInvalidConfig: New was given options that cannot make an engine.
	ErrInvalidConfig = errors.New("policy: invalid configuration")
)

// storeError is what Check returns when the consent store fails. Its text
// names the class of failure, not the store's own text, which may hold a
// user ID, unless the host asked for verbose errors; errors.Is and
// errors.As reach both [ErrConsentUnavailable] and the store's error.
type storeError struct {
	err     error
	verbose bool
}

func (e *storeError) Error() string {
	if e.verbose {
		return ErrConsentUnavailable.Error() + ": " + e.err.Error()
	}
	return ErrConsentUnavailable.Error() + ": the consent store failed (its message is withheld; see WithVerboseErrors)"
}

func (e *storeError) Unwrap() []error { return []error{ErrConsentUnavailable, e.err} }

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64

// withheld is an error whose text leaves out what its wrapped errors say
// (personal data), while errors.Is and errors.As still reach them.
type withheld struct {
	text string
	errs []error
}

func (e *withheld) Error() string   { return e.text }
func (e *withheld) Unwrap() []error { return e.errs }

// FailureReason returns the reason code and clause the engine gives, with a
// denial, for an error Check returns: one mapping from class of failure to
// code, shared with test doubles (policy/policytest) so that they answer
// as the engine does. For nil it returns "".
func FailureReason(err error) (Code, string) {
	switch {
	case err == nil:
		return "", ""
	case errors.Is(err, ErrUnknownPurpose):
		return CodeUnknownPurpose, "3"
	case errors.Is(err, ErrUnknownRecipient):
		return CodeUnknownRecipient, "5"
	case errors.Is(err, ErrConsentUnavailable):
		return CodeConsentUnavailable, ""
	case errors.Is(err, ErrEvaluation):
		return CodePolicyError, "" // before the context: a budget wraps DeadlineExceeded
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return CodeRequestCancelled, ""
	case errors.Is(err, ErrInvalidRequest), errors.Is(err, ErrUnknownCategory):
		return CodeInvalidRequest, ""
	}
	return CodePolicyError, ""
}
