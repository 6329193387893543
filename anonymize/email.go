package anonymize

// E-mail addresses are found from their '@': the scanner has already passed
// the local part, so it looks back over it (never before the end of the
// previous finding, nor past another '@', so the scan stays linear) and
// forward over the domain. A local part longer than the 64 bytes RFC 5321
// allows is still taken whole: the address is redacted entirely rather
// than leave its beginning in clear. The grammar is
// the practical subset of RFC 5322 seen in text: dot-atoms of ASCII
// letters, digits and !#$%&'*+/=?^_`{|}~- on the left, and LDH labels with
// a final alphabetic label of at least two letters on the right.

const maxDomain = 253

func isAtext(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~', '-', '.':
		return true
	}
	return false
}

// parseEmail returns the span of the address whose '@' is text[at], looking
// back no further than floor.
func parseEmail(text []byte, at, floor int) (start, end int, ok bool) {
	lo := floor
	start = at
	for start > lo && isAtext(text[start-1]) {
		start--
	}
	// A dot-atom neither starts nor ends with a dot, and has no "..".
	for start < at && text[start] == '.' {
		start++
	}
	if start == at || text[at-1] == '.' {
		return 0, 0, false
	}
	for k := start + 1; k < at; k++ {
		if text[k] == '.' && text[k-1] == '.' {
			start = k + 1
		}
	}
	if start == at {
		return 0, 0, false
	}
	// Domain: labels of letters, digits and inner hyphens.
	j := at + 1
	hi := at + 1 + maxDomain
	if hi > len(text) {
		hi = len(text)
	}
	end = -1
	labels := 0
	for j < hi {
		ls := j
		alpha := true
		for j < hi && (isAlnum(text[j]) || text[j] == '-') {
			if !((text[j]|0x20) >= 'a' && (text[j]|0x20) <= 'z') {
				alpha = false
			}
			j++
		}
		if j == ls || text[ls] == '-' || text[j-1] == '-' || j-ls > 63 {
			break
		}
		labels++
		if labels >= 2 && alpha && j-ls >= 2 {
			end = j
		} else if labels >= 2 {
			// A final label of letters glued to digits ("mail.kz901123300258")
			// or to an IBAN ("mail.kzKZ86…"): the address ends with the
			// letters, before the identifier, which is scanned on its own.
			if e := gluedTLD(text, ls, j); e > 0 {
				end = e
				break
			}
		}
		if j+1 < hi && text[j] == '.' && isAlnum(text[j+1]) {
			j++
			continue
		}
		break
	}
	if end < 0 {
		return 0, 0, false
	}
	return start, end, true
}

// gluedTLD returns the end of a top-level domain of at least two letters
// at the start of the label text[ls:le] when what follows the letters is
// a digit or a KZ IBAN, and 0 otherwise.
func gluedTLD(text []byte, ls, le int) int {
	p := ls
	for p < le && (text[p]|0x20) >= 'a' && (text[p]|0x20) <= 'z' {
		p++
	}
	if p-ls < 2 || p == le {
		return 0
	}
	// An IBAN inside the letters ends the address before it.
	for q := ls + 2; q+1 < p; q++ {
		if text[q]|0x20 == 'k' && text[q+1]|0x20 == 'z' {
			if _, ok := parseIBAN(text, q); ok {
				return q
			}
		}
	}
	if isDigit(text[p]) {
		return p
	}
	return 0
}
