package anonymize

// Telephone numbers of the +7 zone.
//
// Kazakhstan and Russia share country code 7 under the unified numbering
// plan; by the agreement of 11 June 2006 Kazakhstan holds zone codes 6xx
// and 7xx. The national numbering plan of the Republic of Kazakhstan
// (kept by the Telecommunications Committee of the Ministry of Digital
// Development, Innovations and Aerospace Industry, published to the ITU
// as the E.164 national plan for +7 6/7) assigns, for ten-digit national
// significant numbers 7XX XXX XX XX:
//
//	710-729  geographic (fixed line) zones, with an area code of one or
//	         two more digits: 7172 Astana, 727 Almaty, 7212 Karaganda,
//	         7232 Oskemen, 7252 Shymkent, 7262 Taraz, 7242 Kyzylorda,
//	         7182 Pavlodar, 7142 Kostanay, 7152 Petropavl, 7132 Aktobe,
//	         7112 Oral, 7122 Atyrau, 7292 Aktau, 7162 Kokshetau, ...
//	700-709, 747, 771-778
//	         mobile networks (Kcell/Activ 701, 702, 775, 778; Beeline 705,
//	         777, 771, 776; Tele2/Altel 707, 747, 700, 708; and the rest of
//	         the 70x block)
//	750-769  non-geographic services
//
// Russian mobile numbers are the 9xx codes of the Russian plan (Minцифры
// России, "Российская система и план нумерации"). Fixed-line numbers of
// Russia (3xx, 4xx, 8xx) are not reported: 8xx holds toll-free service
// numbers, and the others are too easily confused with other numbers.

// phoneLine classifies the first three national digits (ASCII) of a
// number. ru allows the Russian mobile codes, which are reported only
// after a +7 or 8 prefix.
func phoneLine(a, b, c byte, ru bool) PhoneLine {
	switch a {
	case '7':
		switch b {
		case '0':
			return LineMobile
		case '1', '2':
			return LineFixed
		case '4':
			if c == '7' {
				return LineMobile
			}
		case '5', '6':
			return LineService
		case '7':
			if c >= '1' && c <= '8' {
				return LineMobile
			}
		}
	case '9':
		if ru {
			return LineMobile
		}
	}
	return LineUnknown
}

// isPhoneSep reports the length of a separator a written number may hold
// between digits at text[j]: a space, a dash, a dot, or a no-break or
// thin space (wideSpace).
func isPhoneSep(text []byte, j int) int {
	switch text[j] {
	case ' ', '-', '.':
		return 1
	}
	return wideSpace(text, j)
}

// parsePhone reads a phone number that starts at text[i] in one of the
// written forms:
//
//	+7 …, 8 …   the prefix, then ten national digits with single spaces,
//	            dashes, dots, no-break or thin spaces between them (never more
//	            than two separators in a row) and the zone or area code
//	            (3, 4 or 5 digits) optionally in brackets:
//	            "+7 (771) 000-99-98", "8 (7172) 55-66-77", "+77710009998"
//	(7…) …      the same without prefix, code in brackets: "(727) 250-50-50"
//	7XXXXXXXXX  ten contiguous national digits standing alone, or eleven
//	            with the country code: "7710009998", "77710009998"
//	7 7XX …     the country code without its plus, then as above
//	7XX XXX …   ten national digits in groups of at least two, the first
//	            of 3 to 5 digits, separated by single spaces (of any
//	            width, see nextGroup) or dashes: "771 000 99 98",
//	            "7172 55 66 77"
//
// Without a prefix only Kazakhstan codes count. It returns the end of the
// number, its ten national digits (ASCII) and its line.
func parsePhone(text []byte, i int) (end int, nat [10]byte, line PhoneLine, ok bool) {
	j := i
	n := len(text)
	switch text[j] {
	case '+':
		if j+1 >= n || text[j+1] != '7' {
			return 0, nat, 0, false
		}
		return parseNational(text, j+2, true, true)
	case '8':
		return parseNational(text, j+1, true, true)
	case '(':
		if j+1 >= n || text[j+1] != '7' {
			return 0, nat, 0, false
		}
		return parseNational(text, j, false, false)
	case '7':
		if j+2 < n && (text[j+1] == ' ' || text[j+1] == '-') && text[j+2] == '7' {
			// "7 701 123 45 67": the country code without its plus;
			// Kazakhstan codes only.
			return parseNational(text, j+2, true, false)
		}
		return parseBarePhone(text, i)
	}
	return 0, nat, 0, false
}

