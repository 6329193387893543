package anonymize

// luhn reports whether the digit values in d pass the Luhn check. It
// takes the digits in pairs from the right, the doubled one through
// luhnDouble, so that no branch depends on a digit's value.
func luhn(d []byte) bool {
	sum := 0
	i := len(d) - 1
	for ; i > 0; i -= 2 {
		sum += int(d[i]) + luhnDouble[d[i-1]]
	}
	if i == 0 {
		sum += int(d[0])
	}
	return sum%10 == 0
}

// luhnDouble is a digit doubled as the Luhn check counts it: 2v, less 9
// when that exceeds 9. It is defined for every byte, as the loop it
// replaced was.
var luhnDouble = func() (t [256]int) {
	for v := range t {
		t[v] = 2 * v
		if t[v] > 9 {
			t[v] -= 9
		}
	}
	return t
}()

// ValidCard reports whether s is a payment card number: 13 to 19 digits,
// optionally grouped by single spaces or dashes, passing the Luhn check.
// A space may be of any width the [Scanner] takes between groups: a
// no-break (U+00A0), thin (U+2009) or narrow no-break (U+202F) space.
func ValidCard(s string) bool {
	var d [19]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return false
			}
			d[n] = c - '0'
			n++
		case (c == ' ' || c == '-') && i > 0 && i < len(s)-1 && isDigit(s[i-1]) && isDigit(s[i+1]):
		default:
			w := groupSpace(s, i)
			if w <= 1 || i == 0 || i+w >= len(s) || !isDigit(s[i-1]) || !isDigit(s[i+w]) {
				return false
			}
			i += w - 1
		}
	}
	return n >= 13 && luhn(d[:n])
}

// groupSpace returns the length of a space between groups at s[i]: an
// ASCII space or one of wideSpace's, or 0.
func groupSpace(s string, i int) int {
	if s[i] == ' ' {
		return 1
	}
	return wideSpace([]byte(s[i:min(i+3, len(s))]), 0)
}

func isDigit(c byte) bool { return c-'0' <= 9 }
