package anonymize

import (
	"regexp"
	"slices"
	"unsafe"
)

// kindSet is a bit set of built-in kinds.
type kindSet uint8

const (
	setIIN kindSet = 1 << iota
	setBIN
	setPhone
	setEmail
	setCard
	setIBAN
	setAll = setIIN | setBIN | setPhone | setEmail | setCard | setIBAN
)

func kindBit(k Kind) kindSet {
	switch k {
	case KindIIN:
		return setIIN
	case KindBIN:
		return setBIN
	case KindPhone:
		return setPhone
	case KindEmail:
		return setEmail
	case KindCard:
		return setCard
	case KindIBAN:
		return setIBAN
	}
	return 0
}

// Matcher finds host-defined personal data. AppendFindings appends what it
// finds in text to dst and returns the extended slice. It must be safe for
// concurrent use, must not modify or retain text, and should report spans
// within text (others are dropped). Register one with [WithMatcher].
type Matcher interface {
	AppendFindings(dst []Finding, text []byte) []Finding
}

// regexpMatcher adapts a regular expression to [Matcher].
type regexpMatcher struct {
	kind Kind
	re   *regexp.Regexp
}

func (m regexpMatcher) AppendFindings(dst []Finding, text []byte) []Finding {
	for _, loc := range m.re.FindAllIndex(text, -1) {
		if loc[1] > loc[0] {
			dst = append(dst, Finding{Kind: m.kind, Start: loc[0], End: loc[1]})
		}
	}
	return dst
}

// Scanner finds personal data in text: IINs, BINs, Kazakhstan mobile
// numbers, e-mail addresses, payment card numbers, Kazakhstan IBANs and any
// patterns the host registers. Numbers that fail their checksum or whose
// structure is impossible (an IIN born on the 32nd) are not reported.
//
// A Scanner is immutable and safe for concurrent use by multiple goroutines.
type Scanner struct {
	kinds    kindSet
	matchers []Matcher
}

// NewScanner returns a Scanner. By default it looks for every built-in
// kind; [WithKinds] narrows that, [WithPattern] and [WithMatcher] add the
// host's own.
func NewScanner(opts ...Option) *Scanner {
	c := newConfig(opts)
	return c.scanner()
}

// Scan returns the findings in text, in order of their start offset.
func (s *Scanner) Scan(text []byte) []Finding {
	return s.AppendFindings(nil, text)
}

// ScanString is [Scanner.Scan] for a string.
func (s *Scanner) ScanString(text string) []Finding {
	return s.AppendFindings(nil, unsafe.Slice(unsafe.StringData(text), len(text)))
}

// AppendFindings appends the findings in text to dst, in order of their
// start offset, and returns the extended slice. With built-in kinds only and
// a dst with room, it does not allocate.
//
// Built-in findings never overlap. The scan is a single pass: after a
// candidate fails, it resumes at the next position where an identifier
// could start, so "1234 4111 1111 1111 1111" still yields the card that
// starts at the second group. A card printed in groups is the window of
// groups that passes the Luhn check and starts with a payment card's
// first digit (2 to 6) in preference to one that does not
// ("1004 4111 1111 1111 1111" yields "4111 1111 1111 1111", though
// "1004 4111 1111 1111" passes the check too); 13 to 19 contiguous digits
// passing the check are a card whatever their first digit, since some
// cards (UATP, national schemes) start with 1, 8 or 9.
//
// An identifier directly followed by '@' is reported as part of an e-mail
// address only when the address parses and covers it: otherwise it is
// reported on its own.
func (s *Scanner) AppendFindings(dst []Finding, text []byte) []Finding {
	base := len(dst)
	dst = s.scanBuiltin(dst, text)
	if len(s.matchers) == 0 {
		return dst
	}
	for _, m := range s.matchers {
		n := len(dst)
		dst = m.AppendFindings(dst, text)
		// Keep the span invariant whatever the host matcher does.
		kept := dst[:n]
		for _, f := range dst[n:] {
			if f.Start >= 0 && f.Start < f.End && f.End <= len(text) {
				f.Verified = false
				kept = append(kept, f)
			}
		}
		dst = kept
	}
	slices.SortStableFunc(dst[base:], func(a, b Finding) int { return a.Start - b.Start })
	return dst
}

