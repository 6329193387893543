package anonymize

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"regexp"
	"slices"
	"unsafe"
)

// kindSet is a bit set of built-in kinds.
type kindSet uint16

const (
	setIIN kindSet = 1 << iota
	setBIN
	setPhone
	setEmail
	setCard
	setIBAN
	setIP
	setDocument
	setPlate
	setName
	setAll = setIIN | setBIN | setPhone | setEmail | setCard | setIBAN | setIP | setDocument | setPlate | setName
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
	case KindIP:
		return setIP
	case KindDocument:
		return setDocument
	case KindPlate:
		return setPlate
	case KindName:
		return setName
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

// Scanner finds personal data in text: the built-in kinds ([KindIIN] and
// the others) and any patterns the host registers. Numbers that fail their
// checksum or whose structure is impossible (an IIN born on the 32nd) are
// not reported.
//
// The zero Scanner looks for every built-in kind, so a Scanner that was
// never configured still finds personal data rather than none.
//
// A Scanner is immutable and safe for concurrent use by multiple goroutines.
type Scanner struct {
	off      kindSet // built-in kinds not looked for: zero means all
	matchers []Matcher
}

// NewScanner returns a Scanner. By default it looks for every built-in
// kind; [WithKinds] narrows that, [WithPattern] and [WithMatcher] add the
// host's own.
func NewScanner(opts ...ScannerOption) *Scanner {
	var c scannerConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
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
// a dst with room, it does not allocate. A nil Scanner behaves as the zero
// Scanner.
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
// reported on its own. Digits written in full width ("９０１１２３…") are
// read as the ASCII digits they stand for, and an IIN or BIN may be
// printed in groups ("901123 300258", "9011-2330-0258").
func (s *Scanner) AppendFindings(dst []Finding, text []byte) []Finding {
	if s == nil {
		s = &Scanner{}
	}
	base := len(dst)
	dst = s.scanBuiltin(dst, text, scanFast)
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

// Trigger classes: what a byte can start. The table classifies the bytes
// where skip stops.
const (
	tNone   uint8 = iota
	tDigit        // '0'-'9': IIN, BIN, card, phone, IPv4, document, plate
	tPlus         // '+': phone
	tParen        // '(': phone with its code in brackets and no prefix
	tAt           // '@': e-mail, looking back over the local part
	tK            // 'K', 'k': IBAN
	tColon        // ':': IPv6, looking back over the first groups
	tN            // 'N': passport number
	tFull         // 0xEF: the lead byte of full-width digits
	tCyrCap       // 0x90-0xAF, 0x86: second byte of a Cyrillic capital (А-Я, І, Ғ, Қ, Ң, Ү, Ә, Ө)
	tAnchor       // a name's anchor (anchorAt), not in the table
	tLimit        // skip reached the caller's limit
)

var trigger = [256]uint8{
	'0': tDigit, '1': tDigit, '2': tDigit, '3': tDigit, '4': tDigit,
	'5': tDigit, '6': tDigit, '7': tDigit, '8': tDigit, '9': tDigit,
	'+': tPlus, '(': tParen, '@': tAt, 'K': tK, 'k': tK, ':': tColon, 'N': tN,
	0xEF: tFull, 0x86: tCyrCap,
	0x90: tCyrCap, 0x91: tCyrCap, 0x92: tCyrCap, 0x93: tCyrCap, 0x94: tCyrCap, 0x95: tCyrCap, 0x96: tCyrCap, 0x97: tCyrCap,
	0x98: tCyrCap, 0x99: tCyrCap, 0x9A: tCyrCap, 0x9B: tCyrCap, 0x9C: tCyrCap, 0x9D: tCyrCap, 0x9E: tCyrCap, 0x9F: tCyrCap,
	0xA0: tCyrCap, 0xA1: tCyrCap, 0xA2: tCyrCap, 0xA3: tCyrCap, 0xA4: tCyrCap, 0xA5: tCyrCap, 0xA6: tCyrCap, 0xA7: tCyrCap,
	0xA8: tCyrCap, 0xA9: tCyrCap, 0xAA: tCyrCap, 0xAB: tCyrCap, 0xAC: tCyrCap, 0xAD: tCyrCap, 0xAE: tCyrCap, 0xAF: tCyrCap,
}

// triggerOf is the table as a switch, for the reference scan the tests
// compare the table-driven one with.
func triggerOf(c byte) uint8 {
	switch {
	case c >= '0' && c <= '9':
		return tDigit
	case c == '+':
		return tPlus
	case c == '(':
		return tParen
	case c == '@':
		return tAt
	case c == 'K' || c == 'k':
		return tK
	case c == ':':
		return tColon
	case c == 'N':
		return tN
	case c == 0xEF:
		return tFull
	case c == 0x86 || c >= 0x90 && c <= 0xAF:
		return tCyrCap
	}
	return tNone
}

// The skip over text that cannot start a candidate.
//
// A scan that looks for names stops at every Cyrillic capital (and at
// the Kazakh small letters sharing a capital's second byte): with that
// many trigger classes, skipTable, eight table reads per eight bytes, is
// the cheapest test measured. Without names, only one byte range must
// be looked for in every word: 0x30-0x40, ASCII digits, ':' and '@';
// skip tests eight bytes at a time for it with a few
// word-wide operations (SWAR: one 0x80 bit per matching byte), without
// a branch per byte, which on mixed Cyrillic and ASCII text the
// processor mispredicts at most spaces. The full-width lead byte 0xEF
// is rare and looked for with bytes.IndexByte (nextFull).
//
// The other triggers, '+', '(', 'N' and 'K'/'k', start a candidate only
// right before digits, and skip finds them by looking back from the
// digit:
//
//	'+'  a phone only as "+7" (parsePhone reads text[i+1] == '7')
//	'('  a phone only as "(7"
//	'N'  a passport only as 'N' and 8 digits
//	'K'  an IBAN only as "KZ" and check digits, with at most one space
//	     between "KZ" and them ("KZ86…", "KZ 86…", "KZ\u00a086…":
//	     ibanChars wants digits at 2-6 and parseIBAN skips single spaces,
//	     no-break and thin ones too)
//
// Anywhere else the reference scan looks at them, finds nothing and moves
// on by one byte, so passing over them changes nothing. Before a digit,
// at most one of them applies (the byte before the digit is '+', '(',
// 'N', 'Z'/'z', ' ' or the last byte of a no-break or thin space, never
// two of them), and the bytes between it and the digit are no triggers
// (0xA0 and 0xAF, in the table as second bytes of capitals, follow no
// capital's first byte there), so the reference would have looked at it
// just before the digit, as skip makes the scan do. A look-back never
// reaches before i, where the scan already was.

// skipTable returns the first position from i where a candidate,
// capitals included, may start, and its trigger class. It reads eight
// bytes at a time through the table, and looks at single bytes only
// inside a block that holds a trigger; Kazakh small letters that share a
// capital's second byte are passed over there.
func skipTable(text []byte, i int) (int, uint8) {
	n := len(text)
	for ; i+8 <= n; i += 8 {
		b := text[i : i+8 : i+8]
		// One bit per byte that may start a candidate.
		m := uint(isTrigger[b[0]]) | uint(isTrigger[b[1]])<<1 | uint(isTrigger[b[2]])<<2 | uint(isTrigger[b[3]])<<3 |
			uint(isTrigger[b[4]])<<4 | uint(isTrigger[b[5]])<<5 | uint(isTrigger[b[6]])<<6 | uint(isTrigger[b[7]])<<7
		for m != 0 {
			k := bits.TrailingZeros(m)
			if t := trigger[b[k]]; t != tCyrCap || capitalAt(text, i+k) {
				return i + k, t
			}
			m &= m - 1
		}
	}
	for ; i < n; i++ {
		if t := trigger[text[i]]; t != tNone && (t != tCyrCap || capitalAt(text, i)) {
			return i, t
		}
	}
	return n, tNone
}

// isTrigger is 1 where trigger is not tNone.
var isTrigger = func() (t [256]uint8) {
	for c, k := range trigger {
		if k != tNone {
			t[c] = 1
		}
	}
	return t
}()

const (
	lanes1 = 0x0101010101010101 // 0x01 in every byte
	lanes7 = 0x7F7F7F7F7F7F7F7F // 0x7F in every byte
	lanes8 = 0x8080808080808080 // 0x80 in every byte
)

// skip returns the first position from i where a candidate other than a
// name may start, and its trigger class. lim is a position at or after i
// where the caller wants to stop anyway (the next 0xEF, a name's anchor;
// len(text) if none): it is returned as tLimit unless a stop comes
// before it.
//
// Each 8-byte word x is tested with word-wide arithmetic that sets the
// top bit of each byte to look at, exactly (no byte is set because of
// its neighbours: no carry or borrow crosses a byte):
//
//	low = x & 0x7F…  the low seven bits of each byte
//	(0xC0… - low) &^ x & (low + 0x50…)
//	     top bit set iff the byte is ASCII (x's top bit clear), low ≤ 0x40
//	     and low ≥ 0x30: digits, ':', '@', and the rare ";<=>?". The
//	     subtraction never borrows (0xC0 - 0x7F > 0), the addition never
//	     carries (0x7F + 0x50 < 0x100).
//
// Bytes past the end of text are read as zero, which matches nothing.
func skip(text []byte, i, lim int) (int, uint8) {
	n := len(text)
	from := i
	for i < n {
		if i > lim {
			return lim, tLimit
		}
		var x uint64
		if i+16 <= n {
			// Two words per test where text allows: most have no
			// stop, and the loop's own tests are half its cost.
			x = load64(text, i)
			if stopBytes(x)|stopBytes(load64(text, i+8)) == 0 {
				i += 16
				continue
			}
		} else if i+8 <= n {
			x = load64(text, i)
		} else {
			var b [8]byte
			copy(b[:], text[i:])
			x = binary.LittleEndian.Uint64(b[:])
		}
		m := stopBytes(x)
		if m == 0 {
			i += 8
			continue
		}
		for m != 0 {
			p := i + bits.TrailingZeros64(m)>>3
			m &= m - 1
			if lim < p {
				return lim, tLimit
			}
			switch t := trigger[text[p]]; t {
			case tDigit:
				if p > from {
					switch b := beforeDigit[text[p-1]]; b {
					case tNone:
					case bZ: // "KZ86…"
						if p-2 >= from && text[p-2]|0x20 == 'k' {
							return p - 2, tK
						}
					case bSpace: // "KZ 86…"
						if p-3 >= from && text[p-2]|0x20 == 'z' && text[p-3]|0x20 == 'k' {
							return p - 3, tK
						}
					case bWide: // "KZ\u00a086…"
						if k, ok := kzBefore(text, from, p); ok {
							return k, tK
						}
					default: // '+', '(' or 'N'
						return p - 1, b
					}
				}
				return p, t
			case tNone:
			default:
				return p, t
			}
		}
		i += 8
	}
	if lim < n {
		return lim, tLimit
	}
	return n, tNone
}

// stopBytes sets the top bit of each byte of x in 0x30-0x40 (see skip).
func stopBytes(x uint64) uint64 {
	low := x & lanes7
	return (lanes1*0xC0 - low) &^ x & (low + lanes1*0x50) & lanes8
}

// beforeDigit classifies the byte before a digit for skip's look-back:
// the trigger it is ('+', '(', 'N'), or bZ, bSpace and bWide, which make
// "KZ" before them an IBAN's start.
var beforeDigit = [256]uint8{'+': tPlus, '(': tParen, 'N': tN, 'Z': bZ, 'z': bZ, ' ': bSpace,
	0xA0: bWide, 0x89: bWide, 0xAF: bWide}

// Look-back classes of beforeDigit that are not triggers.
const (
	bZ     uint8 = 100 + iota // 'Z' or 'z'
	bSpace                    // ' '
	bWide                     // the last byte of a no-break or thin space (wideSpace)
)

// kzBefore reports whether "KZ" (any case) and a no-break or thin space
// end at text[p], not before from, and returns where "KZ" starts: an
// IBAN printed "KZ\u00a086…", which parseIBAN reads.
func kzBefore(text []byte, from, p int) (int, bool) {
	w := groupSepBefore(text, p)
	k := p - w - 2
	return k, w > 1 && k >= from && text[k]|0x20 == 'k' && text[k+1]|0x20 == 'z'
}

// nextFull returns the position of the first 0xEF (the lead byte of
// full-width forms) at or after i, or len(text). It is rare in ru/kk/en
// text, so skip does not test every word for it.
func nextFull(text []byte, i int) int {
	if k := bytes.IndexByte(text[i:], 0xEF); k >= 0 {
		return i + k
	}
	return len(text)
}

// load64 reads text[i:i+8] as a little-endian word, without the bounds
// checks the compiler cannot drop in skip's loop: the caller ensures
// 0 ≤ i and i+8 ≤ len(text). On little-endian machines it is one load.
func load64(text []byte, i int) uint64 {
	return binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(text)), i))[:])
}

