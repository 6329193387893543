package anonymize

// isMobileCode reports whether 7, a, b is a Kazakhstan mobile operator code
// (Kcell/Activ 701, 702, 775, 778; Beeline 705, 777, 771, 776; Tele2/Altel
// 707, 747, 700, 708; plus the reserved 706, 750, 751, 760-764 ranges).
func isMobileCode(a, b byte) bool {
	switch a*10 + b {
	case 0, 1, 2, 5, 6, 7, 8,
		47,
		50, 51,
		60, 61, 62, 63, 64,
		71, 75, 76, 77, 78:
		return true
	}
	return false
}

// parsePhone reads a Kazakhstan mobile number that starts at text[i]: "+7",
// "8", or a bare "7" followed by ten contiguous digits. Between the digits
// it accepts spaces and dashes, and brackets around the operator code, never
// more than two separator bytes in a row. It returns the end of the number
// and its ten national digits (ASCII).
func parsePhone(text []byte, i int) (end int, nat [10]byte, ok bool) {
	j := i
	bare := false
	switch {
	case text[j] == '+':
		if j+1 >= len(text) || text[j+1] != '7' {
			return 0, nat, false
		}
		j += 2
	case text[j] == '8':
		j++
	case text[j] == '7':
		bare = true
		j++
	default:
		return 0, nat, false
	}
	n, sep := 0, 0
	paren := 0 // 0 none, 1 open, 2 closed
	for j < len(text) && n < 10 {
		c := text[j]
		if isDigit(c) {
			nat[n] = c
			n++
			sep = 0
			j++
			continue
		}
		if bare {
			return 0, nat, false
		}
		switch c {
		case ' ', '-':
		case '(':
			if n != 0 || paren != 0 {
				return 0, nat, false
			}
			paren = 1
		case ')':
			if n != 3 || paren != 1 {
				return 0, nat, false
			}
			paren = 2
		default:
			return 0, nat, false
		}
		sep++
		if sep > 2 {
			return 0, nat, false
		}
		j++
	}
	if n != 10 || paren == 1 || (j < len(text) && isDigit(text[j])) {
		return 0, nat, false
	}
	if nat[0] != '7' || !isMobileCode(nat[1]-'0', nat[2]-'0') {
		return 0, nat, false
	}
	return j, nat, true
}

// NormalizePhone returns the E.164 form (+7XXXXXXXXXX) of a Kazakhstan mobile
// number written in any common way ("+7 (771) 000-99-98", "8 771 000 99 98",
// "87710009998"), and reports whether s was such a number and nothing else.
func NormalizePhone(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	end, nat, ok := parsePhone([]byte(s), 0)
	if !ok || end != len(s) {
		return "", false
	}
	var out [12]byte
	out[0], out[1] = '+', '7'
	copy(out[2:], nat[:])
	return string(out[:]), true
}
