package anonymize

// parseIPv4 reads a dotted-quad IPv4 address starting at text[i]: four
// decimal octets of one to three digits, each at most 255 and without a
// leading zero ("1.02.3.4" is no address, as for net/netip: such octets
// are read as octal by some parsers, and such numbers are more often
// versions or dates). It must stand alone: not preceded by a letter or a
// dot, not followed by a digit or by a dot and a digit ("1.2.3.4.5" is no
// address).
func parseIPv4(text []byte, i, floor int) (end int, ok bool) {
	n := len(text)
	if i > floor && (text[i-1] == '.' || isAlnum(text[i-1])) {
		return 0, false
	}
	j := i
	for part := 0; part < 4; part++ {
		if part > 0 {
			if j >= n || text[j] != '.' {
				return 0, false
			}
			j++
		}
		v, d := 0, 0
		lead := j < n && text[j] == '0'
		for j < n && isDigit(text[j]) && d < 4 {
			v = v*10 + int(text[j]-'0')
			d++
			j++
		}
		if d == 0 || d > 3 || v > 255 || lead && d > 1 {
			return 0, false
		}
	}
	if j < n && (isDigit(text[j]) || text[j] == '.' && j+1 < n && isDigit(text[j+1])) {
		return 0, false
	}
	return j, true
}

func isHex(c byte) bool { return isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'f' }

// maxIPv6 is the longest IPv6 text the scanner reads: eight groups of four
// and seven colons, or six groups and an IPv4 tail.
const maxIPv6 = 45

// parseIPv6 reads an IPv6 address around the colon at text[i], looking
// back over hexadecimal digits no further than floor. The address must
// parse (net/netip), hold at least two colons and a decimal digit, and
// not be glued to other letters or digits. It returns the span and where
// to resume. Look-back and look-ahead are bounded, so the work per colon
// is too.
func parseIPv6(text []byte, i, floor int) (start, end, next int, ok bool) {
	if !colonNear(text, i, floor) {
		// An address has two colons, at most four hexadecimal digits
		// apart: one of them is near the colon at i ("12:30" is not).
		return 0, 0, i + 1, false
	}
	return parseIPv6Around(text, i, floor)
}

// parseIPv6Around is parseIPv6 without the quick test for a second colon.
//
// An address may stand after a key and a colon ("ip:2001:db8::1",
// "id:2001:db8::1", where the look-back also takes the key's last
// letters) or before a colon ("from 2001:db8::1: timeout"): no address
// starts or ends with a single colon, so a single colon at either end is
// left out, and when the span with the key's letters is no address, the
// span after the first single colon is tried if only letters come
// before that colon.
func parseIPv6Around(text []byte, i, floor int) (start, end, next int, ok bool) {
	n := len(text)
	s := i
	for s > floor && i-s < maxIPv6 && (isHex(text[s-1]) || text[s-1] == ':') {
		s--
	}
	e := i
	for e < n && e-s < maxIPv6 && (isHex(text[e]) || text[e] == ':' || text[e] == '.') {
		e++
	}
	next = i + 1
	if e < n && (isAlnum(text[e]) || text[e] == ':' || text[e] == '.') {
		return 0, 0, next, false // glued to letters, or longer than any address
	}
	for e > s && text[e-1] == '.' {
		e-- // the full stop of a sentence
	}
	if e-s >= 2 && text[e-1] == ':' && text[e-2] != ':' {
		e-- // a colon after the address
	}
	if !(s > floor && (isAlnum(text[s-1]) || text[s-1] == ':' || text[s-1] == '.')) && ipv6Span(text[s:e]) {
		return s, e, next, true
	}
	// A key and a single colon before the address: the colon at i or
	// one before it, after a word that is a key: letters only, or with
	// digits too when it has a letter no hexadecimal digit is ("ip6:",
	// "peer2:"); "abc2001:db8::1" is no key and an address.
	k := s
	for text[k] != ':' {
		k++
	}
	w := s
	for w > floor && isAlnum(text[w-1]) {
		w--
	}
	if !isKey(text[w:k]) {
		return 0, 0, next, false
	}
	if k+1 < e && text[k+1] != ':' && ipv6Span(text[k+1:e]) {
		return k + 1, e, next, true
	}
	return 0, 0, next, false
}

// isKey reports whether word, the letters and digits before a colon, can
// be a key rather than the first group of an address: it has no digit,
// or has a letter that is no hexadecimal digit.
func isKey(word []byte) bool {
	digit, plain := false, false
	for _, c := range word {
		switch {
		case isDigit(c):
			digit = true
		case !isHex(c):
			plain = true
		}
	}
	return !digit || plain
}

// ipv6Span reports whether b, set off from what is around it, is an IPv6
// address the scanner reports: it parses (validIPv6), and holds at least
// two colons and a decimal digit.
func ipv6Span(b []byte) bool {
	if len(b) < 3 {
		return false
	}
	colons, digit := 0, false
	for _, c := range b {
		if c == ':' {
			colons++
		} else if isDigit(c) {
			digit = true
		}
	}
	return colons >= 2 && digit && validIPv6(b)
}

// validIPv6 reports whether b is an IPv6 address in the text forms of
// RFC 4291 section 2.2: eight groups of one to four hexadecimal digits,
// at most one "::" standing for one or more zero groups, and optionally
// a dotted-quad IPv4 address as the last two groups. (net/netip parses
// the same forms, but would make the scanned text escape to the heap.)
func validIPv6(b []byte) bool {
	groups, double := 0, false
	i := 0
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		double, i = true, 2
		if i == len(b) {
			return true
		}
	} else if len(b) > 0 && b[0] == ':' {
		return false
	}
	for i < len(b) {
		// An IPv4 tail: digits followed by a dot.
		j := i
		for j < len(b) && isHex(b[j]) {
			j++
		}
		if j < len(b) && b[j] == '.' {
			end, ok := parseIPv4(b, i, i)
			if !ok || end != len(b) {
				return false
			}
			for k := i; k+1 < len(b); k++ {
				if b[k] == '0' && isDigit(b[k+1]) && (k == i || b[k-1] == '.') {
					return false // a leading zero, which RFC 4291 forms do not have
				}
			}
			groups += 2
			break
		}
		if j == i || j-i > 4 {
			return false
		}
		groups++
		i = j
		if i == len(b) {
			break
		}
		if b[i] != ':' {
			return false
		}
		i++
		if i < len(b) && b[i] == ':' {
			if double {
				return false
			}
			double = true
			i++
			if i == len(b) {
				break
			}
		} else if i == len(b) {
			return false // a trailing single colon
		}
	}
	if double {
		return groups < 8
	}
	return groups == 8
}

// colonNear reports whether another ':' lies within 5 bytes of the colon
// at text[i], not before floor: in an IPv6 address every colon has a
// neighbouring one, with one to four hexadecimal digits or nothing ("::")
// between them.
func colonNear(text []byte, i, floor int) bool {
	for k := max(i-5, floor); k < i; k++ {
		if text[k] == ':' {
			return true
		}
	}
	for k := i + 1; k <= i+5 && k < len(text); k++ {
		if text[k] == ':' {
			return true
		}
	}
	return false
}
