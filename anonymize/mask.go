package anonymize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Operator transforms one piece of personal data of the given kind into
// what may be shown or stored instead. Implementations must be safe for
// concurrent use and must not put value into an error.
type Operator interface {
	Apply(kind Kind, value string) (string, error)
}

// OperatorFunc adapts a function to [Operator].
type OperatorFunc func(kind Kind, value string) (string, error)

// Apply calls f.
func (f OperatorFunc) Apply(kind Kind, value string) (string, error) { return f(kind, value) }

type redactOp struct{}

func (redactOp) Apply(kind Kind, _ string) (string, error) { return "[" + string(kind) + "]", nil }

// Redact returns the operator that replaces a value by its kind in
// brackets, "[iin]", so a reader of the result still knows what was there.
// It is the default operator of a [Redactor].
func Redact() Operator { return redactOp{} }

type replaceOp string

func (r replaceOp) Apply(Kind, string) (string, error) { return string(r), nil }

// Replace returns the operator that replaces every value by s.
func Replace(s string) Operator { return replaceOp(s) }

// Mask is an operator that hides the letters and digits of a value behind
// Char, except the first KeepFirst and last KeepLast of them. Other
// characters (spaces, dashes, brackets, '@', '.') stay, so the shape of the
// value remains recognisable: Mask{KeepLast: 4} turns "4111 1111 1111 1111"
// into "**** **** **** 1111".
//
// A value with no more letters and digits than KeepFirst+KeepLast is masked
// entirely, so a mask never reveals a whole value. The zero Mask hides
// everything.
type Mask struct {
	KeepFirst int
	KeepLast  int
	Char      rune // '*' when zero
}

// Apply masks value. It never fails.
func (m Mask) Apply(_ Kind, value string) (string, error) {
	return m.String(value), nil
}

// String masks s.
func (m Mask) String(s string) string {
	ch := m.Char
	if ch == 0 || !utf8.ValidRune(ch) {
		ch = '*'
	}
	first, last := max(m.KeepFirst, 0), max(m.KeepLast, 0)
	total := 0
	for _, r := range s {
		if significant(r) {
			total++
		}
	}
	if first >= total || last >= total-first { // total <= first+last, without overflow
		first, last = 0, 0
	}
	var b strings.Builder
	b.Grow(len(s))
	k := 0
	for _, r := range s {
		if !significant(r) {
			b.WriteRune(r)
			continue
		}
		if k < first || k >= total-last {
			b.WriteRune(r)
		} else {
			b.WriteRune(ch)
		}
		k++
	}
	return b.String()
}

// significant reports whether r carries information a mask must hide.
// Invalid UTF-8 counts as significant, so it is masked rather than copied.
func significant(r rune) bool {
	return r == utf8.RuneError || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r)
}
