package regval

import (
	"strings"
	"time"
	"unicode/utf8"
)

// First and Last are the first and the last instants the registers keep:
// years 1 to 9999, in UTC.
var (
	First = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)
	Last  = time.Date(9999, time.December, 31, 23, 59, 59, 999999999, time.UTC)
)

// Storable reports whether every store can hold s as it is: valid UTF-8
// without NUL bytes. PostgreSQL's text refuses both, and a string one
// backend keeps and another refuses would pass for a store fault there.
func Storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// InYears reports whether t falls in years 1 to 9999, both in UTC and in
// its own location: the range every store holds exactly (SQLite keeps
// unix microseconds in 64 bits, PostgreSQL's timestamptz stops at 294276)
// and that encoding/json can write. The zero time is in range.
func InYears(t time.Time) bool {
	y, u := t.Year(), t.UTC().Year()
	return y >= 1 && y <= 9999 && u >= 1 && u <= 9999
}

// Clamp brings the instant of a question about kept times ("due before
// t") into [First, Last+1ns]. Every time a register keeps is in [First,
// Last], so the answer is the same, and every store can be asked it
// (SQLite's microseconds wrap around past year 294246, and PostgreSQL
// refuses such a time).
func Clamp(t time.Time) time.Time {
	switch end := Last.Add(time.Nanosecond); {
	case t.Before(First):
		return First
	case t.After(end):
		return end
	}
	return t
}

// HasPrefixFold reports whether s starts with prefix in any case of ASCII
// letters (as SQLite's LIKE compares).
func HasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