// How scanBuiltin moves between candidates. All three find the same.
const (
	// scanReference looks at every byte through triggerOf.
	scanReference = iota
	// scanGo skips with word-wide tests in Go (skip, nextAnchor).
	scanGo
	// scanFast is scanGo with the skip done 32 bytes at a time by
	// stopIndexAVX2 where the processor has AVX2 (haveVector).
	scanFast
)

// scanBuiltin appends the built-in findings of text to dst. mode selects
// how it skips (scanReference, scanGo, scanFast); the reference path looks at every
// byte through triggerOf, and the two must agree.
func (s *Scanner) scanBuiltin(dst []Finding, text []byte, mode int) []Finding {
	on := setAll &^ s.off
	email := on&setEmail != 0
	names := on&setName != 0
	floor := 0 // end of the last finding: look-backs stop here
	n := len(text)
	i := 0
	ef := -1 // the next 0xEF at or after i, or n, when ef ≥ i
	av := -1 // the next anchor 'в' at or after i, or n, when av ≥ i
	ay := -1 // the next anchor 'ы' at or after i, or n, when ay ≥ i
	vector := mode == scanFast && haveVector
	fast := mode != scanReference
	for i < n {
		var t uint8
		if vector {
			from := i
			i, t = skipVector(text, i, names)
			if names && (t == tK || t == tN) && i > from && mayShadow(text[i-1]) {
				i, t = skipTable(text, from)
			}
			if i >= n {
				break
			}
			if t == tAnchor {
				st, en, next := anchoredName(text, from, i, floor)
				if en == 0 {
					i = next
					continue
				}
				dst, floor = appendFound(dst, text, KindName, st, en, false, 0, email, floor)
				i = floor
				continue
			}
		} else if fast {
			if ef < i {
				ef = nextFull(text, i)
			}
			if names {
				if av < i {
					av = nextAnchor(text, i, 0xB2)
				}
				if ay < i {
					ay = nextAnchor(text, i, 0x8B)
				}
				from := i
				i, t = skip(text, i, min(ef, av, ay))
				if t == tLimit {
					t = tFull
					if i != ef {
						t = tAnchor
					}
				}
				if (t == tK || t == tN) && i > from && mayShadow(text[i-1]) {
					// A letter before: take the exact way (see
					// mayShadow).
					i, t = skipTable(text, from)
				} else if t == tAnchor {
					var st, en int
					st, en, i = anchoredName(text, from, i, floor)
					if en == 0 {
						continue
					}
					dst, floor = appendFound(dst, text, KindName, st, en, false, 0, email, floor)
					i = floor
					continue
				}
			} else {
				i, t = skip(text, i, ef)
				if t == tLimit {
					t = tFull
				}
			}
			if i >= n {
				break
			}
		} else if t = triggerOf(text[i]); t == tNone || t == tCyrCap && !(names && capitalAt(text, i)) {
			i++
			continue
		}
		// The finding, as its fields: a Finding assigned here and
		// copied into dst would be moved with loads wider than the
		// stores that wrote it, which stall at every finding.
		var (
			kind     Kind
			st, en   int
			verified bool
			line     PhoneLine
		)
		next := i + 1
		// Digits are most stops: a test of their own rather than a
		// jump through the switch's table.
		if t == tDigit {
			var h digitHit
			h, next = s.digits(text, i, on, floor)
			if !fast {
				next = digitRunEnd(text, i)
			}
			if h.end == 0 {
				i = max(next, i+1)
				continue
			}
			kind, st, en, verified, line = h.kind, i, h.end, h.verified, h.line
			t = tNone
		}
		switch t {
		case tPlus, tParen:
			if on&setPhone != 0 && (i == floor || !isDigit(text[i-1])) {
				if fe, _, l, ok := parsePhone(text, i); ok {
					kind, st, en, line = KindPhone, i, fe, l
				}
			}
		case tAt:
			if email {
				if fs, fe, ok := parseEmail(text, i, floor); ok {
					kind, st, en = KindEmail, fs, fe
				}
			}
		case tK:
			// An IBAN is taken even glued to letters or digits: its
			// length is fixed and its mod-97 check makes it certain.
			if on&setIBAN != 0 && i+1 < n && text[i+1]|0x20 == 'z' {
				if fe, ok := parseIBAN(text, i); ok {
					kind, st, en, verified = KindIBAN, i, fe, true
				}
			}
		case tColon:
			if on&setIP != 0 {
				var fs, fe int
				var ok bool
				if fs, fe, next, ok = parseIPv6(text, i, floor); ok {
					kind, st, en = KindIP, fs, fe
				}
			}
		case tN:
			if on&setDocument != 0 {
				if fe, ok := parsePassport(text, i, floor); ok {
					kind, st, en = KindDocument, i, fe
				}
			}
		case tFull:
			m := len(dst)
			dst, next = s.fullWidth(dst, text, i, floor)
			if len(dst) > m {
				floor = dst[len(dst)-1].End
			}
			i = next
			continue
		case tCyrCap:
			{
				var fs, fe int
				var ok bool
				if fs, fe, next, ok = nameAt(text, i-1, floor); ok {
					kind, st, en = KindName, fs, fe
				}
			}
		}
		if en == 0 {
			i = max(next, i+1)
			continue
		}
		dst, floor = appendFound(dst, text, kind, st, en, verified, line, email && kind != KindEmail, floor)
		i = floor
	}
	return dst
}

