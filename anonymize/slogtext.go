package anonymize

import (
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// The text handler prints a record on one line, "msg=M k1=v1 k2=v2", keys
// of groups as "g.k", and quotes only what needs quoting. Pieces that are
// clean one by one may so print as personal data side by side: a value
// and the next key ("a=901123 300258=x"), the message and the first key,
// a key and its value ("ivan=@mail.kz"), group names and a key
// ("+7.701.000.11.22.k=1"), or a context word and a document number in
// another attribute ("msg=паспорт n=N12345678"). textLine builds the line
// as the text handler prints it, from "msg=" on, and the handler scans it;
// each finding is redacted in the pieces it covers.

// linePiece is a piece of a printed line that the handler may still
// change: the message, a key, a group name or a value.
type linePiece struct {
	start, end int         // printed bytes in the line
	quoted     bool        // printed in quotes: edited as a whole
	str        *string     // the message, a key or a group name, or
	val        *slog.Value // a value, or
	elem       *any        // an item of a rendered slice, or
	m          map[string]any
	mkey       string // a key (isKey) or the value at it of the map m
	isKey      bool
}

// isString reports whether the piece is a string, which may be edited
// in part.
func (p linePiece) isString() bool {
	switch {
	case p.str != nil:
		return true
	case p.val != nil:
		return p.val.Kind() == slog.KindString
	case p.elem != nil:
		_, ok := (*p.elem).(string)
		return ok
	case p.isKey:
		return true
	}
	_, ok := p.m[p.mkey].(string)
	return ok
}

// textLine is a record, or the attributes of a WithAttrs, as the text
// handler prints them.
type textLine struct {
	b      []byte
	pieces []linePiece
	attrs  []slog.Attr // Handle's buffer for the record's attributes
}

var linePool = sync.Pool{New: func() any { return new(textLine) }}

func (l *textLine) reset() {
	l.b = l.b[:0]
	clear(l.pieces)
	l.pieces = l.pieces[:0]
}

// textNeedsQuoting reports whether the text handler quotes s (as
// log/slog's needsQuoting does).
func textNeedsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b == ' ' || b == '=' || b == '"' || b < 0x20 {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// str appends s as the text handler prints a string, as an editable
// piece when p is not nil.
func (l *textLine) str(s string, p *string) {
	start := len(l.b)
	q := textNeedsQuoting(s)
	if q {
		l.b = strconv.AppendQuote(l.b, s)
	} else {
		l.b = append(l.b, s...)
	}
	if p != nil {
		l.pieces = append(l.pieces, linePiece{start: start, end: len(l.b), quoted: q, str: p})
	}
}

// key appends the key of a, under the group names in groups (after the
// handler's own prefix), as the text handler prints it: quoted as a whole
// when any part needs it, each part an editable piece.
func (l *textLine) key(prefix string, groups []*slog.Attr, a *slog.Attr) {
	// An empty key is quoted (slog quotes each part that needs it, and
	// "" does).
	q := partQuoted(prefix) || partQuoted(a.Key) || a.Key == ""
	for _, g := range groups {
		q = q || partQuoted(g.Key)
	}
	if q {
		full := prefix
		for _, g := range groups {
			full += g.Key + "."
		}
		start := len(l.b)
		l.b = strconv.AppendQuote(l.b, full+a.Key)
		for _, g := range groups {
			l.pieces = append(l.pieces, linePiece{start: start, end: len(l.b), quoted: true, str: &g.Key})
		}
		l.pieces = append(l.pieces, linePiece{start: start, end: len(l.b), quoted: true, str: &a.Key})
		return
	}
	l.b = append(l.b, prefix...)
	for _, g := range groups {
		l.piece(g.Key, &g.Key)
		l.b = append(l.b, '.')
	}
	l.piece(a.Key, &a.Key)
}

// partQuoted reports whether s, a part of a key, makes the text handler
// quote the key.
func partQuoted(s string) bool { return s != "" && textNeedsQuoting(s) }

// piece appends s unquoted as an editable piece.
func (l *textLine) piece(s string, p *string) {
	start := len(l.b)
	l.b = append(l.b, s...)
	l.pieces = append(l.pieces, linePiece{start: start, end: len(l.b), str: p})
}

// value appends v as the text handler prints it, as an editable piece.
func (l *textLine) value(v *slog.Value) {
	start := len(l.b)
	q := false
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		if q = textNeedsQuoting(s); q {
			l.b = strconv.AppendQuote(l.b, s)
		} else {
			l.b = append(l.b, s...)
		}
	case slog.KindInt64:
		l.b = strconv.AppendInt(l.b, v.Int64(), 10)
	case slog.KindUint64:
		l.b = strconv.AppendUint(l.b, v.Uint64(), 10)
	case slog.KindFloat64:
		l.b = strconv.AppendFloat(l.b, v.Float64(), 'g', -1, 64)
	case slog.KindBool:
		l.b = strconv.AppendBool(l.b, v.Bool())
	case slog.KindDuration:
		l.b = append(l.b, v.Duration().String()...)
	case slog.KindTime:
		l.b = appendRFC3339Millis(l.b, v.Time())
	default:
		// Rendered values are plain data, printed with %+v.
		s := fmt.Sprintf("%+v", v.Any())
		if q = textNeedsQuoting(s); q {
			l.b = strconv.AppendQuote(l.b, s)
		} else {
			l.b = append(l.b, s...)
		}
	}
	l.pieces = append(l.pieces, linePiece{start: start, end: len(l.b), quoted: q, val: v})
}

// appendRFC3339Millis prints t as the text handler does.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...)
}

