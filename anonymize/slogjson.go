package anonymize

import (
	"encoding/json"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// The JSON handler prints a record as {"time":...,"level":...,"msg":M,
// "k1":v1,"g":{"k2":v2}}, every key and string quoted, so that no
// built-in kind joins across two pieces but an identity document number:
// the scanner reports it where a context word stands in the 64 bytes
// before it, and the word may stand in the message, a key, a group name
// or an earlier value ({"msg":"m","паспорт":"N12345678"}). A record in
// which some piece holds eight digits in a row (every document number
// does) is built as the JSON handler prints it, from "msg": on, and
// judged as the text handler's line is (fixLine); other records are not
// built at all. With host patterns, which may span anything, every record
// is judged so.

// digitRun8 reports whether s holds a run of eight or more ASCII digits.
// Such a run holds a byte at an index 7 mod 8: only those are looked at
// first.
func digitRun8(s string) bool {
	for i := 7; i < len(s); i += 8 {
		if s[i]-'0' > 9 {
			continue
		}
		lo := i
		for lo > 0 && i-lo < 7 && s[lo-1]-'0' <= 9 {
			lo--
		}
		hi := i + 1
		for hi < len(s) && hi-lo < 8 && s[hi]-'0' <= 9 {
			hi++
		}
		if hi-lo >= 8 {
			return true
		}
	}
	return false
}

// jsonMayJoin reports whether the attribute a, rendered, may print in
// JSON as the number of an identity document: whether its key, or any
// key or value in it, printed, holds eight digits in a row.
func jsonMayJoin(a slog.Attr) bool {
	return digitRun8(a.Key) || jsonValueMayJoin(a.Value)
}

func jsonValueMayJoin(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindString:
		return digitRun8(v.String())
	case slog.KindInt64:
		n := v.Int64()
		return n >= 1e7 || n <= -1e7
	case slog.KindDuration:
		n := int64(v.Duration())
		return n >= 1e7 || n <= -1e7
	case slog.KindUint64:
		return v.Uint64() >= 1e7
	case slog.KindBool:
		return false
	case slog.KindGroup:
		for _, a := range v.Group() {
			if jsonMayJoin(a) {
				return true
			}
		}
		return false
	case slog.KindFloat64:
		return floatMayJoin(v.Float64())
	case slog.KindTime:
		var buf [64]byte
		b := v.Time().AppendFormat(buf[:0], time.RFC3339Nano)
		return digitRun8(unsafe.String(unsafe.SliceData(b), len(b)))
	case slog.KindAny:
		return plainMayJoin(v.Any(), 0)
	}
	return true
}

// floatMayJoin reports whether f, printed as JSON, holds eight digits in
// a row.
func floatMayJoin(f float64) bool {
	var buf [32]byte
	b := jsonFloat(buf[:0], f)
	return digitRun8(unsafe.String(unsafe.SliceData(b), len(b)))
}

// plainMayJoin is jsonValueMayJoin for rendered plain data.
func plainMayJoin(x any, depth int) bool {
	switch x := x.(type) {
	case nil, bool:
		return false
	case string:
		return digitRun8(x)
	case int64:
		return x >= 1e7 || x <= -1e7
	case uint64:
		return x >= 1e7
	case float64:
		return floatMayJoin(x)
	case []any:
		for _, e := range x {
			if depth > maxDepth+8 || plainMayJoin(e, depth+1) {
				return true
			}
		}
		return false
	case map[string]any:
		for k, e := range x {
			if depth > maxDepth+8 || digitRun8(k) || plainMayJoin(e, depth+1) {
				return true
			}
		}
		return false
	}
	return true
}

// jsonStr appends s as a JSON string, as log/slog escapes it (std false)
// or as encoding/json does (std true, in containers), as an editable
// piece p. When nothing in s is escaped, the piece is the text between
// the quotes and is edited in part; else it is the quoted string and is
// replaced whole.
func (l *textLine) jsonStr(s string, p linePiece, std bool) {
	start := len(l.b)
	l.b = append(l.b, '"')
	esc := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				l.b = append(l.b, c)
				i++
				continue
			}
			esc = true
			l.b = append(l.b, '\\')
			switch {
			case c == '"' || c == '\\':
				l.b = append(l.b, c)
			case c == '\n':
				l.b = append(l.b, 'n')
			case c == '\r':
				l.b = append(l.b, 'r')
			case c == '\t':
				l.b = append(l.b, 't')
			case std && c == '\b':
				l.b = append(l.b, 'b')
			case std && c == '\f':
				l.b = append(l.b, 'f')
			default:
				l.b = append(l.b, 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			esc = true
			l.b = append(l.b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			esc = true
			l.b = append(l.b, `\u202`...)
			l.b = append(l.b, hexDigits[r&0xF])
		default:
			l.b = append(l.b, s[i:i+size]...)
		}
		i += size
	}
	l.b = append(l.b, '"')
	if p.str == nil && p.val == nil && p.elem == nil && p.m == nil {
		return
	}
	if esc {
		p.start, p.end, p.quoted = start, len(l.b), true
	} else {
		p.start, p.end = start+1, len(l.b)-1
	}
	l.pieces = append(l.pieces, p)
}

