package disclosure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yasam/privacy/internal/clip"
)

// ErrConfig is wrapped by every error [LoadRecipients] and
// [ParseRecipients] return; an error about one recipient's fields wraps
// [ErrInvalidRecipient] too.
var ErrConfig = errors.New("disclosure: invalid recipients file")

// MaxConfigSize is the largest recipients file read, in bytes.
const MaxConfigSize = 4 << 20

// maxTextLen bounds a recipient's Name and Agreement, in bytes.
const maxTextLen = 1024

// ConfigError says where a recipients file is wrong: the file, the index
// of the recipient in its list and the JSON field. Get it with errors.As:
//
//	var ce *disclosure.ConfigError
//	if errors.As(err, &ce) { fmt.Println(ce.Index, ce.Field) }
type ConfigError struct {
	// File is the name the file was loaded under.
	File string
	// Line and Column locate a syntax error (1-based); zero otherwise.
	Line, Column int
	// Index is the position of the recipient in the "recipients" list,
	// or -1 when the error is about the file as a whole.
	Index int
	// Field is the JSON name of the field at fault, or "" when the error
	// is about the whole entry.
	Field string
	// Err says what is wrong; it wraps ErrInvalidRecipient for a field
	// that fails validation.
	Err error
}

// Error names the file, then where in it, then what is wrong, e.g.
// `disclosure: partners.json: recipients[2].kind: unknown kind "bank"`.
// Values from the file are quoted clipped to 64 bytes; the names of
// people (Name) are never quoted.
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("disclosure: ")
	b.WriteString(clipTail(e.File, 256))
	switch {
	case e.Line > 0:
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	if e.Index >= 0 {
		fmt.Fprintf(&b, ": recipients[%d]", e.Index)
		if e.Field != "" {
			b.WriteString(".")
			b.WriteString(e.Field)
		}
	} else if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(e.Err.Error(), ErrInvalidRecipient.Error()+": "))
	return b.String()
}

// Unwrap returns ErrConfig and the cause, for errors.Is and errors.As.
func (e *ConfigError) Unwrap() []error { return []error{ErrConfig, e.Err} }

// LoadRecipients reads the recipients of the JSON file at path, in the form
// [ParseRecipients] describes, for policy.WithRecipients:
//
//	rs, err := disclosure.LoadRecipients("/etc/myservice/recipients.json")
//	if err != nil {
//		return err // names the file, the entry and the field
//	}
//	engine, err := policy.New(policy.WithRecipients(rs...))
func LoadRecipients(path string) ([]Recipient, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &ConfigError{File: path, Index: -1, Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, &ConfigError{File: path, Index: -1, Err: err}
	}
	return ParseRecipients(path, data)
}