// appendAttrs appends rendered attributes as the text handler prints them,
// each after a space: "k=v", groups flattened to "g.k=v", empty
// attributes and groups left out.
func (l *textLine) appendAttrs(prefix string, groups []*slog.Attr, as []slog.Attr) {
	for i := range as {
		a := &as[i]
		if a.Equal(slog.Attr{}) {
			continue
		}
		if a.Value.Kind() == slog.KindGroup {
			g := a.Value.Group()
			if len(g) == 0 {
				continue
			}
			if a.Key == "" {
				l.appendAttrs(prefix, groups, g)
			} else {
				l.appendAttrs(prefix, append(groups[:len(groups):len(groups)], a), g)
			}
			continue
		}
		l.b = append(l.b, ' ')
		l.key(prefix, groups, a)
		l.b = append(l.b, '=')
		l.value(&a.Value)
	}
}

// maxLinePasses bounds the passes of fixLine; what is still found after
// them is redacted whole.
const maxLinePasses = 16

// fixLine scans the line build prints, and redacts each finding in the
// pieces it covers, until the line is clean. build rebuilds the line
// after each change. A piece a finding covers gets the finding's
// placeholder ("[iin]") for the part it covers, or, quoted, as a whole;
// a finding that covers no piece (a document number whose context word
// stands in another piece) has the nearest piece before it, or else
// after it, replaced by "[redacted]".
//
// It reports whether the line came out clean: false when a finding is
// left that no edit of a piece takes out (it lies in the attributes of
// an earlier WithAttrs and a group prefix, which the wrapped handler
// prints from its own state), or after maxLinePasses. The caller then
// fails closed.
func (r *Redactor) fixLine(l *textLine, build func(*textLine)) bool {
	l.reset()
	build(l)
	fs := r.findings(l.b)
	defer r.bufs.Put(fs)
	l.dropDurationDocuments(fs)
	for pass := 0; len(*fs) > 0; pass++ {
		final := pass == maxLinePasses
		changed := false
		edited := make(map[int]bool)
		for _, f := range *fs {
			hit := false
			// Pieces are in line order: start at the first that
			// ends after the finding's start.
			first := sort.Search(len(l.pieces), func(i int) bool { return l.pieces[i].end > f.Start })
			for i := first; i < len(l.pieces) && l.pieces[i].start < f.End; i++ {
				hit = true
				if !edited[i] {
					edited[i] = true
					changed = editPiece(l, l.pieces[i], f, final) || changed
				}
			}
			if !hit {
				if i := nearestPiece(l.pieces, first); i >= 0 && !edited[i] {
					edited[i] = true
					changed = setPiece(l.pieces[i], redactedText) || changed
				}
			}
		}
		if !changed {
			return false
		}
		l.reset()
		build(l)
		*fs = r.scanner.AppendFindings((*fs)[:0], l.b)
		l.dropDurationDocuments(fs)
		if final {
			return false
		}
	}
	return true
}

// dropDurationDocuments removes from fs the identity-document numbers
// that are durations: the JSON handler prints a time.Duration as its
// nanoseconds, and one of 0.1 s to 1 s has a document number's nine
// digits, which a context word elsewhere in the record ("ID lookup",
// "passport check") would make a finding. A duration is no document.
func (l *textLine) dropDurationDocuments(fs *[]Finding) {
	*fs = slices.DeleteFunc(*fs, func(f Finding) bool {
		if f.Kind != KindDocument {
			return false
		}
		i := sort.Search(len(l.pieces), func(i int) bool { return l.pieces[i].end > f.Start })
		return i < len(l.pieces) && l.pieces[i].start <= f.Start && l.pieces[i].end >= f.End &&
			l.pieces[i].val != nil && l.pieces[i].val.Kind() == slog.KindDuration
	})
}

// nearestPiece returns the index of the last piece before first, the
// first piece that ends after a finding's start (so before the finding,
// when the finding covers none), else first itself, else -1.
func nearestPiece(pieces []linePiece, first int) int {
	switch {
	case first > 0:
		return first - 1
	case first < len(pieces):
		return first
	}
	return -1
}

// editPiece replaces the part of p that f covers by f's placeholder, or
// all of p when it is quoted, not a string or whole is set.
func editPiece(l *textLine, p linePiece, f Finding, whole bool) bool {
	ph := "[" + string(f.Kind) + "]"
	if whole {
		return setPiece(p, redactedText)
	}
	if p.quoted || !p.isString() {
		return setPiece(p, ph)
	}
	s := string(l.b[p.start:p.end])
	lo, hi := max(f.Start, p.start)-p.start, min(f.End, p.end)-p.start
	return setPiece(p, s[:lo]+ph+s[hi:])
}

func setPiece(p linePiece, s string) bool {
	if p.str != nil {
		if *p.str == s {
			return false
		}
		*p.str = s
		return true
	}
	if p.val != nil {
		if p.val.Kind() == slog.KindString && p.val.String() == s {
			return false
		}
		*p.val = slog.StringValue(s)
		return true
	}
	if p.elem != nil {
		if cur, ok := (*p.elem).(string); ok && cur == s {
			return false
		}
		*p.elem = s
		return true
	}
	v, ok := p.m[p.mkey]
	if !ok {
		return false // the key was edited in this pass: the next one sees the value
	}
	if p.isKey {
		if p.mkey == s {
			return false
		}
		delete(p.m, p.mkey)
		p.m[s] = v // keys that redact alike merge
		return true
	}
	if cur, ok := v.(string); ok && cur == s {
		return false
	}
	p.m[p.mkey] = s
	return true
}
