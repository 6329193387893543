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
// (article 17). Package [github.com/yasam/privacy/anonymize/kanon]
// implements it for record sets: it drops direct identifiers, generalises
// quasi-identifiers until the set is k-anonymous, and redacts the free text
// of sensitive attributes with a [Redactor]; nothing can undo it. Never use
// a pseudonymised set where a depersonalised one is required.
//
// # Detection
//
// A [Scanner] finds, in ru/kk/en text:
//
//   - IINs and BINs (structure and check digit), also printed in groups
//     ("901123 300258", the groups apart by a space, a dash, or a
//     no-break or thin space) or in full-width digits;
//   - phone numbers of the whole Kazakhstan +7 7 zone, mobile and fixed
//     line (area codes of the national numbering plan, see phone.go), and
//     Russian mobiles (+7 9xx), in their written forms: +7, 8, bare
//     national numbers standing alone, brackets, spaces, dashes, glued to
//     Cyrillic; [Finding.Line] says mobile, fixed or service;
//   - e-mail addresses, payment cards (Luhn) and KZ IBANs (mod 97), glued
//     to each other or not, cards and IBANs also in groups apart by
//     spaces of any of those widths;
//   - IPv4 and IPv6 addresses;
//   - Kazakhstan identity card and passport numbers after a context word
//     ("удостоверение", "паспорт", "жеке куәлік", "ID");
//   - vehicle plates of the 2012 format ("123 ABC 02");
//   - Russian and Kazakh full names that a patronymic makes certain
//     (-ович, -евна, -ұлы, "қызы" as a word, ...);
//
// plus the host's own patterns ([WithPattern], [WithMatcher]). Each kind
// belongs to a data category of the catalog ([Kind.Category]). A number
// that fails its checksum, or an IIN born on an impossible date, is not
// reported. The scan is a single pass over bytes with no regular
// expressions, and through [Scanner.AppendFindings] it does not allocate
// (see Performance).
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
// still redacted whole. Names are the exception: precision comes first
// there, so that no common word is reported.
//
// # Operators
//
// [Redact], [Replace], [Mask], [Pseudonymizer] and [Tokenizer] implement
// [Operator]. A [Redactor] applies operators to text, to Go values
// through `privacy` struct tags ([TagKey] documents their grammar;
// [RedactValue], [RedactCategories]), and to log records
// ([NewSlogHandler]). Redaction is a fixed point: what a redaction leaves
// behind is scanned again. The log handler renders every value itself
// into plain data whose text it has scanned, so no method of a logged
// value (MarshalJSON, MarshalText, String, Error) runs inside the handler
// it wraps, and it scans keys and group names too.
//
// Each constructor takes its own option type: [ScannerOption] for
// [NewScanner], [RedactorOption] for [NewRedactor] (with [WithScanner]),
// [SlogOption] for [NewSlogHandler] (with [WithRedactor]).
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
// Hand over a research extract: see package kanon.
//
// # Performance
//
// The scan stops only where an identifier may start, and skips the bytes
// in between many at a time. On amd64 processors with AVX2 the skip tests
// 32 bytes per step in assembly; elsewhere, and with the build tag
// purego, a pure-Go skip tests 8 or 16 bytes per step with word-wide
// arithmetic. Both find exactly what a reference scan that looks at every
// byte finds (TestScanDifferential and its fuzz target run all three).
// Names do not make the scan stop at every capital: it stops at the 'в'
// of a patronymic's -вич/-вн or the 'ы' of ұлы/қызы, and looks back from
// there at the one or two capitals a name can start with. Amounts and
// dates in groups, with a time after them ("15 000", "2024-03-15
// 12:30"), are one stop, not one per group, where no identifier can
// start in their later groups.
//
// Measured against the scanner this package had before its detection was
// widened (kept in bench_test.go, which finds only IINs, BINs, phones,
// e-mail, cards and IBANs), on one core of an AVX2 server processor,
// interleaved in one run (BenchmarkScanSideBySide and
// BenchmarkScanSideBySideProse): with every kind the scanner is about 2.2
// times as fast on the benchmark corpus, a number every ~40 bytes, and
// about 2.3 times on running prose with names; limited to the old six
// kinds, about 2.4 and 8 times. Most of what remains is the work at each
// identifier. Without AVX2 (or with purego) the scan with every kind is
// about 1.4 (benchmark corpus) and 1.2 (prose) times as fast as the old
// one. Figures move with the machine, and by up to a tenth with where the
// linker happens to place the old scanner's loop; run the benchmarks to
// compare.
//
// # Concurrency
//
// [Scanner], [Redactor], [Pseudonymizer], [Tokenizer] and [SlogHandler] are
// immutable after construction and safe for concurrent use by multiple
// goroutines; the package has no global mutable state. Reuse one of each
// rather than building them per call: a Redactor caches parsed struct tags.
//
// The zero [Scanner] finds every built-in kind; the zero [Redactor]
// redacts with [Redact]; the zero [SlogHandler] logs nothing and fails.
// None of them panics or lets personal data through.
//
// # Errors
//
// Errors wrap the sentinels declared in errors.go and can be tested with
// [errors.Is]. No error message contains the personal data or the key
// material being processed.
package anonymize
