package anonymize

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"unsafe"
)

// SlogHandler is a [slog.Handler] that redacts personal data before records
// reach the handler it wraps.
//
// No method of a logged value runs inside the wrapped handler: every
// value is turned, here, into plain data (strings, numbers, booleans,
// []any and map[string]any) whose text has been scanned. What each value
// becomes:
//
//   - strings, []byte and the message: scanned, findings replaced;
//   - numbers: kept, unless their decimal digits hold an identifier (an
//     IIN logged as an int64, a float64 or a `type IIN int64`): then the
//     redacted digits, as a string;
//   - [slog.LogValuer]: resolved, then treated as what it returned;
//   - error, [json.Marshaler], [encoding.TextMarshaler], [fmt.Stringer]
//     and [fmt.Formatter]: the handler calls the method itself (Error,
//     MarshalJSON, MarshalText, or formats with %+v), scans that text and
//     logs it; JSON output is kept as JSON, its strings and numbers
//     scanned; a method that fails or panics yields "[redacted]";
//   - structs: a map of their exported fields (by their json name), with
//     privacy struct tags applied (see [TagKey]) and embedded structs
//     flattened as encoding/json does; unexported fields are left out;
//   - slices, arrays, maps, pointers and interfaces: walked, map keys
//     scanned like strings (keys that redact alike merge); a container
//     whose items print side by side as personal data (the text
//     handler prints []string{"901123", "300258"} as "[901123 300258]")
//     is logged as that text, redacted.
//
// Attribute keys and group names are scanned too. The text handler (and a
// handler of a type this package does not know) prints a record on one
// line, "msg=M k1=v1 g.k2=v2", where pieces that are clean one by one may
// print side by side as personal data: a value and the next key
// ("a=901123 300258=x" holds a grouped IIN), the message and the first
// key, a key and its value ("ivan=@mail.kz"), group names and a key
// ("+7.701.000.11.22=1"), a context word and a document number
// ("msg=паспорт n=N12345678"), the attributes of WithAttrs and WithGroup
// among them. For such a handler the record is scanned as it prints it,
// from "msg=" on, and each finding is replaced, in every piece it covers,
// by the kind's placeholder for the part that piece holds ("a=[iin]
// [iin]=x"); a quoted piece is replaced whole, and a finding none of the
// record's own pieces covers (a document number in an attribute of
// WithAttrs, its context word in the message) has the nearest piece
// before it replaced by "[redacted]". The placeholder does not depend on
// the Redactor's operators: a mask of a part could keep digits that join
// again. The JSON handler quotes every key and string, and nothing
// joins there but a document number and a context word in another
// piece: in the message, a key, a group name, an earlier value or item
// of a container ({"msg":"m","паспорт":"N12345678"}). A record in which
// some piece holds eight digits in a row, as every document number does
// (or any record, when the Redactor has host patterns), is judged as the
// JSON handler prints it, from "msg": on, with the attributes of
// WithAttrs and the groups of WithGroup, and redacted so (the number as
// "[id_document]", in place, items of containers one by one); other
// records cost no more than scanning their pieces. A handler of a type
// this package does not know is judged in both forms. Each record is
// judged on its own: a context word that ends the record before is no
// context. An attribute whose key is a built-in kind ("iin", "phone",
// "email", ...) is redacted whatever its value looks like. Since structs become maps, their fields are
// printed in key order.
//
// The zero SlogHandler wraps no handler: it reports every level disabled
// and Handle fails, so nothing is logged unredacted.
//
// A SlogHandler is safe for concurrent use by multiple goroutines if the
// wrapped handler is.
type SlogHandler struct {
	next  slog.Handler
	r     *Redactor
	forms printForms // how next prints containers
	// For a handler that prints text (forms&printText): the attributes
	// of WithAttrs as the text handler prints them, and the names of
	// WithGroup, each followed by ".".
	pre    []byte
	prefix string
	// For a handler that prints JSON (forms&printJSON): the attributes
	// of WithAttrs as the JSON handler prints them, the names of
	// WithGroup, how many of those the attributes open, and whether
	// any of that may hold a document number (eight digits in a row).
	jpre    []byte
	jgroups []string
	jopen   int
	jcand   bool
}

