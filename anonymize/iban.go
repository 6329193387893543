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
	// base-36 number, modulo 97. The value is carried in 64 bits and
	// reduced only when it could overflow.
	var rem uint64
	for j := 0; j < ibanLen; j++ {
		ch := c[(j+4)%ibanLen]
		switch {
		case isDigit(ch):
			rem = rem*10 + uint64(ch-'0')
		case ch >= 'A' && ch <= 'Z':
			rem = rem*100 + uint64(ch-'A') + 10
		default:
			return false
		}
		if rem >= 1<<50 {
			rem %= 97
		}
	}
	rem %= 97
	return rem == 1
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// ValidIBAN reports whether s is a Kazakhstan IBAN with a valid mod-97
// checksum. Letters may be in either case and groups may be separated by
// single spaces, as IBANs are printed ("KZ86 125K ZT50 0410 0100").
func ValidIBAN(s string) bool {
	var c [ibanLen]byte
	n := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == ' ' && i > 0 && i < len(s)-1 && s[i-1] != ' ' {
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