const hexDigits = "0123456789abcdef"

// jsonFloat appends f as encoding/json prints it.
func jsonFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// jsonKey appends the key s, as an editable piece p (none if p is the
// zero piece), and a colon.
func (l *textLine) jsonKey(sep *string, s string, p linePiece) {
	l.b = append(l.b, *sep...)
	l.jstr(s, p)
	l.b = append(l.b, ':')
	*sep = ","
}

func (l *textLine) jstr(s string, p linePiece) { l.jsonStr(s, p, false) }

// jsonValue appends a rendered value as the JSON handler prints it.
func (l *textLine) jsonValue(v *slog.Value) {
	start := len(l.b)
	switch v.Kind() {
	case slog.KindString:
		l.jstr(v.String(), linePiece{val: v})
		return
	case slog.KindInt64:
		l.b = strconv.AppendInt(l.b, v.Int64(), 10)
	case slog.KindUint64:
		l.b = strconv.AppendUint(l.b, v.Uint64(), 10)
	case slog.KindFloat64:
		l.b = jsonFloat(l.b, v.Float64())
	case slog.KindBool:
		l.b = strconv.AppendBool(l.b, v.Bool())
	case slog.KindDuration:
		l.b = strconv.AppendInt(l.b, int64(v.Duration()), 10)
	case slog.KindTime:
		l.b = append(l.b, '"')
		l.b = v.Time().AppendFormat(l.b, time.RFC3339Nano)
		l.b = append(l.b, '"')
	default:
		switch v.Any().(type) {
		case []any, map[string]any:
			l.jsonPlain(v.Any(), linePiece{})
			return
		}
		l.jsonPlain(v.Any(), linePiece{val: v})
		return
	}
	l.pieces = append(l.pieces, linePiece{start: start, end: len(l.b), val: v})
}

// jsonPlain appends rendered plain data x as encoding/json prints it (map
// keys in order), each string and number an editable piece: x itself as
// p, items of slices and map keys and values as their own.
func (l *textLine) jsonPlain(x any, p linePiece) {
	start := len(l.b)
	switch x := x.(type) {
	case string:
		l.jsonStr(x, p, true)
		return
	case []any:
		l.b = append(l.b, '[')
		for i := range x {
			if i > 0 {
				l.b = append(l.b, ',')
			}
			l.jsonPlain(x[i], linePiece{elem: &x[i]})
		}
		l.b = append(l.b, ']')
		return
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		l.b = append(l.b, '{')
		for i, k := range keys {
			if i > 0 {
				l.b = append(l.b, ',')
			}
			l.jsonStr(k, linePiece{m: x, mkey: k, isKey: true}, true)
			l.b = append(l.b, ':')
			l.jsonPlain(x[k], linePiece{m: x, mkey: k})
		}
		l.b = append(l.b, '}')
		return
	case nil:
		l.b = append(l.b, "null"...)
	case bool:
		l.b = strconv.AppendBool(l.b, x)
	case int64:
		l.b = strconv.AppendInt(l.b, x, 10)
	case uint64:
		l.b = strconv.AppendUint(l.b, x, 10)
	case float64:
		l.b = jsonFloat(l.b, x)
	default:
		out, err := json.Marshal(x)
		if err != nil {
			out = []byte("null")
		}
		l.b = append(l.b, out...)
	}
	if p.val != nil || p.elem != nil || p.m != nil {
		p.start, p.end = start, len(l.b)
		l.pieces = append(l.pieces, p)
	}
}

