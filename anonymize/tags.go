package anonymize

import (
	"fmt"
	"reflect"
	"strings"
	"time"
	"unsafe"

	"github.com/yasam/privacy/purpose"
)

// TagKey is the struct tag key the [Redactor] reads. The grammar of a tag
// is
//
//	privacy:"-"                   copy the field without looking inside
//	privacy:"<name>"              redact with the Redactor's operator for <name>
//	privacy:"<name>,<operator>"   redact with <operator>
//
// <name> is a kind ("iin", "bin", "phone", "email", "card", "iban", "ip",
// "id_document", "vehicle_plate", "full_name", or a host kind), a data
// category of the catalog ("identity", "contact", "iin_bin",
// "geolocation", "payment_details", "documents", "device",
// "commercial_secret", or a host category), or "text" for free text that
// is scanned and whose findings are replaced. <operator> is one of:
//
//	redact        [Redact] ("[iin]"); without an operator the Redactor's operator for the kind applies
//	mask          the Redactor's [Mask] (see [WithMask])
//	replace=TEXT  [Replace](TEXT)
//	pseudonymize  the Redactor's [Pseudonymizer] (see [WithPseudonymizer]); also "pseudonymise"
//	tokenize      the Redactor's [Tokenizer] (see [WithTokenizer]); also "tokenise"
//	omit          the zero value
//	month, year   truncate a time.Time (or a "2006-01-02" string) to its month or year
//
// "text" takes no omit, month or year. A tag that does not parse makes
// [RedactValue] fail with [ErrBadTag]; an operator the Redactor was not
// given fails with [ErrNoOperator].
//
// The operator applies to every string reachable from the field (through
// pointers, slices, arrays and map values). A tagged field of another type
// (a number, a struct) is set to its zero value unless the operator is
// month or year on a time.Time. Untagged fields are copied, and structs
// inside them are walked for their own tags. Map keys are copied as they
// are.
//
// Embedded structs are walked whether or not their type is exported, so
// the tags of `type Person struct{ inner; Name string }` apply to the
// fields Person promotes from inner. A tagged unexported field is redacted
// like an exported one. An untagged unexported field cannot be told apart
// from personal data, so in a struct type that carries privacy tags (on
// its own fields or anywhere in the types of its fields) it is zeroed in
// the copy; tag it `privacy:"-"` to keep it. Untagged unexported fields of
// types with no privacy tags (netip.Addr, big.Int, the host's untagged
// types) are copied as they are.
//
// The category of a field is its name when the name is a category, and the
// kind's category ([Redactor.Category]) otherwise; [RedactCategories]
// redacts only fields (and, for "text", findings) of the given categories.
const TagKey = "privacy"

const tagKey = TagKey

type opCode uint8

const (
	opDefault opCode = iota
	opRedact
	opMask
	opReplace
	opPseudonymize
	opTokenize
	opOmit
	opMonth
	opYear
)

// fieldTag is a parsed privacy tag.
type fieldTag struct {
	kind     Kind             // the tag's name, used as the kind for operators
	category purpose.Category // "" for text
	text     bool
	skip     bool
	op       opCode
	arg      string // replace=TEXT
}

// isCategory reports whether name is one of the policy's data categories.
func isCategory(name purpose.Category) bool {
	switch name {
	case purpose.Identity, purpose.Contact, purpose.IINBIN, purpose.GeoLocation,
		purpose.PaymentDetails, purpose.Documents, purpose.Device, purpose.CommercialSecret:
		return true
	}
	return false
}

func (r *Redactor) parseTag(s string) (*fieldTag, error) {
	if s == "-" {
		return &fieldTag{skip: true}, nil
	}
	name, opStr, _ := strings.Cut(s, ",")
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, fmt.Errorf("%w: empty name in %q", ErrBadTag, s)
	}
	t := &fieldTag{kind: Kind(name)}
	switch {
	case name == "text":
		t.text = true
	case isCategory(purpose.Category(name)):
		t.category = purpose.Category(name)
	default:
		t.category = r.Category(Kind(name))
	}
	op, arg, _ := strings.Cut(strings.TrimSpace(opStr), "=")
	switch op {
	case "":
		t.op = opDefault
	case "redact":
		t.op = opRedact
	case "mask":
		t.op = opMask
	case "replace":
		t.op, t.arg = opReplace, arg
	case "pseudonymize", "pseudonymise":
		t.op = opPseudonymize
	case "tokenize", "tokenise":
		t.op = opTokenize
	case "omit":
		t.op = opOmit
	case "month":
		t.op = opMonth
	case "year":
		t.op = opYear
	default:
		return nil, fmt.Errorf("%w: unknown operator %q", ErrBadTag, op)
	}
	if t.text && (t.op == opOmit || t.op == opMonth || t.op == opYear) {
		return nil, fmt.Errorf("%w: operator %q does not apply to text", ErrBadTag, op)
	}
	return t, nil
}