// appendFound appends to dst the finding of kind k at text[start:end],
// or, when email is set and '@' follows it, the e-mail address whose
// local part ends with it. It returns dst and the end of what it
// appended. The address replaces the identifier only if it parses and
// covers it all; otherwise the identifier stands ("ИИН 901123300258@"),
// so a stray '@' never makes redaction fail open.
//
// The finding comes as its fields and is built once, in dst (see the
// scan loop).
func appendFound(dst []Finding, text []byte, k Kind, start, end int, verified bool, line PhoneLine, email bool, floor int) ([]Finding, int) {
	if email && end < len(text) && text[end] == '@' {
		if st, en, ok := parseEmail(text, end, floor); ok && st <= start {
			k, start, end, verified, line = KindEmail, st, en, false, 0
		}
	}
	// Field by field into the new element: a Finding literal would be
	// built on the stack and copied with the same wide loads.
	dst = append(dst, Finding{})
	f := &dst[len(dst)-1]
	f.Kind, f.Start, f.End, f.Verified, f.Line = k, start, end, verified, line
	return dst, end
}

// digitHit is what digits finds in a digit run: a Finding without its
// start, which is the run's. With four fields it is kept in registers: a
// Finding, one field more, is returned through memory, and copying it
// there stalls on every digit run (wide loads of narrower stores).
type digitHit struct {
	kind     Kind
	end      int
	line     PhoneLine
	verified bool
}

