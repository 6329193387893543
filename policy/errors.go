package policy

import (
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
