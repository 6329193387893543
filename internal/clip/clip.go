package clip

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis marks a string that [String] or [Quote] has cut.
const Ellipsis = "…"

// Cut returns at most n bytes of s, cut on a rune boundary, with every
// invalid UTF-8 byte and every unprintable rune replaced by '?', and reports
// whether anything of s was left out. A negative n counts as zero.
//
// The bound counts the bytes of s that are kept, so the result is never
// longer than n bytes: a replaced rune shrinks to one byte. A short string
// of printable text comes back as it is, without allocating.
func Cut(s string, n int) (string, bool) {
	n = max(n, 0)
	// Printable ASCII, the common case, in a tight loop: a byte below
	// ' ' wraps around and fails the one comparison too.
	lim := min(len(s), n)
	end := 0
	for end < lim && s[end]-' ' < 0x7f-' ' {
		end++
	}
	if end == lim {
		return s[:end], end < len(s)
	}
	clean := true
	for end < len(s) {
		if c := s[end]; c < utf8.RuneSelf {
			// ASCII, the common case, without decoding.
			if end+1 > n {
				break
			}
			clean = clean && ' ' <= c && c < 0x7f
			end++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[end:])
		if end+size > n {
			break
		}
		clean = clean && printable(r, size)
		end += size
	}
	cut := end < len(s)
	if clean {
		return s[:end], cut
	}
	var b strings.Builder
	b.Grow(end)
	for i := 0; i < end; {
		r, size := utf8.DecodeRuneInString(s[i:])
		if printable(r, size) {
			b.WriteString(s[i : i+size])
		} else {
			b.WriteByte('?')
		}
		i += size
	}
	return b.String(), cut
}

// Prefix returns the text [Cut] keeps of s, without a mark: for a field
// whose size is bounded exactly, such as a problem body's code.
func Prefix(s string, n int) string {
	p, _ := Cut(s, n)
	return p
}

// String returns [Cut] of s with [Ellipsis] appended when s was cut: at
// most n bytes of printable text, plus the mark. It is the form an error
// message quotes with %q.
func String(s string, n int) string {
	p, cut := Cut(s, n)
	if cut {
		return p + Ellipsis
	}
	return p
}

// Quote returns the prefix [Cut] keeps of s in Go quoted form, followed by
// [Ellipsis] outside the quotes when s was cut, so that a reader sees where
// the caller's text ends. The result is at most 2n+2 bytes plus the mark.
func Quote(s string, n int) string {
	p, cut := Cut(s, n)
	q := strconv.Quote(p)
	if cut {
		return q + Ellipsis
	}
	return q
}

// printable reports whether the rune r, decoded from size bytes, may be
// quoted as it is: valid UTF-8 that strconv.Quote leaves unescaped (it
// escapes exactly the runes unicode.IsPrint rejects).
func printable(r rune, size int) bool {
	if r < utf8.RuneSelf {
		return ' ' <= r && r < 0x7f
	}
	return !(r == utf8.RuneError && size == 1) && unicode.IsPrint(r)
}