// printForms says in which forms a wrapped handler prints a container:
// as fmt's %+v (the text handler), as JSON (the JSON handler), or, for
// a handler of another type, either.
type printForms uint8

const (
	printText printForms = 1 << iota
	printJSON
)

// formsOf returns the forms in which h prints containers.
func formsOf(h slog.Handler) printForms {
	switch h.(type) {
	case *slog.TextHandler:
		return printText
	case *slog.JSONHandler:
		return printJSON
	}
	return printText | printJSON
}

var _ slog.Handler = (*SlogHandler)(nil)

// errNoHandler is returned by the zero SlogHandler.
var errNoHandler = errors.New("anonymize: SlogHandler not built with NewSlogHandler")

// NewSlogHandler wraps next. [WithRedactor] sets the [Redactor] it uses;
// without it, NewRedactor().
func NewSlogHandler(next slog.Handler, opts ...SlogOption) *SlogHandler {
	if next == nil {
		panic("anonymize: NewSlogHandler with nil handler")
	}
	var c slogConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.r == nil {
		c.r = NewRedactor()
	}
	return &SlogHandler{next: next, r: c.r, forms: formsOf(next)}
}

// Enabled reports whether the wrapped handler handles level.
func (h *SlogHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next != nil && h.next.Enabled(ctx, level)
}

// Handle redacts r and passes the redacted copy on; r is not modified.
func (h *SlogHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.next == nil {
		return errNoHandler
	}
	msg := h.r.redactText(r.Message, nil, nil)
	if h.forms&printText == 0 {
		judge := h.jcand || len(h.r.Scanner().matchers) > 0 || digitRun8(msg)
		nr := slog.NewRecord(r.Time, r.Level, msg, r.PC)
		r.Attrs(func(a slog.Attr) bool {
			ra := h.attr(a)
			judge = judge || jsonMayJoin(ra)
			nr.AddAttrs(ra)
			return true
		})
		if judge {
			// Rare: a piece holds a number a context word in another
			// piece may make a document's.
			as := make([]slog.Attr, 0, nr.NumAttrs())
			nr.Attrs(func(a slog.Attr) bool {
				as = append(as, a)
				return true
			})
			m := msg // here, so that msg stays on the stack
			if !h.fixJSON(&m, as) {
				m, as = redactedText, nil // fail closed
			}
			nr = slog.NewRecord(r.Time, r.Level, m, r.PC)
			nr.AddAttrs(as...)
		}
		return h.next.Handle(ctx, nr)
	}
	return h.handleText(ctx, r, msg)
}

// handleText is Handle for a handler that prints text: the text handler
// prints the record on one line, and it is judged so.
func (h *SlogHandler) handleText(ctx context.Context, r slog.Record, msg string) error {
	l := linePool.Get().(*textLine)
	as := l.attrs[:0]
	r.Attrs(func(a slog.Attr) bool {
		as = append(as, h.attr(a))
		return true
	})
	clean := h.r.fixLine(l, func(l *textLine) {
		l.b = append(l.b, "msg="...)
		l.str(msg, &msg)
		l.b = append(l.b, h.pre...)
		l.appendAttrs(h.prefix, nil, as)
	})
	if clean && h.forms&printJSON != 0 && h.jsonJudged(msg, as) {
		clean = h.fixJSON(&msg, as) // a handler that may print either
	}
	if !clean {
		// An identifier reaches into what the record cannot change
		// (the attributes of WithAttrs, a group prefix), or would not
		// go: the record says nothing of its own.
		clear(as)
		msg, as = redactedText, as[:0]
	}
	nr := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	nr.AddAttrs(as...)
	clear(as)
	l.attrs = as[:0]
	l.reset()
	linePool.Put(l)
	return h.next.Handle(ctx, nr)
}