// startMask is a bit mask of the bytes below 0x40 that can begin a
// candidate: the digits and '+'.
const startMask uint64 = 0x03ff<<'0' | 1<<'+'

func (s *Scanner) scanBuiltin(dst []Finding, text []byte) []Finding {
	kinds := s.kinds
	email := kinds&setEmail != 0
	floor := 0 // end of the last finding: e-mail local parts stop here
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		if c < 0x40 {
			if startMask>>c&1 == 0 {
				i++
				continue
			}
		} else if c != '@' && c|0x20 != 'k' {
			i++
			continue
		}
		var f Finding
		next := i + 1
		switch {
		case c == '@':
			if email {
				if st, en, ok := parseEmail(text, i, floor); ok {
					f = Finding{Kind: KindEmail, Start: st, End: en}
				}
			}
		case c|0x20 == 'k':
			if kinds&setIBAN != 0 && i+1 < n && text[i+1]|0x20 == 'z' && (i == 0 || !isAlnum(text[i-1])) {
				if en, ok := parseIBAN(text, i); ok {
					f = Finding{Kind: KindIBAN, Start: i, End: en, Verified: true}
				}
			}
		case c == '+':
			if kinds&setPhone != 0 && (i == 0 || !isDigit(text[i-1])) {
				if en, _, ok := parsePhone(text, i); ok {
					f = Finding{Kind: KindPhone, Start: i, End: en}
				}
			}
		default:
			f, next = s.digits(text, i)
		}
		if f.End == 0 {
			i = next
			continue
		}
		if email && f.Kind != KindEmail && f.End < n && text[f.End] == '@' {
			f = emailAround(text, f, floor)
		}
		dst = append(dst, f)
		floor = f.End
		i = f.End
	}
	return dst
}

// emailAround returns the e-mail address whose local part ends with f,
// which text[f.End] == '@' follows, or f itself. The address replaces the
// identifier only if it parses and covers it all; otherwise the identifier
// stands ("ИИН 901123300258@"), so a stray '@' never makes redaction fail
// open.
func emailAround(text []byte, f Finding, floor int) Finding {
	if st, en, ok := parseEmail(text, f.End, floor); ok && st <= f.Start {
		return Finding{Kind: KindEmail, Start: st, End: en}
	}
	return f
}

// digits examines the digit run starting at text[i], which is not preceded
// by a digit. It returns a finding (End 0 if none) and where to resume: the
// end of the run, since no identifier starts after a digit.
func (s *Scanner) digits(text []byte, i int) (Finding, int) {
	n := len(text)
	j := i
	for j < n && isDigit(text[j]) {
		j++
	}
	l := j - i
	kinds := s.kinds
	switch {
	case l == 12 && kinds&(setIIN|setBIN) != 0:
		var d [12]byte
		for k := 0; k < 12; k++ {
			d[k] = text[i+k] - '0'
		}
		if k := classify12(&d); k != "" && kinds&kindBit(k) != 0 {
			return Finding{Kind: k, Start: i, End: j, Verified: true}, j
		}
		return Finding{}, j
	case l >= 13 && l <= 19 && kinds&setCard != 0:
		var d [19]byte
		for k := 0; k < l; k++ {
			d[k] = text[i+k] - '0'
		}
		if luhn(d[:l]) {
			return Finding{Kind: KindCard, Start: i, End: j, Verified: true}, j
		}
		return Finding{}, j
	}
	if kinds&setPhone != 0 && ((text[i] == '8' && l <= 11) || (text[i] == '7' && l == 11)) {
		if en, _, ok := parsePhone(text, i); ok {
			return Finding{Kind: KindPhone, Start: i, End: en}, j
		}
	}
	if kinds&setCard != 0 && l >= 3 && l <= 6 && j+1 < n && (text[j] == ' ' || text[j] == '-') && isDigit(text[j+1]) {
		if en, ok := parseGroupedCard(text, i); ok {
			return Finding{Kind: KindCard, Start: i, End: en, Verified: true}, j
		}
	}
	return Finding{}, j
}

