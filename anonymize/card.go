package anonymize

// luhn reports whether the digit values in d pass the Luhn check.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i])
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// ValidCard reports whether s is a payment card number: 13 to 19 digits,
// optionally grouped by single spaces or dashes, passing the Luhn check.
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
			return false
		}
	}
	return n >= 13 && luhn(d[:n])
}

func isDigit(c byte) bool { return c-'0' <= 9 }