// ParseRecipients reads recipients from data, the contents of a file
// called name (used in errors only), for example one embedded with
// go:embed. The form is a JSON object with one member, "recipients", a list
// of objects with the fields of [Recipient]:
//
//	{"recipients": [
//		{"id": "kgd", "kind": "state_body", "name": "КГД МФ РК"},
//		{"id": "halyk-bank", "kind": "third_party", "name": "Halyk Bank", "country": "KZ"},
//		{"id": "outsourced-support", "kind": "contractor", "confidentiality": true, "agreement": "NDA-2024-17"}
//	]}
//
// Every entry must pass [Recipient.Validate]; besides, IDs are unique,
// have no spaces or control characters, names and agreements are at most
// 1024 bytes, and a member the file misspells ("confidentialty") is an
// error rather than a silently missing obligation. The first error found is
// returned as a [*ConfigError].
func ParseRecipients(name string, data []byte) ([]Recipient, error) {
	fileErr := func(err error) error { return &ConfigError{File: name, Index: -1, Err: err} }
	if len(data) > MaxConfigSize {
		return nil, fileErr(fmt.Errorf("larger than %d bytes", MaxConfigSize))
	}
	var top struct {
		Recipients *[]json.RawMessage `json:"recipients"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&top); err != nil {
		return nil, jsonError(name, -1, data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fileErr(errors.New("data after the top-level object"))
	}
	if top.Recipients == nil {
		return nil, fileErr(errors.New(`no "recipients" list`))
	}
	raw := *top.Recipients
	out := make([]Recipient, 0, len(raw))
	seen := make(map[string]int, len(raw))
	for i, m := range raw {
		var r Recipient
		d := json.NewDecoder(bytes.NewReader(m))
		d.DisallowUnknownFields()
		if err := d.Decode(&r); err != nil {
			return nil, jsonError(name, i, nil, err)
		}
		if bytes.Equal(bytes.TrimSpace(m), []byte("null")) {
			return nil, &ConfigError{File: name, Index: i, Err: fmt.Errorf("%w: null entry", ErrInvalidRecipient)}
		}
		if field, err := check(r); err != nil {
			return nil, &ConfigError{File: name, Index: i, Field: field, Err: err}
		}
		if j, dup := seen[r.ID]; dup {
			return nil, &ConfigError{File: name, Index: i, Field: "id",
				Err: fmt.Errorf("%w: %q already used by recipients[%d]", ErrInvalidRecipient, quoted(r.ID), j)}
		}
		seen[r.ID] = i
		out = append(out, r)
	}
	return out, nil
}

// check validates r field by field, naming the field at fault.
func check(r Recipient) (field string, err error) {
	bad := func(f, format string, args ...any) (string, error) {
		return f, fmt.Errorf("%w: "+format, append([]any{ErrInvalidRecipient}, args...)...)
	}
	switch {
	case r.ID == "":
		return bad("id", "missing or empty")
	case len(r.ID) > MaxIDLen:
		return bad("id", "longer than %d bytes", MaxIDLen)
	case !utf8.ValidString(r.ID) || strings.IndexFunc(r.ID, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) >= 0:
		return bad("id", "%q has spaces, control characters or invalid UTF-8", quoted(r.ID))
	case r.Kind == "":
		return bad("kind", "missing or empty; one of %s", kindList())
	case !r.Kind.Valid():
		return bad("kind", "unknown kind %q; one of %s", quoted(string(r.Kind)), kindList())
	case len(r.Name) > maxTextLen:
		return bad("name", "longer than %d bytes", maxTextLen)
	case len(r.Agreement) > maxTextLen:
		return bad("agreement", "longer than %d bytes", maxTextLen)
	case r.Country != "" && !(len(r.Country) == 2 && isUpper(r.Country[0]) && isUpper(r.Country[1])):
		return bad("country", "%q is not an ISO 3166-1 alpha-2 code such as \"KZ\"", quoted(r.Country))
	}
	if err := r.Validate(); err != nil { // any rule added to Validate later
		return "", err
	}
	return "", nil
}

func kindList() string {
	ks := Kinds()
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// jsonError turns a decoding error into a ConfigError with the field and,
// for a syntax error in the whole file (data != nil), line and column.
func jsonError(name string, index int, data []byte, err error) error {
	ce := &ConfigError{File: name, Index: index, Err: err}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		if data != nil {
			ce.Line, ce.Column = position(data, se.Offset)
		}
		ce.Err = errors.New(strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &te):
		ce.Field = quoted(te.Field)
		ce.Err = fmt.Errorf("got JSON %s, want %s", te.Value, jsonKind(te.Type.Kind().String()))
		if index >= 0 {
			ce.Err = fmt.Errorf("%w: %w", ErrInvalidRecipient, ce.Err)
		}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			f = "?"
		}
		ce.Err = fmt.Errorf("unknown field %q", quoted(f))
		if index >= 0 {
			ce.Err = fmt.Errorf("%w: unknown field %q", ErrInvalidRecipient, quoted(f))
		}
	case errors.Is(err, io.EOF):
		ce.Err = errors.New("empty file")
	case errors.Is(err, io.ErrUnexpectedEOF):
		ce.Err = errors.New("unexpected end of file")
	default:
		ce.Err = errors.New(quoted(strings.TrimPrefix(err.Error(), "json: ")))
	}
	return ce
}

func jsonKind(k string) string {
	switch k {
	case "slice":
		return "list"
	case "struct", "map":
		return "object"
	case "bool":
		return "boolean"
	}
	return k
}

// position returns the 1-based line and column of a byte offset.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// quoted returns at most maxQuote printable bytes of s (see
// [clip.Cut]), with "..." when cut: errors quote a caller's string, never
// all of it.
func quoted(s string) string {
	p, cut := clip.Cut(s, maxQuote)
	if cut {
		p += "..."
	}
	return p
}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64

// clipTail keeps the last n bytes of a path, where its file name is.
func clipTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return "..." + s[i:]
}