// maxCardGroups is how many groups parseGroupedCard reads: the windows
// that start in the first group span at most 6 groups (19 digits in groups
// of at least 3), and those that overlap them end at most 6 groups later.
const maxCardGroups = 12

// plausibleCard reports whether a card number may start with digit d: the
// major industry identifiers of payment cards (2 Mir and Mastercard, 3
// Amex, JCB and Diners, 4 Visa, 5 Mastercard, 6 Discover, UnionPay and
// Maestro).
func plausibleCard(d byte) bool { return d-2 <= 4 }

// parseGroupedCard reads a card number printed in groups of 3 to 6 digits
// separated by single spaces or single dashes (one kind per number),
// starting at the group at text[i]. A window of consecutive groups holding
// 13 to 19 digits and passing the Luhn check is a candidate; the longest
// one that starts at the first group is the card ("4111 1111 1111 1111
// 2025" yields the card and leaves the year), unless its first digit is no
// payment card's ([plausibleCard]) and a window starting at a later group
// it overlaps is plausible. The Luhn check passes by chance one time in
// ten, so "1004 4111 1111 1111 1111" would otherwise mask "1004" and leave
// the card's last group in clear. When ok is false the caller resumes at
// the next group, which is examined in turn.
func parseGroupedCard(text []byte, i int) (end int, ok bool) {
	var d [maxCardGroups * 6]byte
	// counts[k] is the number of digits in groups 0 to k, ends[k] the
	// offset just past group k.
	var ends, counts [maxCardGroups]int
	groups, n, j := 0, 0, i
	var sep byte
	for groups < maxCardGroups {
		gs := j
		for j < len(text) && isDigit(text[j]) {
			if j-gs < 6 {
				d[n+j-gs] = text[j] - '0'
			}
			j++
		}
		g := j - gs
		if g < 3 || g > 6 {
			break
		}
		n += g
		ends[groups], counts[groups] = j, n
		groups++
		if j+1 < len(text) && (text[j] == ' ' || text[j] == '-') && isDigit(text[j+1]) && (sep == 0 || text[j] == sep) {
			sep = text[j]
			j++
			continue
		}
		break
	}
	last := -1 // the last group of the longest window from group 0
	for k := min(groups, 6) - 1; k >= 0; k-- {
		if c := counts[k]; c >= 13 && c <= 19 && luhn(d[:c]) {
			last = k
			break
		}
	}
	if last < 0 {
		return 0, false
	}
	if plausibleCard(d[0]) {
		return ends[last], true
	}
	for s := 1; s <= last; s++ {
		from := counts[s-1]
		if !plausibleCard(d[from]) {
			continue
		}
		for e := s; e < groups && counts[e]-from <= 19; e++ {
			if counts[e]-from >= 13 && luhn(d[from:counts[e]]) {
				return 0, false
			}
		}
	}
	return ends[last], true
}

// parseIBAN reads a KZ IBAN starting at text[i], upper or lower case, with
// single spaces allowed between characters as in printed groups of four.
func parseIBAN(text []byte, i int) (end int, ok bool) {
	var c [ibanLen]byte
	n, j := 0, i
	for j < len(text) && n < ibanLen {
		ch := text[j]
		if isAlnum(ch) {
			c[n] = upper(ch)
			n++
			j++
			continue
		}
		if ch == ' ' && j+1 < len(text) && isAlnum(text[j+1]) {
			j++
			continue
		}
		break
	}
	if n != ibanLen || (j < len(text) && isAlnum(text[j])) {
		return 0, false
	}
	return j, ibanChars(&c)
}
