// Package anonymize finds personal data in text and values and makes it
// safe to log, store or hand over, in the two senses the policy and the law
// give to обезличивание.
//
// # Pseudonymisation and depersonalisation
//
// Clause 1.1.7 of the policy defines обезличивание as making data
// impossible to attribute to a person without additional information. That
// is pseudonymisation: whoever holds the additional information, here a
// secret key, can re-identify. [Pseudonymizer] (keyed HMAC-SHA-256, stable
// pseudonyms that still join records) and [Tokenizer] (AES-GCM, reversible
// by design) implement it. Pseudonymised data remains personal data: keep
// the [Key] apart from it, and rotate keys by ID.
//
// The Law of the Republic of Kazakhstan "On personal data and their
// protection" (article 1 point 7) defines depersonalised data as data that
// cannot be attributed to a person at all, and requires it for data passed
// on for statistical, sociological, scientific or marketing research
// (article 17). [Depersonalize] implements it for record sets: it drops
// direct identifiers and generalises quasi-identifiers until the set is
// k-anonymous, and nothing can undo it. Never use a pseudonymised set where
// a depersonalised one is required.
//
// # Detection
//
// A [Scanner] finds IINs and BINs (structure and check digit), Kazakhstan
// mobile numbers in their common written forms, e-mail addresses, payment
// card numbers (Luhn) and KZ IBANs (mod 97), plus the host's own patterns
// ([WithPattern], [WithMatcher]). A number that fails its checksum, or an
// IIN born on an impossible date, is not reported. The scan is a single
// pass over bytes with no regular expressions and, through
// [Scanner.AppendFindings], no allocation.
//
// An IIN and a BIN cannot be confused: the fifth digit is the tens digit of
// the day of birth (0-3) in an IIN and the entity type (4-6) in a BIN.
//
// Detection leans towards redacting too much rather than too little. A
// card printed in groups is the window of groups that passes the Luhn
// check and starts with a payment card's first digit (2-6), in preference
// to an overlapping window that passes by chance ("1004 4111 1111 1111
// 1111" yields "4111 1111 1111 1111"); a Luhn-valid run of 13 to 19
// contiguous digits is a card whatever its first digit, since UATP and
// some national schemes start with 1 or 9. An identifier followed by '@'
// is taken into an e-mail address only if the address parses and covers
// it, and an e-mail local part longer than the 64 bytes RFC 5321 allows is
// still redacted whole.
//
// # Operators
//
// [Redact], [Replace], [Mask], [Pseudonymizer] and [Tokenizer] implement
// [Operator]; [TruncateDate], [AgeBand] and [GridCell] generalise dates,
// ages and locations. A [Redactor] applies operators to text, to Go values
// through `privacy` struct tags ([RedactValue], [RedactCategories]), and to
// log records ([NewSlogHandler]). Tags apply through embedded structs of
// unexported types too; untagged unexported fields, which the walker cannot
// classify, are zeroed in types that carry tags. The log handler also
// scans every untagged string it finds inside slices, arrays, maps,
// structs and pointers.
//
// # Usage
//
// Redact a log line, then carry out a policy obligation on a value:
//
//	r := anonymize.NewRedactor(anonymize.WithOperator(anonymize.KindCard, anonymize.Mask{KeepLast: 4}))
//	line := r.String("ИИН 901123300258, card 4111 1111 1111 1111")
//	// "ИИН [iin], card **** **** **** 1111"
//
//	type Customer struct {
//		Name  string `privacy:"identity"`
//		IIN   string `privacy:"iin"`
//		Phone string `privacy:"phone,mask"`
//	}
//	// the categories come from a policy decision's obligations (Obligation.Categories)
//	shared, err := anonymize.RedactCategories(r, customer, categories...)
//
// Keep personal data out of logs:
//
//	logger := slog.New(anonymize.NewSlogHandler(slog.NewJSONHandler(os.Stderr, nil)))
//
// Hand over a research extract:
//
//	out, report, err := anonymize.Depersonalize(rows, anonymize.Schema{
//		Identifiers:      []string{"iin", "name"},
//		QuasiIdentifiers: []anonymize.QuasiIdentifier{{Name: "born", Hierarchy: anonymize.DateHierarchy{}}},
//		Sensitive:        []string{"diagnosis"},
//	}, 5)
//
// # Concurrency
//
// [Scanner], [Redactor], [Pseudonymizer], [Tokenizer] and [SlogHandler] are
// immutable after construction and safe for concurrent use by multiple
// goroutines; the package has no global mutable state. Reuse one of each
// rather than building them per call: a Redactor caches parsed struct tags.
//
// # Errors
//
// Errors wrap the sentinels declared in errors.go and can be tested with
// [errors.Is]; [*KAnonymityError] gives detail through [errors.As]. No
// error message contains the personal data or the key material being
// processed.
package anonymize