// WithAttrs redacts attrs once, here, rather than on every record.
func (h *SlogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if h.next == nil {
		return h
	}
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	pre := h.pre
	if h.forms&printText != 0 {
		// Printed after those of earlier calls, as the text handler
		// prints them.
		l := linePool.Get().(*textLine)
		if !h.r.fixLine(l, func(l *textLine) {
			l.b = append(l.b, h.pre...)
			l.appendAttrs(h.prefix, nil, red)
		}) {
			red = nil // fail closed: the handler keeps none of them
			l.reset()
			l.b = append(l.b, h.pre...)
		}
		pre = bytes.Clone(l.b)
		l.reset()
		linePool.Put(l)
	}
	jpre, jopen, jcand := h.jpre, h.jopen, h.jcand
	if h.forms&printJSON != 0 {
		jpre, jopen = h.jsonWithAttrs(red)
		jcand = digitRun8(unsafe.String(unsafe.SliceData(jpre), len(jpre)))
		for _, g := range h.jgroups[jopen:] {
			jcand = jcand || digitRun8(g)
		}
	}
	next := h.next.WithAttrs(red)
	return &SlogHandler{next: next, r: h.r, forms: formsOf(next), pre: pre, prefix: h.prefix,
		jpre: jpre, jgroups: h.jgroups, jopen: jopen, jcand: jcand}
}

// WithGroup returns a handler whose attributes are nested under name.
func (h *SlogHandler) WithGroup(name string) slog.Handler {
	if h.next == nil {
		return h
	}
	if name == "" {
		return h // as slog's handlers do: no group
	}
	name = h.r.redactText(name, nil, nil)
	if h.forms&printText != 0 {
		// The text handler prints the name before the keys that
		// follow, after the attributes of WithAttrs: "a=1 g.k=2".
		l := linePool.Get().(*textLine)
		if !h.r.fixLine(l, func(l *textLine) {
			l.b = append(l.b, h.pre...)
			l.b = append(l.b, ' ')
			l.b = append(l.b, h.prefix...)
			l.piece(name, &name)
			l.b = append(l.b, '.')
		}) {
			name = redactedText // fail closed
		}
		l.reset()
		linePool.Put(l)
	}
	if h.forms&printJSON != 0 {
		// The JSON handler prints the name, in the attributes of a
		// later WithAttrs or of a record, after those of WithAttrs.
		name = h.jsonWithGroup(name)
	}
	next := h.next.WithGroup(name)
	return &SlogHandler{next: next, r: h.r, forms: formsOf(next), pre: h.pre, prefix: h.prefix + name + ".",
		jpre: h.jpre, jgroups: append(h.jgroups[:len(h.jgroups):len(h.jgroups)], name), jopen: h.jopen,
		jcand: h.jcand || digitRun8(name)}
}

// maxDepth bounds the walk of a logged value; deeper parts are logged as
// "[redacted]".
const maxDepth = 32

// redactedText stands for a value that could not be rendered safely.
const redactedText = "[redacted]"

func (h *SlogHandler) attr(a slog.Attr) slog.Attr {
	rd := renderer{r: h.r, forms: h.forms}
	return rd.attr(a, 0)
}

// maxNodes bounds the number of values rendered for one attribute, so
// that a shared structure (a DAG of pointers) cannot make logging
// exponential; what is beyond is logged as "[redacted]".
const maxNodes = 10000

// renderer turns logged values into plain, scanned data.
type renderer struct {
	r     *Redactor
	forms printForms       // how the wrapped handler prints containers
	seen  map[uintptr]bool // pointers on the current path, against cycles
	nodes int
}

func (rd *renderer) text(s string) string { return rd.r.redactText(s, nil, nil) }

func (rd *renderer) attr(a slog.Attr, depth int) slog.Attr {
	key := rd.text(a.Key)
	v := a.Value.Resolve()
	if k := Kind(a.Key); kindBit(k) != 0 && v.Kind() != slog.KindGroup {
		if v.Kind() == slog.KindAny && v.Any() == nil || v.Kind() == slog.KindString && v.String() == "" {
			return slog.Attr{Key: key, Value: v}
		}
		var s string
		if v.Kind() == slog.KindString {
			s = v.String()
		} else {
			// The rendered, plain value: no method of it runs here either.
			s = fmt.Sprint(rd.slogPlain(rd.slogValue(v, depth)))
		}
		out, err := rd.r.operator(k).Apply(k, s)
		if err != nil {
			out = "[" + string(k) + "]"
		}
		return slog.String(key, out)
	}
	rv := rd.slogValue(v, depth)
	if rv.Kind() == slog.KindAny {
		rv = slog.AnyValue(rd.printed(rv.Any()))
	}
	return slog.Attr{Key: key, Value: rv}
}

