package anonymize

// ibanLen is the length of a Kazakhstan IBAN: KZ, 2 check digits, a 3-digit
// bank code and 13 alphanumerics.
const ibanLen = 20

// ibanChars checks the structure of 20 upper-cased IBAN characters and
// their mod-97 checksum.
func ibanChars(c *[ibanLen]byte) bool {
	if c[0] != 'K' || c[1] != 'Z' {
		return false
	}
	for i := 2; i < 7; i++ {
		if !isDigit(c[i]) {
			return false
		}
	}
	// Move the first four characters to the end and read the result as a
	// base-36 number, modulo 97: a digit is one decimal digit, a letter
	// two (A = 10). Characters are taken without a branch on their
	// class, which the processor would mispredict on mixed letters and
	// digits: the table gives the value, and the multiplier is chosen
	// from it. The value is reduced after every 8 characters, where it
	// is below 97·100^8 < 2^64.
	var rem, bad uint64
	for j := 4; j < 12; j++ {
		rem = ibanStep(rem, ibanValue[c[j]], &bad)
	}
	rem %= 97
	for j := 12; j < ibanLen; j++ {
		rem = ibanStep(rem, ibanValue[c[j]], &bad)
	}
	rem %= 97
	for j := range 4 {
		rem = ibanStep(rem, ibanValue[c[j]], &bad)
	}
	return bad < 64 && rem%97 == 1
}

// ibanStep appends the character of value v (ibanValue) to rem, and
// ORs v into bad, which so stays below 64 only if every value was valid.
func ibanStep(rem uint64, v byte, bad *uint64) uint64 {
	*bad |= uint64(v)
	mul := uint64(10)
	if v >= 10 {
		mul = 100
	}
	return rem*mul + uint64(v)
}

// ibanValue is the value of an IBAN character in the mod-97 check: 0-9
// for the digits, 10-35 for the capitals A-Z, and 0xFF for other bytes.
var ibanValue = func() (t [256]byte) {
	for c := range t {
		switch {
		case isDigit(byte(c)):
			t[c] = byte(c) - '0'
		case c >= 'A' && c <= 'Z':
			t[c] = byte(c) - 'A' + 10
		default:
			t[c] = 0xFF
		}
	}
	return t
}()

// ibanUpper is the upper case of an ASCII letter or digit, and 0 for
// other bytes: parseIBAN reads characters through it without a branch
// on their class.
var ibanUpper = func() (t [256]byte) {
	for c := range t {
		if isAlnum(byte(c)) {
			t[c] = upper(byte(c))
		}
	}
	return t
}()

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// ValidIBAN reports whether s is a Kazakhstan IBAN with a valid mod-97
// checksum. Letters may be in either case and groups may be separated by
// single spaces, as IBANs are printed ("KZ86 125K ZT50 0410 0100"), of
// any width the [Scanner] takes: a no-break (U+00A0), thin (U+2009) or
// narrow no-break (U+202F) space too.
func ValidIBAN(s string) bool {
	var c [ibanLen]byte
	n := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if w := groupSpace(s, i); w > 0 && i > 0 && i+w < len(s) && isAlnum(s[i-1]) && isAlnum(s[i+w]) {
			i += w - 1
			continue
		}
		if n == ibanLen || !isAlnum(ch) {
			return false
		}
		c[n] = upper(ch)
		n++
	}
	return n == ibanLen && ibanChars(&c)
}

func isAlnum(c byte) bool {
	return isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'z'
}
