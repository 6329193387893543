package anonymize

import "errors"

// Sentinel errors. Callers test for them with [errors.Is]; the package wraps
// them with detail that never contains the personal data being processed.
var (
	// ErrInvalidIdentifier reports a value that is not a valid identifier
	// of the kind asked for (see [ParseIIN]).
	ErrInvalidIdentifier = errors.New("anonymize: invalid identifier")

	// ErrInvalidKey reports a key that is too short, too long for its
	// cipher, or whose ID is empty or contains characters outside
	// [A-Za-z0-9_-].
	ErrInvalidKey = errors.New("anonymize: invalid key")

	// ErrUnknownKey reports a pseudonym or token that names a key ID the
	// [Pseudonymizer] or [Tokenizer] does not hold, for example after the
	// key was retired.
	ErrUnknownKey = errors.New("anonymize: unknown key id")

	// ErrMalformedToken reports a string that does not have the shape of a
	// pseudonym or token produced by this package.
	ErrMalformedToken = errors.New("anonymize: malformed token")

	// ErrAuthentication reports a token whose authentication tag does not
	// verify: it was altered, or it was sealed under a different key that
	// carries the same ID.
	ErrAuthentication = errors.New("anonymize: token authentication failed")

	// ErrNoOperator reports a struct tag or option that asks for an operator
	// the [Redactor] was not given, such as "pseudonymize" without
	// [WithPseudonymizer].
	ErrNoOperator = errors.New("anonymize: operator not configured")

	// ErrBadTag reports a privacy struct tag that cannot be parsed.
	ErrBadTag = errors.New("anonymize: bad struct tag")

	// ErrGeneralize reports a value that the "month" or "year" struct tag
	// operator cannot generalise: a string that is not a YYYY-MM-DD date.
	ErrGeneralize = errors.New("anonymize: value cannot be generalised")
)