// printed returns x, a rendered value, as it may be handed on: a container
// ([]any or map[string]any) whose items are clean one by one may still
// print as personal data, where the wrapped handler sets them side by
// side. The text handler prints it with fmt's %+v, which joins slice
// items with spaces ([]string{"901123", "300258"} prints "[901123
// 300258]", a grouped IIN) and map keys to their values with colons
// (map[2001:db8::1]); the JSON handler as JSON. When the text of a form
// the wrapped handler may use (forms) holds a finding, that text,
// redacted, is handed on instead, as a string.
//
// JSON is looked at here only for host patterns: in JSON every item is
// delimited by a quote, a comma or a bracket, and no built-in kind
// spans one but a document number after a context word, which Handle
// judges on the whole record.
func (rd *renderer) printed(x any) any {
	switch x.(type) {
	case []any, map[string]any:
	default:
		return x
	}
	if rd.forms&printText != 0 {
		text := fmt.Sprintf("%+v", x)
		if rd.r.hasFindings(unsafe.Slice(unsafe.StringData(text), len(text))) {
			return rd.text(text)
		}
	}
	if rd.forms&printJSON == 0 || len(rd.r.Scanner().matchers) == 0 {
		return x
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as slog's JSON handler
	if enc.Encode(x) == nil && rd.r.hasFindings(bytes.TrimSuffix(b.Bytes(), []byte("\n"))) {
		return rd.text(strings.TrimSuffix(b.String(), "\n"))
	}
	return x
}

// slogValue renders a resolved slog.Value.
func (rd *renderer) slogValue(v slog.Value, depth int) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(rd.text(v.String()))
	case slog.KindInt64:
		if s, ok := rd.integer(v.Int64()); ok {
			return slog.StringValue(s)
		}
	case slog.KindUint64:
		var buf [24]byte
		if s, ok := rd.digits(strconv.AppendUint(buf[:0], v.Uint64(), 10)); ok {
			return slog.StringValue(s)
		}
	case slog.KindFloat64:
		if s, ok := rd.float(v.Float64()); ok {
			return slog.StringValue(s)
		}
	case slog.KindDuration:
		// An int64 of nanoseconds, which a JSON handler prints as such.
		if s, ok := rd.integer(int64(v.Duration())); ok {
			return slog.StringValue(s)
		}
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, ga := range g {
			out[i] = rd.attr(ga, depth+1)
		}
		return slog.GroupValue(out...)
	case slog.KindAny:
		return slog.AnyValue(rd.value(v.Any(), depth))
	case slog.KindLogValuer:
		// Resolve gave up (too deep or a panic): log nothing of it.
		return slog.StringValue(redactedText)
	}
	return v
}

// digits returns digits redacted when they hold an identifier.
func (rd *renderer) digits(digits []byte) (string, bool) {
	if !rd.r.hasFindings(digits) {
		return "", false
	}
	return string(rd.r.AppendRedacted(nil, digits)), true
}

// float returns the redacted text of f when its digits hold an identifier.
// integer scans n as the handlers print it.
func (rd *renderer) integer(n int64) (string, bool) {
	var buf [24]byte
	return rd.digits(strconv.AppendInt(buf[:0], n, 10))
}

func (rd *renderer) float(f float64) (string, bool) {
	var buf [40]byte
	return rd.digits(strconv.AppendFloat(buf[:0], f, 'f', -1, 64))
}

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	stringerType      = reflect.TypeFor[fmt.Stringer]()
	formatterType     = reflect.TypeFor[fmt.Formatter]()
	errorType         = reflect.TypeFor[error]()
	logValuerType     = reflect.TypeFor[slog.LogValuer]()
)