// digits examines the digit run starting at text[i]. It returns a finding
// (end 0 if none) and where a fast scan may resume: the end of the run,
// since no identifier starts after a digit, or past a run of groups that
// holds nothing (deadRunEnd). The reference scan resumes at the end of
// the digit run, so that the differential tests check deadRunEnd. What
// stands before floor is a finding, which redaction replaces: it never
// glues a candidate to its left.
func (s *Scanner) digits(text []byte, i int, on kindSet, floor int) (digitHit, int) {
	n := len(text)
	j := digitRunEnd(text, i)
	l := j - i
	switch {
	case l == 12 && on&(setIIN|setBIN) != 0:
		// Digit values, eight bytes at a time: every byte is a digit,
		// so subtracting '0' from each never borrows across bytes.
		var d [12]byte
		binary.LittleEndian.PutUint64(d[:8], load64(text, i)-lanes1*'0')
		binary.LittleEndian.PutUint32(d[8:], binary.LittleEndian.Uint32(text[i+8:i+12])-0x30303030)
		if k := classify12(&d); k != "" && on&kindBit(k) != 0 {
			return digitHit{kind: k, end: j, verified: true}, j
		}
		return digitHit{}, j
	case l >= 13 && l <= 19 && on&setCard != 0:
		var d [19]byte
		binary.LittleEndian.PutUint64(d[:8], load64(text, i)-lanes1*'0')
		for k := 8; k < l; k++ {
			d[k] = text[i+k] - '0'
		}
		if luhn(d[:l]) {
			return digitHit{kind: KindCard, end: j, verified: true}, j
		}
		return digitHit{}, j
	case l == 9 && on&setDocument != 0 && (j == n || !isAlnum(text[j])) && (i == floor || !isAlnum(text[i-1])):
		if documentContext(text, i) {
			return digitHit{kind: KindDocument, end: j}, j
		}
	}
	if on&setPhone != 0 && (text[i] == '8' && l <= 11 || text[i] == '7' && l <= 11) {
		if en, _, line, ok := parsePhone(text, i); ok {
			return digitHit{kind: KindPhone, end: en, line: line}, j
		}
	}
	if l <= 3 && j < n && text[j] == '.' && on&setIP != 0 {
		if en, ok := parseIPv4(text, i, floor); ok {
			return digitHit{kind: KindIP, end: en}, j
		}
	}
	if l == 3 && on&setPlate != 0 {
		if en, ok := parsePlate(text, i, floor); ok {
			return digitHit{kind: KindPlate, end: en}, j
		}
	}
	if l >= 2 && l <= 6 && j+1 < n && ((text[j] == ' ' || text[j] == '-') && isDigit(text[j+1]) || text[j] >= 0xC2 && wideGroup(text, j)) {
		// Most grouped numbers are amounts and dates ("15 000",
		// "2024-03-15"): count their digits before reading them,
		// first word-wide, then group by group. A run that ends
		// at a no-break or thin space may go on after it.
		if count, end, ok := numberRun(text, i); ok && count < 12 && text[end] != 0xC2 && text[end] != 0xE2 {
			return digitHit{}, deadRunEnd(text, j, count, end, floor)
		}
		total := groupedDigits(text, i)
		if total < 12 {
			return digitHit{}, j
		}
		if on&setCard != 0 && total >= 13 {
			if en, ok := parseGroupedCard(text, i); ok {
				return digitHit{kind: KindCard, end: en, verified: true}, j
			}
		}
		if on&(setIIN|setBIN) != 0 {
			if k, en, ok := parseGrouped12(text, i); ok && on&kindBit(k) != 0 && !(on&setCard != 0 && cardInGroups(text, j, en)) {
				return digitHit{kind: k, end: en, verified: true}, j
			}
		}
	}
	return digitHit{}, j
}

// digitRunEnd returns the end of the run of ASCII digits from text[i].
// Eight bytes at a time, the top bit of each digit byte is set exactly as
// in skip's mask (ASCII, low seven bits 0x30-0x39; no borrow: 0xB9-0x7F >
// 0, no carry: 0x7F+0x50 < 0x100), and the first byte without it ends
// the run: most runs end inside the first word, without a loop whose
// exit the processor mispredicts.
func digitRunEnd(text []byte, i int) int {
	n := len(text)
	for i >= 0 && i+8 <= n {
		x := load64(text, i)
		low := x & lanes7
		other := ^((lanes1*0xB9 - low) &^ x & (low + lanes1*0x50)) & lanes8
		if other != 0 {
			return i + bits.TrailingZeros64(other)>>3
		}
		i += 8
	}
	for i < n && isDigit(text[i]) {
		i++
	}
	return i
}