// jsonAttrs appends rendered attributes as the JSON handler prints them,
// each after *sep: empty attributes and groups left out, groups with an
// empty key inlined. It reports whether it appended any.
func (l *textLine) jsonAttrs(sep *string, as []slog.Attr) bool {
	some := false
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
				some = l.jsonAttrs(sep, g) || some
				continue
			}
			pos, np := len(l.b), len(l.pieces)
			l.jsonKey(sep, a.Key, linePiece{str: &a.Key})
			l.b = append(l.b, '{')
			inner := ""
			if !l.jsonAttrs(&inner, g) {
				l.b, l.pieces = l.b[:pos], l.pieces[:np]
				continue
			}
			l.b = append(l.b, '}')
			*sep = ","
			some = true
			continue
		}
		l.jsonKey(sep, a.Key, linePiece{str: &a.Key})
		l.jsonValue(&a.Value)
		some = true
	}
	return some
}

// jsonGroups appends the names of the groups of WithGroup not yet opened
// in the JSON handler's attributes of WithAttrs.
func (h *SlogHandler) jsonGroups(l *textLine, sep *string) {
	for _, g := range h.jgroups[h.jopen:] {
		l.jsonKey(sep, g, linePiece{})
		l.b = append(l.b, '{')
		*sep = ""
	}
}

// jsonSep returns the separator the JSON handler writes before what
// follows its attributes of WithAttrs.
func (h *SlogHandler) jsonSep() string {
	if len(h.jpre) == 0 || h.jpre[len(h.jpre)-1] == '{' {
		return ""
	}
	return ","
}

// jsonJudged reports whether a record of msg and rendered attributes as
// must be built and judged as the JSON handler prints it.
func (h *SlogHandler) jsonJudged(msg string, as []slog.Attr) bool {
	if h.jcand || len(h.r.Scanner().matchers) > 0 || digitRun8(msg) {
		return true
	}
	for _, a := range as {
		if jsonMayJoin(a) {
			return true
		}
	}
	return false
}

// fixJSON judges a record of *msg and rendered attributes as the JSON
// handler prints it, from "msg": on, and redacts what it finds in the
// pieces that hold it. It reports whether that made the line clean (see
// fixLine); when not, the caller fails closed.
func (h *SlogHandler) fixJSON(msg *string, as []slog.Attr) bool {
	l := linePool.Get().(*textLine)
	clean := h.r.fixLine(l, func(l *textLine) {
		l.b = append(l.b, `"msg":`...)
		l.jstr(*msg, linePiece{str: msg})
		sep := ","
		if len(h.jpre) > 0 {
			l.b = append(l.b, ',')
			l.b = append(l.b, h.jpre...)
			sep = h.jsonSep()
		}
		if len(as) > 0 {
			pos, np := len(l.b), len(l.pieces)
			h.jsonGroups(l, &sep)
			if !l.jsonAttrs(&sep, as) {
				l.b, l.pieces = l.b[:pos], l.pieces[:np]
			}
		}
	})
	l.reset()
	linePool.Put(l)
	return clean
}

// jsonWithAttrs judges red, the rendered attributes of WithAttrs, as the
// JSON handler prints them after those of earlier calls, and returns
// them so printed, with how many groups of WithGroup they open.
func (h *SlogHandler) jsonWithAttrs(red []slog.Attr) (pre []byte, open int) {
	l := linePool.Get().(*textLine)
	opened := false
	if !h.r.fixLine(l, func(l *textLine) {
		l.b = append(l.b, h.jpre...)
		sep := h.jsonSep()
		pos, np := len(l.b), len(l.pieces)
		h.jsonGroups(l, &sep)
		opened = l.jsonAttrs(&sep, red)
		if !opened {
			l.b, l.pieces = l.b[:pos], l.pieces[:np]
		}
	}) {
		// Fail closed: the attributes are judged whole, in place.
		for i := range red {
			red[i] = slog.String(red[i].Key, redactedText)
		}
	}
	pre = append([]byte(nil), l.b...)
	l.reset()
	linePool.Put(l)
	if opened {
		return pre, len(h.jgroups)
	}
	return pre, h.jopen
}

// jsonWithGroup judges the group name, redacted, as the JSON handler
// prints it after the attributes of WithAttrs, and returns it.
func (h *SlogHandler) jsonWithGroup(name string) string {
	l := linePool.Get().(*textLine)
	if !h.r.fixLine(l, func(l *textLine) {
		l.b = append(l.b, h.jpre...)
		sep := h.jsonSep()
		h.jsonGroups(l, &sep)
		l.jsonKey(&sep, name, linePiece{str: &name})
	}) {
		name = redactedText // fail closed
	}
	l.reset()
	linePool.Put(l)
	return name
}