// hasMethods reports whether t (or *t) has a method that a handler could
// call to print a value of it.
func hasMethods(t reflect.Type) bool {
	for _, m := range [...]reflect.Type{jsonMarshalerType, textMarshalerType, stringerType, formatterType, errorType, logValuerType} {
		if t.Implements(m) || t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}

// value renders x, a value of any type.
func (rd *renderer) value(x any, depth int) any {
	if x == nil {
		return nil
	}
	return rd.reflectValue(reflect.ValueOf(x), depth)
}

func (rd *renderer) reflectValue(v reflect.Value, depth int) any {
	if !v.IsValid() {
		return nil
	}
	rd.nodes++
	if depth > maxDepth || rd.nodes > maxNodes {
		return redactedText
	}
	t := v.Type()
	if t.Kind() == reflect.Interface || t.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
	}
	if hasMethods(t) {
		return rd.methods(v, depth)
	}
	switch t.Kind() {
	case reflect.String:
		return rd.text(v.String())
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if s, ok := rd.integer(v.Int()); ok {
			return s
		}
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		var buf [24]byte
		if s, ok := rd.digits(strconv.AppendUint(buf[:0], v.Uint(), 10)); ok {
			return s
		}
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		if s, ok := rd.float(v.Float()); ok {
			return s
		}
		return v.Float()
	case reflect.Complex64, reflect.Complex128:
		return rd.text(strconv.FormatComplex(v.Complex(), 'f', -1, 128))
	case reflect.Interface:
		return rd.reflectValue(v.Elem(), depth+1)
	case reflect.Pointer:
		p := v.Pointer()
		if rd.seen[p] {
			return redactedText
		}
		if rd.seen == nil {
			rd.seen = make(map[uintptr]bool)
		}
		rd.seen[p] = true
		defer delete(rd.seen, p)
		return rd.reflectValue(v.Elem(), depth+1)
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return string(rd.r.AppendRedacted(nil, v.Bytes()))
		}
		fallthrough
	case reflect.Array:
		if t.Kind() == reflect.Array && t.Elem().Kind() == reflect.Uint8 && !hasMethods(t.Elem()) {
			b := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(b), v)
			return string(rd.r.AppendRedacted(nil, b))
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = rd.reflectValue(v.Index(i), depth+1)
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			k := rd.reflectValue(it.Key(), depth+1)
			ks, ok := k.(string)
			if !ok {
				ks = rd.text(fmt.Sprint(k))
			}
			out[ks] = rd.reflectValue(it.Value(), depth+1)
		}
		return out
	case reflect.Struct:
		out := make(map[string]any, t.NumField())
		if err := rd.structFields(out, v, depth); err != nil {
			return redactedText
		}
		return out
	}
	// Channels, functions, unsafe pointers: nothing personal to print.
	return "[" + t.Kind().String() + "]"
}

// structFields adds the fields of struct v to out.
func (rd *renderer) structFields(out map[string]any, v reflect.Value, depth int) error {
	t := v.Type()
	if !v.CanAddr() {
		// Fields are read through addressable views, so that embedded
		// structs of unexported types can be read too.
		if !v.CanInterface() {
			return errUnreadable
		}
		c := reflect.New(t).Elem()
		c.Set(v)
		v = c
	}
	ti, err := rd.r.structInfo(t)
	if err != nil {
		return err
	}
	tags := make(map[int]*fieldTag, len(ti.fields))
	for _, f := range ti.fields {
		tags[f.index] = f.tag
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		name := sf.Name
		if jt, ok := sf.Tag.Lookup("json"); ok {
			n, _, _ := bytes.Cut([]byte(jt), []byte(","))
			if string(n) == "-" {
				continue
			}
			if len(n) > 0 {
				name = string(n)
			}
		}
		fv := v.Field(i)
		tag := tags[i]
		if tag != nil && tag.skip {
			tag = nil // "-": not redacted by tag, but still scanned here
		}
		if sf.Anonymous && tag == nil {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			}
			if ft.Kind() == reflect.Struct && !hasMethods(ft) {
				if _, named := sf.Tag.Lookup("json"); !named {
					if !fv.CanInterface() && !sf.IsExported() {
						fv = readable(fv)
					}
					if err := rd.structFields(out, fv, depth+1); err != nil {
						return err
					}
					continue
				}
			}
		}
		if !sf.IsExported() {
			continue
		}
		if tag != nil {
			w := walker{r: rd.r}
			c, err := w.copy(fv, tag)
			if err != nil {
				return err
			}
			fv = c
		}
		out[name] = rd.reflectValue(fv, depth+1)
	}
	return nil
}