// numberRun counts the digits of the run of digits and separators from
// text[i] and returns them with the run's end, if the run ends within
// 24 bytes; otherwise (or near the end of text) ok is false. The groups
// groupedDigits counts lie within the run; it takes a superset of
// separators (bytes b with b|0x0D = 0x2D: space, '-', and "!$%(),"), so
// the run is never shorter than theirs and its digits never fewer. The
// digits are counted word-wide, without the branches of a loop over
// groups of varying length.
func numberRun(text []byte, i int) (count, end int, ok bool) {
	if i < 0 || i+24 > len(text) {
		return 0, 0, false
	}
	for w := i; w < i+24; w += 8 {
		x := load64(text, w)
		low := x & lanes7
		d := (lanes1*0xB9 - low) &^ x & (low + lanes1*0x50) & lanes8 // digits
		t := x | lanes1*0x0D ^ lanes1*0x2D                           // zero at separators
		sep := ^((t&lanes7 + lanes7) | t) & lanes8
		if e := ^(d | sep) & lanes8; e != 0 {
			return count + bits.OnesCount64(d&(e&-e-1)), w + bits.TrailingZeros64(e)>>3, true
		}
		count += bits.OnesCount64(d)
	}
	return 0, 0, false
}

// deadRunEnd returns where a fast scan may resume after a run of digits
// and separators (numberRun) from a digit run of 2 or more digits ending
// at j, holding count digits and ending at end, when the run's first
// group starts nothing: past the whole run if nothing can start in it
// either, else j.
//
// Amounts and dates ("15 000 тенге", "2024-03-15 12:30") are then one
// stop instead of one per group. The reference scan looks at every group
// and finds nothing, because every identifier that could start at a
// later group of the run (or at a '(' in it) either lies within the run
// or goes on past its end:
//   - within the run, it would need 9 digits or more (a document number
//     9, a phone 10, an IIN or BIN 12, a card 13) after the first group's
//     2 or more, and count is under 11; the letters of an IBAN, a
//     passport number or a plate are not in the run;
//   - past the end, only through a byte a phone (a dot, a no-break or
//     thin space: 0xC2 0xA0, 0xE2 0x80 0x89 or 0xAF), a grouped number
//     (those spaces), an IPv4 address (a dot) or a plate (its capital
//     letters) holds, which text[end] may not be.
//
// What stops at or after end (a '+', '@' or ':', a full-width digit) is
// looked at as before: the scan resumes at end, and look-backs from
// there never reach into the run. No finding is made, so floor stays.
//
// A time after a date ("2024-03-15 12:30 доставлен") is passed over
// too: at a colon with no other colon within 5 bytes, the reference's
// IPv6 test (colonNear) finds nothing, and the digits after it start
// nothing if deadDigits says so.
func deadRunEnd(text []byte, j, count, end, floor int) int {
	if count >= 11 || end >= len(text) {
		return j
	}
	switch c := text[end]; {
	case c == '.' || c == 0xC2 || c == 0xE2 || c >= 'A' && c <= 'Z':
		return j
	case c == ':' && !colonNear(text, end, floor):
		return deadDigits(text, end+1)
	}
	return end
}

// deadDigits returns the end of the digit run at text[p] if it
// certainly starts nothing, else p. The byte before it must be no
// look-back trigger ('+', '(', 'N', "KZ", "KZ "); deadRunEnd calls it
// after a colon. A run starts nothing if it has at most 8 digits, the
// first neither 7 nor 8, and a non-ASCII byte that starts no no-break
// or thin space, or a space and a non-ASCII byte, after it: no phone
// (its first digit, with neither '+' nor '(' before it), no number of 9
// digits or more, no IPv4 address (a dot), no plate (Latin capitals), no
// groups (a space of any width and a digit).
func deadDigits(text []byte, p int) int {
	if p >= len(text) || !isDigit(text[p]) || text[p] == '7' || text[p] == '8' {
		return p
	}
	e := digitRunEnd(text, p)
	if e-p > 8 || e+1 >= len(text) || text[e] < 0x80 && (text[e] != ' ' || text[e+1] < 0x80) || wideSpace(text, e) > 0 {
		return p
	}
	return e
}

// groupedDigits counts the digits of the groups from text[i] separated
// by single separators (nextGroup), stopping at 20.
func groupedDigits(text []byte, i int) int {
	total, j := 0, i
	var sep byte
	for total < 20 {
		gs := j
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		total += j - gs
		if c, next, ok := nextGroup(text, j, sep); ok {
			sep, j = c, next
			continue
		}
		break
	}
	return total
}

// parseGrouped12 reads an IIN or BIN printed in groups of 2 to 6 digits
// separated by single spaces or single dashes (one kind per number; a
// no-break or thin space is a space, see nextGroup): "901123 300258",
// "9011-2330-0258", "901123\u00a0300258". The number is the first groups that
// hold exactly 12 digits, whatever groups stand around them: a grouped
// number next to another ("901123 300258 061211 600012") or after a time
// ("12:30:45 901123 300258") is not told from a part of a longer number,
// and is redacted rather than left in clear (digits lets a card that
// starts in a later group of it go first).
func parseGrouped12(text []byte, i int) (Kind, int, bool) {
	var d [12]byte
	n, j := 0, i
	var sep byte
	for {
		gs := j
		for j < len(text) && isDigit(text[j]) && n+j-gs < 12 {
			d[n+j-gs] = text[j] - '0'
			j++
		}
		g := j - gs
		if g < 2 || g > 6 || (j < len(text) && isDigit(text[j])) {
			return "", 0, false
		}
		n += g
		if n == 12 {
			break
		}
		if c, next, ok := nextGroup(text, j, sep); ok {
			sep, j = c, next
			continue
		}
		return "", 0, false
	}
	if sep == 0 {
		return "", 0, false
	}
	k := classify12(&d)
	return k, j, k != ""
}