// operatorFor resolves the string operator of a tag; nil means "use the
// per-kind operator" (for text findings) or omit.
func (r *Redactor) operatorFor(t *fieldTag) (Operator, error) {
	switch t.op {
	case opDefault:
		if t.text {
			return nil, nil
		}
		return r.operator(t.kind), nil
	case opRedact:
		return Redact(), nil
	case opMask:
		return r.mask, nil
	case opReplace:
		return Replace(t.arg), nil
	case opPseudonymize:
		if r.pseudo == nil {
			return nil, fmt.Errorf("%w: pseudonymize needs WithPseudonymizer", ErrNoOperator)
		}
		return r.pseudo, nil
	case opTokenize:
		if r.tok == nil {
			return nil, fmt.Errorf("%w: tokenize needs WithTokenizer", ErrNoOperator)
		}
		return r.tok, nil
	}
	return nil, nil
}

type typeInfo struct {
	fields []fieldInfo
	// aware is set when the type carries privacy tags, on its fields or
	// anywhere in their types: its untagged unexported fields are zeroed.
	aware bool
	// hidden is set when a field in fields is unexported.
	hidden bool
	err    error
}

type fieldInfo struct {
	index  int
	tag    *fieldTag // nil when untagged
	hidden bool      // unexported: read and written through unsafe views
}

func (r *Redactor) structInfo(t reflect.Type) (*typeInfo, error) {
	if v, ok := r.types.Load(t); ok {
		ti := v.(*typeInfo)
		return ti, ti.err
	}
	ti := &typeInfo{aware: hasTags(t, map[reflect.Type]bool{})}
	for i := range t.NumField() {
		f := t.Field(i)
		s, tagged := f.Tag.Lookup(tagKey)
		if !f.IsExported() && !f.Anonymous && !tagged {
			continue // copied as it is, or zeroed when ti.aware
		}
		fi := fieldInfo{index: i, hidden: !f.IsExported()}
		if tagged {
			tag, err := r.parseTag(s)
			if err != nil {
				ti.err = fmt.Errorf("field %s.%s: %w", t.Name(), f.Name, err)
				break
			}
			fi.tag = tag
		}
		ti.hidden = ti.hidden || fi.hidden
		ti.fields = append(ti.fields, fi)
	}
	v, _ := r.types.LoadOrStore(t, ti)
	ti = v.(*typeInfo)
	return ti, ti.err
}

// hasTags reports whether a privacy tag appears in struct type t or in any
// type reachable from its fields through pointers, slices, arrays and map
// values. seen breaks cycles.
func hasTags(t reflect.Type, seen map[reflect.Type]bool) bool {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
			continue
		case reflect.Struct:
		default:
			return false
		}
		break
	}
	if t == timeType || seen[t] {
		return false
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		if _, ok := f.Tag.Lookup(tagKey); ok || hasTags(f.Type, seen) {
			return true
		}
	}
	return false
}

// view returns a settable view of v, a value at an address, even when v was
// reached through an unexported field. The walker uses it only to read the
// input and to write the fresh copy it allocated, never to write the input.
func view(v reflect.Value) reflect.Value {
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}

// RedactValue returns a copy of v in which every field tagged `privacy`
// is redacted by its operator (see the package documentation on struct
// tags). v itself is never modified: pointers, slices and maps reachable
// through exported fields and embedded structs are copied. Untagged
// unexported fields are zeroed in types that carry privacy tags and copied
// as they are (shallowly) in others.
func RedactValue[T any](r *Redactor, v T) (T, error) {
	return redactValue(r, v, nil)
}

// RedactCategories is [RedactValue] restricted to fields of the given
// data categories: the way to carry out a policy obligation, whose
// Categories name what to exclude or mask (for example
// [purpose.CommercialSecret] under clause 5.1). With no categories it
// returns an unredacted copy, except that untagged unexported fields are
// zeroed as [RedactValue] does: their category is unknown.
func RedactCategories[T any](r *Redactor, v T, categories ...purpose.Category) (T, error) {
	set := make(map[purpose.Category]bool, len(categories))
	for _, c := range categories {
		set[c] = true
	}
	return redactValue(r, v, set)
}

// RedactAny is [RedactValue] for a value whose type is known only at run
// time, such as a log attribute.
func (r *Redactor) RedactAny(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	w := walker{r: r}
	out, err := w.copy(reflect.ValueOf(v), nil)
	if err != nil {
		return nil, err
	}
	return out.Interface(), nil
}

func redactValue[T any](r *Redactor, v T, cats map[purpose.Category]bool) (T, error) {
	var zero T
	w := walker{r: r, cats: cats}
	rv := reflect.ValueOf(&v).Elem()
	out, err := w.copy(rv, nil)
	if err != nil {
		return zero, err
	}
	res, _ := out.Interface().(T) // a nil interface T stays nil
	return res, nil
}

type walker struct {
	r    *Redactor
	cats map[purpose.Category]bool // nil: every category
	seen map[seenKey]reflect.Value
}

// seenKey identifies a pointer already copied under one tag, so shared and
// cyclic pointers are copied once, and a pointer reached both tagged and
// untagged is copied both ways.
type seenKey struct {
	ptr uintptr
	typ reflect.Type
	tag *fieldTag
}

var timeType = reflect.TypeFor[time.Time]()