// parseNational reads the ten national digits of a number from text[j],
// after its prefix if prefixed (otherwise the code must be in brackets).
// ru admits the Russian mobile codes.
func parseNational(text []byte, j int, prefixed, ru bool) (end int, nat [10]byte, line PhoneLine, ok bool) {
	n := len(text)
	k, sep := 0, 0
	paren := 0 // 0 none, 1 open, 2 closed
	for j < n && k < 10 {
		c := text[j]
		if isDigit(c) {
			nat[k] = c
			k++
			sep = 0
			j++
			continue
		}
		w := 1
		switch c {
		case '(':
			if k != 0 || paren != 0 {
				return 0, nat, 0, false
			}
			paren = 1
		case ')':
			if k < 3 || k > 5 || paren != 1 {
				return 0, nat, 0, false
			}
			paren = 2
		default:
			if w = isPhoneSep(text, j); w == 0 {
				return 0, nat, 0, false
			}
		}
		sep++
		if sep > 2 {
			return 0, nat, 0, false
		}
		j += w
	}
	if k != 10 || paren == 1 || (j < n && isDigit(text[j])) {
		return 0, nat, 0, false
	}
	if !prefixed && paren != 2 {
		return 0, nat, 0, false
	}
	line = phoneLine(nat[0], nat[1], nat[2], ru)
	if line == LineUnknown {
		return 0, nat, 0, false
	}
	return j, nat, line, true
}

// parseBarePhone reads a number without prefix starting with 7 at text[i]:
// contiguous (10 national digits, or 11 with the country code) or in
// groups.
func parseBarePhone(text []byte, i int) (end int, nat [10]byte, line PhoneLine, ok bool) {
	n := len(text)
	j := i
	for j < n && isDigit(text[j]) {
		j++
	}
	l := j - i
	standsAlone := func(e int) bool {
		// Not followed by a separator and more digits: "7710009998 12"
		// is a longer number, not a phone.
		_, _, more := nextGroup(text, e, 0)
		return !more
	}
	switch {
	case l == 10 || l == 11:
		copy(nat[:], text[j-10:j])
		if l == 11 && text[i+1] != '7' {
			return 0, nat, 0, false
		}
		line = phoneLine(nat[0], nat[1], nat[2], false)
		if line == LineUnknown || !standsAlone(j) {
			return 0, nat, 0, false
		}
		return j, nat, line, true
	case l < 3 || l > 5:
		return 0, nat, 0, false
	}
	k := 0
	var sep byte
	j = i
	for {
		gs := j
		for j < n && isDigit(text[j]) && k < 10 {
			nat[k] = text[j]
			k++
			j++
		}
		if g := j - gs; g < 2 || (j < n && isDigit(text[j])) {
			return 0, nat, 0, false
		}
		if k == 10 {
			break
		}
		if c, next, ok := nextGroup(text, j, sep); ok {
			sep, j = c, next
			continue
		}
		return 0, nat, 0, false
	}
	line = phoneLine(nat[0], nat[1], nat[2], false)
	if line == LineUnknown || !standsAlone(j) {
		return 0, nat, 0, false
	}
	return j, nat, line, true
}

// NormalizePhone returns the E.164 form (+7XXXXXXXXXX) of a phone number
// written in any of the forms the [Scanner] finds ("+7 (771) 000-99-98",
// "8 (7172) 55-66-77", "87710009998", "(727) 250-50-50"), and reports
// whether s was such a number and nothing else.
func NormalizePhone(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	end, nat, _, ok := parsePhone([]byte(s), 0)
	if !ok || end != len(s) {
		return "", false
	}
	var out [12]byte
	out[0], out[1] = '+', '7'
	copy(out[2:], nat[:])
	return string(out[:]), true
}