// cardInGroups reports whether a card (parseGroupedCard) starts at one of
// the groups of a grouped IIN or BIN that start in text[from:end]: the
// scan reads it there, and the card, which may go on past end, goes
// first. Groups after end make that possible; without them the groups
// left hold fewer than a card's 13 digits.
func cardInGroups(text []byte, from, end int) bool {
	if _, _, more := nextGroup(text, end, 0); !more {
		return false
	}
	for g := from; g < end; g++ {
		if !isDigit(text[g]) && isDigit(text[g+1]) {
			if _, ok := parseGroupedCard(text, g+1); ok {
				return true
			}
		}
	}
	return false
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
// separated by single spaces or single dashes (one kind per number; a
// no-break or thin space is a space, see nextGroup),
// starting at the group at text[i]. A window of consecutive groups holding
// 13 to 19 digits and passing the Luhn check is a candidate; the longest
// one that starts at the first group is the card ("4111 1111 1111 1111
// 2025" yields the card and leaves the year), unless its first digit is no
// payment card's ([plausibleCard]) and a window starting at a later group
// it overlaps is plausible. The Luhn check passes by chance one time in
// ten, so "1004 4111 1111 1111 1111" would otherwise mask "1004" and leave
// the card's last group in clear.
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
		if c, next, ok := nextGroup(text, j, sep); ok {
			sep, j = c, next
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
// single spaces (of any width: a no-break or thin space too, wideSpace)
// allowed between characters as in printed groups of four.
// It reads exactly 20 characters, so an IBAN glued to more letters or
// digits is still found.
func parseIBAN(text []byte, i int) (end int, ok bool) {
	var c [ibanLen]byte
	n, j := 0, i
	for j < len(text) && n < ibanLen {
		ch := text[j]
		if u := ibanUpper[ch]; u != 0 {
			c[n] = u
			n++
			j++
			continue
		}
		if w := ibanSpace(text, j); w > 0 && j+w < len(text) && ibanUpper[text[j+w]] != 0 {
			j += w
			continue
		}
		break
	}
	if n != ibanLen {
		return 0, false
	}
	return j, ibanChars(&c)
}

// ibanSpace returns the length of a space at text[j], of any width
// (wideSpace), or 0.
func ibanSpace(text []byte, j int) int {
	if text[j] == ' ' {
		return 1
	}
	return wideSpace(text, j)
}

// fullWidth handles a run holding digits written in full width (U+FF10 to
// U+FF19), as pasted from East Asian input methods or some PDF exports: it
// copies the run, with any ASCII digits and separators around it (no-break
// and thin spaces as spaces), into an ASCII buffer, scans that, and maps
// the findings back to text. text[i] is 0xEF. It returns dst extended and
// where to resume.
func (s *Scanner) fullWidth(dst []Finding, text []byte, i, floor int) ([]Finding, int) {
	if !isFullDigit(text, i) && fullSep(text, i) != '+' {
		return dst, i + 1
	}
	const maxRun = 120
	start := i
	for start > floor && i-start < 24 {
		if isNumberByte(text[start-1]) {
			start--
		} else if w := groupSepBefore(text, start); w > 1 && start-w >= floor {
			start -= w // a no-break or thin space
		} else {
			break
		}
	}
	var buf [maxRun]byte
	var pos [maxRun + 1]int
	k, j := 0, start
	for j < len(text) && k < maxRun {
		c := text[j]
		if isNumberByte(c) {
			buf[k], pos[k] = c, j
			k, j = k+1, j+1
			continue
		}
		if isFullDigit(text, j) {
			buf[k], pos[k] = '0'+text[j+2]-0x90, j
			k, j = k+1, j+3
			continue
		}
		if sc := fullSep(text, j); sc != 0 {
			buf[k], pos[k] = sc, j
			k, j = k+1, j+3
			continue
		}
		if w := wideSpace(text, j); w > 0 {
			buf[k], pos[k] = ' ', j
			k, j = k+1, j+w
			continue
		}
		break
	}
	pos[k] = j
	m := len(dst)
	inner := Scanner{off: s.off | setName | setEmail | setIBAN | setDocument | setPlate}
	dst = inner.scanBuiltin(dst, buf[:k], scanFast)
	next := j
	if k == maxRun {
		// The run may go on past the buffer, and an identifier with
		// it. Any that does starts at or after the first group in the
		// last maxSpan entries: keep what starts before that group,
		// and resume there (or past what was kept), where the next
		// pass reads it whole. Without a group start there, those
		// entries are one run of more digits than any identifier
		// holds, and nothing continues across the end.
		for c := maxRun - maxSpan; c < maxRun; c++ {
			if !isDigit(buf[c-1]) {
				kept := m
				for kept < len(dst) && dst[kept].Start < c {
					kept++
				}
				dst = dst[:kept]
				next = pos[c]
				if kept > m {
					next = max(next, pos[dst[kept-1].End])
				}
				break
			}
		}
	}
	for x := m; x < len(dst); x++ {
		dst[x].Start, dst[x].End = pos[dst[x].Start], pos[dst[x].End]
	}
	return dst, max(next, i+1)
}

// maxSpan bounds the length, in bytes of fullWidth's buffer, of what its
// scan can find: a phone of ten digits with up to two separators between
// them after "+7" (32), a card of 19 digits in groups (24), an IPv4
// address (15).
const maxSpan = 40

// capitalAt reports whether text[i], a byte 0x86 or 0x90-0xAF, ends a
// Cyrillic capital: А-Я and І after 0xD0, the Kazakh capitals (even code
// points) after 0xD2 and 0xD3. The Kazakh small letters ғ, қ, ң, ү, ә, ө
// share the second bytes and are let through here, cheaply.
func capitalAt(text []byte, i int) bool {
	if i == 0 {
		return false
	}
	switch text[i-1] {
	case 0xD0:
		return true
	case 0xD2, 0xD3:
		return text[i]&1 == 0
	}
	return false
}

// isNumberByte reports whether c is an ASCII byte that may belong to a
// written number: a digit or a separator.
func isNumberByte(c byte) bool {
	return isDigit(c) || c == ' ' || c == '-' || c == '(' || c == ')' || c == '+' || c == '.'
}

// wideSpace returns the length of the no-break space (U+00A0, two
// bytes), thin space (U+2009) or narrow no-break space (U+202F, three
// bytes) at text[j], which typesetting puts between the groups of a
// number, or 0.
func wideSpace(text []byte, j int) int {
	switch text[j] {
	case 0xC2:
		if j+1 < len(text) && text[j+1] == 0xA0 {
			return 2
		}
	case 0xE2:
		if j+2 < len(text) && text[j+1] == 0x80 && (text[j+2] == 0x89 || text[j+2] == 0xAF) {
			return 3
		}
	}
	return 0
}

// nextGroup reports whether a separator between groups of digits and a
// digit follow at text[j]: a single space or wideSpace, read as ' ', or
// a single dash. When sep is not 0 the separator must be of its kind
// (one kind per number; spaces of any width are one kind). It returns
// the separator and the position of the digit.
func nextGroup(text []byte, j int, sep byte) (byte, int, bool) {
	if j >= len(text) {
		return 0, 0, false
	}
	c, w := text[j], 1
	switch c {
	case ' ', '-':
	case 0xC2, 0xE2:
		c, w = ' ', wideSpace(text, j)
		if w == 0 {
			return 0, 0, false
		}
	default:
		return 0, 0, false
	}
	if j+w >= len(text) || !isDigit(text[j+w]) || sep != 0 && c != sep {
		return 0, 0, false
	}
	return c, j + w, true
}

// wideGroup reports whether a wideSpace and a digit follow at text[j].
func wideGroup(text []byte, j int) bool {
	w := wideSpace(text, j)
	return w > 0 && j+w < len(text) && isDigit(text[j+w])
}

// groupSepBefore returns the length of the separator between groups of
// digits (nextGroup's) that ends at k, or 0.
func groupSepBefore(text []byte, k int) int {
	if k <= 0 {
		return 0
	}
	switch text[k-1] {
	case ' ', '-':
		return 1
	case 0xA0:
		if k >= 2 && text[k-2] == 0xC2 {
			return 2
		}
	case 0x89, 0xAF:
		if k >= 3 && text[k-3] == 0xE2 && text[k-2] == 0x80 {
			return 3
		}
	}
	return 0
}

// isFullDigit reports whether a full-width digit starts at text[j].
func isFullDigit(text []byte, j int) bool {
	return j+2 < len(text) && text[j] == 0xEF && text[j+1] == 0xBC && text[j+2] >= 0x90 && text[j+2] <= 0x99
}

// fullSep returns the ASCII form of the full-width separator or the
// ideographic space starting at text[j], or 0.
func fullSep(text []byte, j int) byte {
	if j+2 >= len(text) {
		return 0
	}
	if text[j] == 0xE3 && text[j+1] == 0x80 && text[j+2] == 0x80 {
		return ' '
	}
	if text[j] != 0xEF || text[j+1] != 0xBC {
		return 0
	}
	switch text[j+2] {
	case 0x8B:
		return '+'
	case 0x8D:
		return '-'
	case 0x88:
		return '('
	case 0x89:
		return ')'
	case 0x8E:
		return '.'
	}
	return 0
}

// Names without a stop at every capital.
//
// nameAt finds a name only at a capital that starts a patronymic
// (-ович/-евич/-ёвич, -овна/-евна and their cases, -ұлы/-улы/-қызы/-кызы
// glued) or the father's name before the marker word ұлы, улы, қызы or
// кызы. Every such word, or the marker after it, holds an anchor: the
// 'в' (D0 B2) of "[оеё]вич" or "[оеё]вн" and a vowel, or the 'ы' (D1 8B)
// ending ұлы, улы, қызы or кызы (anchorAt). A scan that looks for names
// stops at anchors, found with bytes.IndexByte (nextAnchor), instead of
// at every capital, and anchoredName looks at the one or two capitals
// that can start a name with that anchor, as the reference scan would
// have: in order, each through nameAt with the same floor.
//
// Passing over the other capitals changes nothing: nameAt finds no name
// at them, and what it skips with them (their word) holds no other
// trigger, with one exception handled apart: nameAt skips an all-caps
// word together with the letters glued to it, so a 'K' or 'N' glued to
// such a word is never looked at by the reference scan (mayShadow). A
// name's capital follows a separator, so no skip of nameAt passes over
// one, and a name holds only letters and separators, so no other trigger
// lies between a name's capital and its anchor.

// nextAnchor returns the position of the first anchor byte c at or
// after i that anchorAt accepts, or len(text). bytes.IndexByte searches
// many bytes per step; c is 0xB2 ('в') or 0x8B ('ы'), about one byte in
// 60 of ru/kk text, and anchorAt rejects nearly all of them.
func nextAnchor(text []byte, i int, c byte) int {
	for i < len(text) {
		k := bytes.IndexByte(text[i:], c)
		if k < 0 {
			break
		}
		p := i + k
		i = p + 1
		// Most fail on the letter after 'в' (not и or н: B8 or BD)
		// or before 'ы' (not л or з: BB or B7).
		if c == 0xB2 {
			if p+2 >= len(text) || text[p+2]|0x05 != 0xBD {
				continue
			}
		} else if p < 2 || text[p-2]|0x0C != 0xBF {
			continue
		}
		if anchorAt(text, p) {
			return p
		}
	}
	return len(text)
}

// anchorAt reports whether text[p], 0xB2 or 0x8B, may be where a name
// ends: the 'в' of "[оеё]вич" or "[оеё]вн" and a vowel, or the 'ы' ending
// ұлы, улы, қызы or кызы before neither a letter nor a digit. Every word
// patronymicEnd accepts and every marker word has one; most 'в' and 'ы'
// are not one.
func anchorAt(text []byte, p int) bool {
	if p < 3 || p+1 > len(text) {
		return false
	}
	if text[p] == 0xB2 { // в
		if p+2 >= len(text) || text[p-1] != 0xD0 || !isOE(text[p-3:p-1]) || text[p+1] != 0xD0 {
			return false
		}
		switch text[p+2] {
		case 0xB8: // и, then ч
			return p+4 < len(text) && text[p+3] == 0xD1 && text[p+4] == 0x87
		case 0xBD: // н, then а, ы, е, у or о
			if p+4 >= len(text) {
				return false
			}
			switch uint16(text[p+3])<<8 | uint16(text[p+4]) {
			case 0xD0B0, 0xD18B, 0xD0B5, 0xD183, 0xD0BE:
				return true
			}
		}
		return false
	}
	// ы
	if text[p-1] != 0xD1 || text[p-3] != 0xD0 || isLetterAt(text, p+1) || p+1 < len(text) && isDigit(text[p+1]) {
		return false
	}
	switch text[p-2] {
	case 0xBB: // л, after ұ or у
		return p >= 5 && (text[p-5] == 0xD2 && text[p-4] == 0xB1 || text[p-5] == 0xD1 && text[p-4] == 0x83)
	case 0xB7: // з, after қы or кы
		return p >= 7 && text[p-5] == 0xD1 && text[p-4] == 0x8B &&
			(text[p-7] == 0xD2 && text[p-6] == 0x9B || text[p-7] == 0xD0 && text[p-6] == 0xBA)
	}
	return false
}

// mayShadow reports whether c, the byte before a 'K' or 'N' trigger, may
// end a letter: then the fast paths look at the word before the exact way,
// as the reference scan does. (nameAt no longer passes over a Latin letter
// glued to an all-caps word, so the two would agree without it; the check
// is kept as cheap insurance, being rare.)
func mayShadow(c byte) bool {
	return c >= 0x80 || (c|0x20) >= 'a' && (c|0x20) <= 'z'
}

// anchoredName looks for the name the anchor at text[a] may end, as the
// reference scan would find it. Only two capitals can start one: that of
// the anchor's own word (a patronymic), and, when that word is a marker
// standing alone, that of the word before it (the father's name). Each
// is the start of the run of Cyrillic letters that ends there: a name's
// word has a separator before it and at most 24 letters, so walking back
// at most 24 letters finds it exactly. The capitals are looked at in
// the reference's order and only at or after from, where the scan
// stood, through nameAt with the same floor. It returns the name's span
// (end 0 if none) and where to resume, as integers: a Finding would be
// returned through memory, and copied with loads wider than its stores,
// which stall.
func anchoredName(text []byte, from, a, floor int) (start, end, next int) {
	c0 := lettersBefore(text, a-1)
	if sp := spaceBefore(text, c0); sp >= 0 && markerWord(text, c0) > 0 {
		if st, en := nameAtCapital(text, lettersBefore(text, sp), from, floor); en != 0 {
			return st, en, en
		}
	}
	if st, en := nameAtCapital(text, c0, from, floor); en != 0 {
		return st, en, en
	}
	return 0, 0, a + 1
}

// lettersBefore returns the start of the run of two-byte Cyrillic letters
// that ends at k, at most 24 letters long.
func lettersBefore(text []byte, k int) int {
	for c := k; ; c -= 2 {
		if k-c >= 2*24 {
			return c
		}
		if _, ok := cyr(text, c-2); !ok {
			return c
		}
	}
}

// nameAtCapital is the reference scan's look at text[c] for a name: only
// if the scan reaches it (from) and it is a capital the table stops at.
// It returns the name's span, end 0 if none.
func nameAtCapital(text []byte, c, from, floor int) (start, end int) {
	q := c + 1
	if q < from || q >= len(text) || trigger[text[q]] != tCyrCap || !capitalAt(text, q) {
		return 0, 0
	}
	if st, en, _, ok := nameAt(text, c, floor); ok {
		return st, en
	}
	return 0, 0
}

// skipVector is skip, with the anchors and the full-width lead byte,
// for processors with AVX2: stopIndexAVX2 finds, 32 bytes at a time, the
// first byte that may stop the scan, and skipVector decides as skip and
// nextAnchor do. The assembly's anchor test is looser than anchorAt (it
// flags 'в' before B8, B9, BC or BD, and B3, B7, BB or BF two bytes
// before 'ы'); each flag is checked here. The last 33 bytes are looked at
// one by one. It returns the stop and its class: a trigger, tFull, or
// tAnchor with the position of the anchor's byte.
func skipVector(text []byte, i int, names bool) (int, uint8) {
	n := len(text)
	from := i
	for i < n {
		k, found := stopIndexAVX2(text[i:], names)
		p := i + k
		if !found {
			return skipTail(text, from, p, names)
		}
		if t, q, ok := stopAt(text, from, p, names); ok {
			return q, t
		}
		i = p + 1
	}
	return n, tNone
}

// skipTail is skipVector byte by byte, for the end of text.
func skipTail(text []byte, from, i int, names bool) (int, uint8) {
	for p := i; p < len(text); p++ {
		c := text[p]
		if c-0x30 <= 0x10 || c == 0xEF || names && (c == 0xB2 || c|0x0C == 0xBF) {
			if t, q, ok := stopAt(text, from, p, names); ok {
				return q, t
			}
		}
	}
	return len(text), tNone
}

// stopAt decides whether the scan stops at or just before text[p], a byte
// the vector test flagged (or skipTail's equivalent): a digit, with skip's
// look-back no further than from, '@', ':', 0xEF, or an anchor.
func stopAt(text []byte, from, p int, names bool) (uint8, int, bool) {
	c := text[p]
	switch t := trigger[c]; t {
	case tDigit:
		if p > from {
			switch b := beforeDigit[text[p-1]]; b {
			case tNone:
			case bZ: // "KZ86…"
				if p-2 >= from && text[p-2]|0x20 == 'k' {
					return tK, p - 2, true
				}
			case bSpace: // "KZ 86…"
				if p-3 >= from && text[p-2]|0x20 == 'z' && text[p-3]|0x20 == 'k' {
					return tK, p - 3, true
				}
			case bWide: // "KZ\u00a086…"
				if k, ok := kzBefore(text, from, p); ok {
					return tK, k, true
				}
			default: // '+', '(' or 'N'
				return b, p - 1, true
			}
		}
		return t, p, true
	case tAt, tColon, tFull:
		return t, p, true
	}
	if !names {
		return 0, 0, false
	}
	if c == 0xB2 && anchorAt(text, p) {
		return tAnchor, p, true
	}
	if c|0x0C == 0xBF && p+2 < len(text) && text[p+2] == 0x8B && anchorAt(text, p+2) {
		return tAnchor, p + 2, true
	}
	return 0, 0, false
}