// applies reports whether tag t selects this field for redaction.
func (w *walker) applies(t *fieldTag) bool {
	return t != nil && !t.skip && (t.text || w.cats == nil || w.cats[t.category])
}

// copy returns a deep copy of v with tag applied to it; the result has
// v's type.
func (w *walker) copy(v reflect.Value, tag *fieldTag) (reflect.Value, error) {
	t := v.Type()
	if tag != nil && tag.skip {
		return v, nil
	}
	if w.applies(tag) {
		switch {
		case t == timeType:
			return w.timeValue(v, tag)
		case t.Kind() == reflect.String:
			s, err := w.str(v.String(), tag)
			if err != nil {
				return reflect.Value{}, err
			}
			out := reflect.New(t).Elem()
			out.SetString(s)
			return out, nil
		case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
			if v.IsNil() {
				return v, nil
			}
			s, err := w.str(string(v.Bytes()), tag)
			if err != nil {
				return reflect.Value{}, err
			}
			out := reflect.New(t).Elem()
			out.SetBytes([]byte(s))
			return out, nil
		}
		switch t.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Array, reflect.Map:
			// Containers: the tag applies to what they hold.
		default:
			// Numbers, booleans, structs: nothing to keep.
			return reflect.Zero(t), nil
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v, nil
		}
		key := seenKey{v.Pointer(), t, tag}
		if p, ok := w.seen[key]; ok {
			return p, nil
		}
		np := reflect.New(t.Elem())
		if w.seen == nil {
			w.seen = make(map[seenKey]reflect.Value)
		}
		w.seen[key] = np
		c, err := w.copy(v.Elem(), tag)
		if err != nil {
			return reflect.Value{}, err
		}
		np.Elem().Set(c)
		return np, nil
	case reflect.Interface:
		if v.IsNil() {
			return v, nil
		}
		c, err := w.copy(v.Elem(), tag)
		if err != nil {
			return reflect.Value{}, err
		}
		out := reflect.New(t).Elem()
		out.Set(c)
		return out, nil
	case reflect.Struct:
		if t == timeType {
			return v, nil
		}
		ti, err := w.r.structInfo(t)
		if err != nil {
			return reflect.Value{}, err
		}
		out := reflect.New(t).Elem()
		src := v
		if !ti.aware {
			out.Set(v)
			if ti.hidden && !v.CanAddr() {
				src = out // the same contents, at an address
			}
		} else if ti.hidden && !v.CanAddr() {
			src = reflect.New(t).Elem()
			src.Set(v)
		}
		for _, f := range ti.fields {
			sf, df := src.Field(f.index), out.Field(f.index)
			if f.hidden {
				if !ti.aware {
					continue // nothing to redact inside, copied with out
				}
				sf, df = view(sf), view(df)
			}
			c, err := w.copy(sf, f.tag)
			if err != nil {
				return reflect.Value{}, err
			}
			df.Set(c)
		}
		return out, nil
	case reflect.Slice:
		if v.IsNil() {
			return v, nil
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			c, err := w.copy(v.Index(i), tag)
			if err != nil {
				return reflect.Value{}, err
			}
			out.Index(i).Set(c)
		}
		return out, nil
	case reflect.Array:
		out := reflect.New(t).Elem()
		for i := range v.Len() {
			c, err := w.copy(v.Index(i), tag)
			if err != nil {
				return reflect.Value{}, err
			}
			out.Index(i).Set(c)
		}
		return out, nil
	case reflect.Map:
		if v.IsNil() {
			return v, nil
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		it := v.MapRange()
		for it.Next() {
			c, err := w.copy(it.Value(), tag)
			if err != nil {
				return reflect.Value{}, err
			}
			out.SetMapIndex(it.Key(), c)
		}
		return out, nil
	}
	return v, nil
}

// str applies a selected tag to one string.
func (w *walker) str(s string, tag *fieldTag) (string, error) {
	switch tag.op {
	case opOmit:
		return "", nil
	case opMonth, opYear:
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return "", fmt.Errorf("%w: %s field is not a YYYY-MM-DD date", ErrGeneralize, tag.kind)
		}
		if tag.op == opMonth {
			return d.Format("2006-01"), nil
		}
		return d.Format("2006"), nil
	}
	op, err := w.r.operatorFor(tag)
	if err != nil {
		return "", err
	}
	if tag.text {
		return w.r.redactText(s, w.cats, op), nil
	}
	if s == "" {
		return "", nil
	}
	return op.Apply(tag.kind, s)
}

func (w *walker) timeValue(v reflect.Value, tag *fieldTag) (reflect.Value, error) {
	tm := v.Interface().(time.Time)
	switch tag.op {
	case opMonth:
		if !tm.IsZero() {
			tm = time.Date(tm.Year(), tm.Month(), 1, 0, 0, 0, 0, tm.Location())
		}
	case opYear:
		if !tm.IsZero() {
			tm = time.Date(tm.Year(), time.January, 1, 0, 0, 0, 0, tm.Location())
		}
	default:
		tm = time.Time{}
	}
	return reflect.ValueOf(tm), nil
}
