package anonymize

import (
	"context"
	"log/slog"
	"reflect"
	"strconv"
)

// SlogHandler is a [slog.Handler] that redacts personal data before records
// reach the handler it wraps: the message, string attributes, numeric
// attributes whose digits form an identifier (an IIN logged as an int64, a
// uint, a float64 or a named integer type such as `type IIN int64`; the
// attribute becomes the redacted string), errors (replaced by their
// redacted text), []byte, and structs, pointers, slices, arrays and maps,
// at any depth of groups. [slog.LogValuer]s are resolved first. An
// attribute whose key is a built-in kind ("iin", "phone", "email", "card",
// "iban", "bin") is redacted whatever its value looks like.
//
// Inside structs, pointers, slices, arrays and maps, privacy struct tags
// apply (see [RedactValue]), and every untagged string, map key and
// []byte is scanned like the message; an untagged number whose digits form
// an identifier is zeroed, since it must keep its type. Map keys that
// redact to the same text merge into one entry. Untagged unexported fields
// of types without privacy tags are passed on as they are: handlers that
// print them (the text handler formats with %+v) should not be given such
// values, or their types should be tagged.
//
// A SlogHandler is safe for concurrent use by multiple goroutines if the
// wrapped handler is.
type SlogHandler struct {
	next slog.Handler
	r    *Redactor
}

var _ slog.Handler = (*SlogHandler)(nil)

// NewSlogHandler wraps next. The options configure the [Redactor] it uses,
// for example [WithOperator](KindCard, Mask{KeepLast: 4}).
func NewSlogHandler(next slog.Handler, opts ...Option) *SlogHandler {
	if next == nil {
		panic("anonymize: NewSlogHandler with nil handler")
	}
	return &SlogHandler{next: next, r: NewRedactor(opts...)}
}

// Enabled reports whether the wrapped handler handles level.
func (h *SlogHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle redacts r and passes the redacted copy on; r is not modified.
func (h *SlogHandler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, h.r.redactText(r.Message, nil, nil), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, nr)
}

// WithAttrs redacts attrs once, here, rather than on every record.
func (h *SlogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &SlogHandler{next: h.next.WithAttrs(red), r: h.r}
}

// WithGroup returns a handler whose attributes are nested under name.
func (h *SlogHandler) WithGroup(name string) slog.Handler {
	return &SlogHandler{next: h.next.WithGroup(name), r: h.r}
}

func (h *SlogHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if k := Kind(a.Key); kindBit(k) != 0 && v.Kind() != slog.KindGroup {
		if v.Kind() == slog.KindAny && v.Any() == nil || v.Kind() == slog.KindString && v.String() == "" {
			return slog.Attr{Key: a.Key, Value: v}
		}
		out, err := h.r.operator(k).Apply(k, v.String())
		if err != nil {
			out, _ = Redact().Apply(k, "")
		}
		return slog.String(a.Key, out)
	}
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.redactText(v.String(), nil, nil))
	case slog.KindInt64, slog.KindUint64, slog.KindFloat64:
		var buf [32]byte
		var digits []byte
		ok := true
		switch v.Kind() {
		case slog.KindInt64:
			digits = strconv.AppendInt(buf[:0], v.Int64(), 10)
		case slog.KindUint64:
			digits = strconv.AppendUint(buf[:0], v.Uint64(), 10)
		default:
			digits, ok = appendFloatDigits(buf[:0], v.Float64())
		}
		if red, found := h.digits(digits); ok && found {
			return slog.String(a.Key, red)
		}
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, ga := range g {
			out[i] = h.attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case nil:
		case error:
			return slog.String(a.Key, h.r.redactText(x.Error(), nil, nil))
		case []byte:
			return slog.String(a.Key, string(h.r.AppendRedacted(nil, x)))
		default:
			rv := reflect.ValueOf(x)
			switch rv.Kind() {
			case reflect.String: // a named string type
				s := rv.String()
				if red := h.r.redactText(s, nil, nil); red != s {
					return slog.String(a.Key, red)
				}
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
				reflect.Float32, reflect.Float64: // a named number type
				if red, ok := h.number(rv); ok {
					return slog.String(a.Key, red)
				}
			case reflect.Struct, reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map, reflect.Interface:
				w := walker{r: h.r, scan: true}
				red, err := w.copy(rv, nil)
				if err != nil {
					// Fail closed: drop the value rather than log it unredacted.
					return slog.String(a.Key, "[redacted]")
				}
				return slog.Any(a.Key, red.Interface())
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// number returns the redacted digits of a number whose decimal digits
// hold an identifier, and false for any other value.
func (h *SlogHandler) number(v reflect.Value) (string, bool) {
	var buf [32]byte
	digits, ok := appendDigits(buf[:0], v)
	if !ok {
		return "", false
	}
	return h.digits(digits)
}

// digits returns digits redacted if they hold an identifier.
func (h *SlogHandler) digits(digits []byte) (string, bool) {
	if len(digits) == 0 || !h.r.hasFindings(digits) {
		return "", false
	}
	return string(h.r.AppendRedacted(nil, digits)), true
}