// errUnreadable stands for a value reflection does not let the renderer
// read; it is logged as "[redacted]".
var errUnreadable = errors.New("anonymize: value cannot be read")

// readable returns a view of v, reached through an unexported field, that
// reflection lets the renderer read. v must be addressable; values that
// are not are returned as they are (and fail closed when read).
func readable(v reflect.Value) reflect.Value {
	if v.CanAddr() {
		return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	return v
}

// methods renders a value whose type has a method a handler would call
// to print it: the handler calls the method itself and logs the scanned
// result, so the wrapped handler never runs it.
func (rd *renderer) methods(v reflect.Value, depth int) (out any) {
	defer func() {
		if recover() != nil {
			out = redactedText
		}
	}()
	if !v.CanInterface() {
		v = readable(v)
	}
	x := v.Interface()
	if v.Kind() != reflect.Pointer && hasPtrMethod(v.Type()) {
		// Pointer-receiver methods: call them on a copy at an address.
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		x = p.Interface()
	}
	switch m := x.(type) {
	case slog.LogValuer:
		rv := slog.AnyValue(m).Resolve()
		if rv.Kind() == slog.KindLogValuer {
			return redactedText
		}
		return rd.slogPlain(rd.slogValue(rv, depth+1))
	case error:
		return rd.text(m.Error())
	case json.Marshaler:
		b, err := m.MarshalJSON()
		if err != nil {
			return redactedText
		}
		return rd.jsonValue(b, depth)
	case encoding.TextMarshaler:
		b, err := m.MarshalText()
		if err != nil {
			return redactedText
		}
		return string(rd.r.AppendRedacted(nil, b))
	case fmt.Formatter:
		out := fmt.Sprintf("%+v", x)
		if strings.Contains(out, "%!v(PANIC=") {
			return redactedText // fmt recovered a panic and printed its value
		}
		return rd.text(out)
	case fmt.Stringer:
		// Called here rather than through fmt, which would print the
		// value of a panic.
		return rd.text(m.String())
	}
	return redactedText
}

// hasPtrMethod reports whether *t, and not t, has a printing method.
func hasPtrMethod(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	for _, m := range [...]reflect.Type{jsonMarshalerType, textMarshalerType, stringerType, formatterType, errorType, logValuerType} {
		if !t.Implements(m) && p.Implements(m) {
			return true
		}
	}
	return false
}

// slogPlain turns a rendered slog.Value into plain data.
func (rd *renderer) slogPlain(v slog.Value) any {
	if v.Kind() == slog.KindGroup {
		out := make(map[string]any, len(v.Group()))
		for _, a := range v.Group() {
			out[a.Key] = rd.slogPlain(a.Value)
		}
		return out
	}
	return v.Any()
}

// jsonValue renders the output of a MarshalJSON: kept as JSON structure,
// with strings and numbers scanned; text that is not JSON is scanned as
// text.
func (rd *renderer) jsonValue(b []byte, depth int) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return string(rd.r.AppendRedacted(nil, b))
	}
	return rd.plainJSON(x, depth)
}

func (rd *renderer) plainJSON(x any, depth int) any {
	if depth > maxDepth {
		return redactedText
	}
	switch x := x.(type) {
	case string:
		return rd.text(x)
	case json.Number:
		if s := rd.text(string(x)); s != string(x) {
			return s
		}
		if i, err := x.Int64(); err == nil {
			return i
		}
		// In exponent form the text holds no run of digits, but the
		// handler prints the float in plain digits: scan those.
		f, _ := x.Float64()
		if s, ok := rd.float(f); ok {
			return s
		}
		return f
	case []any:
		for i := range x {
			x[i] = rd.plainJSON(x[i], depth+1)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[rd.text(k)] = rd.plainJSON(v, depth+1)
		}
		return out
	}
	return x
}
