// Package clip cuts a caller's string down to a short, printable prefix that
// an error message, a log record or a telemetry attribute may quote.
//
// The library promises never to put personal data into errors or logs
// beyond a short prefix of what the caller sent. Every package that quotes
// a caller's string does it through this package, so that the bound and
// the treatment of binary input are the same everywhere.
//
// # Usage
//
// [String] returns at most n bytes of the input, cut on a rune boundary,
// with [Ellipsis] appended when something was cut. [Quote] returns the same
// prefix in Go quoted form. [Prefix] returns it without a mark, for a field
// whose size is bounded exactly; [Cut] returns it and whether it was cut,
// for callers that mark a cut their own way.
//
// Invalid UTF-8 and unprintable runes (control characters, format
// characters, non-ASCII spaces) come out as '?', one byte each. A clipped
// string therefore never grows under %q or strconv.Quote beyond one
// backslash per '"' or '\\' it keeps: binary input of any length quotes to
// at most 2n+2 bytes, plus the mark.
//
// # Concurrency
//
// The functions are pure and safe for concurrent use by multiple
// goroutines.
package clip
