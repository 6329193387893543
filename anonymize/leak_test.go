package anonymize_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/anonymize"
)

// Values that print personal data through methods slog calls.
type (
	jsonIIN    struct{}
	jsonNumber struct{}
	textIIN    struct{ n int }
	stringer   struct{ iin string }
	formatter  struct{}
	ptrJSON    struct{ IIN string }
	codeErr    struct{ iin string }
	valuer     struct{}
	secretNote struct{ note string }
	holder     struct {
		S   stringer
		E   error
		V   valuer
		P   ptrJSON
		Any any
	}
)

func (jsonIIN) MarshalJSON() ([]byte, error)    { return []byte(`{"iin":"901123300258","ok":true}`), nil }
func (jsonNumber) MarshalJSON() ([]byte, error) { return []byte(`901123300258`), nil }
func (textIIN) MarshalText() ([]byte, error)    { return []byte("ИИН 901123300258"), nil }
func (s stringer) String() string               { return "ИИН " + s.iin }
func (formatter) Format(f fmt.State, _ rune)    { fmt.Fprint(f, "тел +7 701 000 11 22") }
func (p *ptrJSON) MarshalJSON() ([]byte, error) { return []byte(`"` + p.IIN + `"`), nil }
func (e codeErr) Error() string                 { return "no user " + e.iin }
func (valuer) LogValue() slog.Value             { return slog.StringValue("ИИН 901123300258") }

// leaked lists the written forms of the identifiers used below; none may
// reach a log.
var leaked = []string{
	"901123300258", "901123 300258", "901123-300258", "300258", "３００２５８",
	"7010001122", "701 000 11 22", "aliya@mail.kz", "KZ86125KZT5004100100", "4111",
}

// untimed drops the record's time: a timestamp's nanoseconds may hold any
// four digits, "4111" among them, and would fail a leak check at random.
var untimed = &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}}

// logBoth logs with a JSON and a text handler behind a SlogHandler and
// returns both outputs.
func logBoth(t *testing.T, log func(l *slog.Logger)) []string {
	t.Helper()
	var outs []string
	for _, mk := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, untimed) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, untimed) },
	} {
		var buf bytes.Buffer
		log(slog.New(anonymize.NewSlogHandler(mk(&buf))))
		outs = append(outs, buf.String())
	}
	return outs
}

// TestSlogHandlerLeaks is every way the handler was found to let personal
// data through: each case printed an identifier before.
func TestSlogHandlerLeaks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		log  func(l *slog.Logger)
	}{
		{"MarshalJSON object", func(l *slog.Logger) { l.Info("m", "v", jsonIIN{}) }},
		{"MarshalJSON number", func(l *slog.Logger) { l.Info("m", "v", jsonNumber{}) }},
		{"MarshalText", func(l *slog.Logger) { l.Info("m", "v", textIIN{}) }},
		{"MarshalText netip", func(l *slog.Logger) { l.Info("m", "v", netip.MustParseAddr("10.1.2.3"), "w", "ИИН 901123300258") }},
		{"Stringer", func(l *slog.Logger) { l.Info("m", "v", stringer{"901123300258"}) }},
		{"Stringer pointer", func(l *slog.Logger) { l.Info("m", "v", &stringer{"901123300258"}) }},
		{"Formatter", func(l *slog.Logger) { l.Info("m", "v", formatter{}) }},
		{"pointer receiver MarshalJSON in a struct", func(l *slog.Logger) { l.Info("m", "v", holder{P: ptrJSON{"901123300258"}}) }},
		{"Stringer in a struct", func(l *slog.Logger) { l.Info("m", "v", holder{S: stringer{"901123300258"}}) }},
		{"error in a struct", func(l *slog.Logger) { l.Info("m", "v", holder{E: errors.New("user 901123300258")}) }},
		{"LogValuer in a struct", func(l *slog.Logger) { l.Info("m", "v", holder{V: valuer{}}) }},
		{"Stringer in a slice", func(l *slog.Logger) { l.Info("m", "v", []fmt.Stringer{stringer{"901123300258"}}) }},
		{"Stringer map key", func(l *slog.Logger) { l.Info("m", "v", map[stringer]int{{"901123300258"}: 1}) }},
		{"unexported field", func(l *slog.Logger) { l.Info("m", "v", secretNote{"ИИН 901123300258"}) }},
		{"custom error", func(l *slog.Logger) { l.Info("m", "err", codeErr{"901123300258"}) }},
		{"wrapped error", func(l *slog.Logger) { l.Info("m", "err", fmt.Errorf("x: %w", codeErr{"901123300258"})) }},
		{"error in any", func(l *slog.Logger) { l.Info("m", "v", holder{Any: codeErr{"901123300258"}}) }},
		{"key", func(l *slog.Logger) { l.Info("m", "901123300258", "x") }},
		{"group key", func(l *slog.Logger) { l.Info("m", slog.Group("user 901123300258", "a", 1)) }},
		{"with group name", func(l *slog.Logger) { l.WithGroup("901123300258").Info("m", "a", 1) }},
		{"with attrs key", func(l *slog.Logger) { l.With("aliya@mail.kz", 1).Info("m") }},
		{"map key", func(l *slog.Logger) { l.Info("m", "v", map[string]int{"aliya@mail.kz": 1}) }},
		{"iin with a space", func(l *slog.Logger) { l.Info("ИИН 901123 300258", "v", "ИИН 901123 300258") }},
		{"iin with a dash", func(l *slog.Logger) { l.Info("ИИН 901123-300258", "v", "ИИН 901123-300258") }},
		{"iin in full width", func(l *slog.Logger) {
			l.Info("ИИН ９０１１２３３００２５８", "v", "ИИН ９０１１２３３００２５８")
		}},
		{"bare national phone", func(l *slog.Logger) { l.Info("m", "v", "звоните 7010001122") }},
		{"grouped phone", func(l *slog.Logger) { l.Info("m", "v", "тел: 701 000 11 22") }},
		{"email glued to iin", func(l *slog.Logger) { l.Info("aliya@mail.kz901123300258") }},
		{"email glued to iban", func(l *slog.Logger) { l.Info("aliya@mail.kzKZ86125KZT5004100100") }},
		{"array of bytes", func(l *slog.Logger) { l.Info("m", "v", [12]byte([]byte("901123300258"))) }},
		{"kind key with struct", func(l *slog.Logger) { l.Info("m", "iin", holder{}) }},
		{"nested any", func(l *slog.Logger) { l.Info("m", "v", []any{map[string]any{"k": []any{jsonIIN{}}}}) }},
		{"json.RawMessage", func(l *slog.Logger) { l.Info("m", "v", json.RawMessage(`{"iin":901123300258}`)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, out := range logBoth(t, tt.log) {
				for _, pd := range leaked {
					assert.NotContains(t, out, pd)
				}
			}
		})
	}
}

// TestSlogHandlerKeepsShape checks that what is not personal keeps its
// JSON shape: marshalers stay JSON, numbers stay numbers.
func TestSlogHandlerKeepsShape(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(anonymize.NewSlogHandler(slog.NewJSONHandler(&buf, untimed)))
	l.Info("m", "v", jsonIIN{}, "n", 42, "ip", netip.MustParseAddr("10.1.2.3"), "s", stringer{"x"}, "p", holder{P: ptrJSON{"ok"}})
	out := buf.String()
	assert.Contains(t, out, `"v":{"iin":"[iin]","ok":true}`)
	assert.Contains(t, out, `"n":42`)
	assert.Contains(t, out, `"ip":"[ip]"`)
	assert.Contains(t, out, `"s":"ИИН x"`)
	assert.Contains(t, out, `"P":"ok"`)
}

func TestZeroValues(t *testing.T) {
	t.Parallel()
	var r anonymize.Redactor
	assert.Equal(t, "ИИН [iin], тел [phone]", r.String("ИИН 901123300258, тел +7 701 000 11 22"))
	assert.Equal(t, "[card]", string(r.AppendRedacted(nil, []byte("4111 1111 1111 1111"))))
	c, err := anonymize.RedactValue(&r, logUser{Name: "Иван", IIN: "901123300258", Plan: "pro"})
	require.NoError(t, err)
	assert.Equal(t, logUser{Name: "[identity]", IIN: "[iin]", Plan: "pro"}, c)
	var nilR *anonymize.Redactor
	assert.Equal(t, "[iin]", nilR.String("901123300258"))

	var s anonymize.Scanner
	assert.Len(t, s.ScanString("901123300258 aliya@mail.kz"), 2)
	var nilS *anonymize.Scanner
	assert.Len(t, nilS.ScanString("901123300258"), 1)

	var p anonymize.Pseudonymizer
	assert.Equal(t, "[iin]", p.Pseudonym(anonymize.KindIIN, "901123300258"))
	_, err = p.Apply(anonymize.KindIIN, "901123300258")
	assert.ErrorIs(t, err, anonymize.ErrInvalidKey)
	var tk anonymize.Tokenizer
	_, err = tk.Tokenize(anonymize.KindIIN, "901123300258")
	assert.ErrorIs(t, err, anonymize.ErrInvalidKey)
	_, _, err = tk.Detokenize("tok:k1:AAAA")
	assert.ErrorIs(t, err, anonymize.ErrUnknownKey)
	zr := anonymize.NewRedactor(anonymize.WithOperator(anonymize.KindIIN, &p))
	assert.Equal(t, "[iin]", zr.String("901123300258"))

	var h anonymize.SlogHandler
	assert.False(t, h.Enabled(context.Background(), slog.LevelError))
	assert.Error(t, h.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelInfo, "901123300258", 0)))
	assert.NotPanics(t, func() { _ = h.WithAttrs([]slog.Attr{slog.String("a", "b")}).WithGroup("g") })
}

// TestRedactorGlued covers overlapping and adjacent findings: every
// identifier goes, whatever it is glued to.
func TestRedactorGlued(t *testing.T) {
	t.Parallel()
	r := anonymize.NewRedactor()
	for _, tc := range []struct{ in, want string }{
		{"aliya@mail.kz901123300258", "[email][iin]"},
		{"aliya@mail.kzKZ86125KZT5004100100", "[email][iban]"},
		{"901123300258KZ86125KZT5004100100", "[iin][iban]"},
		{"KZ86125KZT5004100100901123300258", "[iban][iin]"},
		{"ИИН901123300258тел87010001122", "ИИН[iin]тел[phone]"},
		{"901123300258,990940003030", "[iin],[bin]"},
		{"10.0.0.1:8080 aliya@mail.kz", "[ip]:8080 [email]"},
		// Grouped IINs next to other groups of digits.
		{"ИИН 901123 300258 880101 300123", "ИИН [iin] [iin]"},
		{"12:30:45 901123 300258", "12:30:45 [iin]"},
		{"счёт 77 901123-300258", "счёт 77 [iin]"},
		// Double names, whole.
		{"Иванов-Петров Иван Иванович", "[full_name]"},
		{"Иван Иванович Иванов-Петров пришёл", "[full_name] пришёл"},
	} {
		assert.Equal(t, tc.want, r.String(tc.in), tc.in)
	}
	// Host findings that overlap built-in ones are merged.
	hr := anonymize.NewRedactor(anonymize.WithScanner(anonymize.NewScanner(
		anonymize.WithPattern("ref", regexp.MustCompile(`ref \d+`)))))
	assert.Equal(t, "[ref]", hr.String("ref 901123300258"))
	assert.Equal(t, "[ref], [iin]", hr.String("ref 12, 901123300258"))
}

// identifiers used by the property test, with the digits that must not
// survive redaction.
var propertyIDs = []string{
	"901123300258", "990940003030", "061211600012", "+7 701 000 11 22", "87010001122", "8 (7172) 55-66-77",
	"aliya@mail.kz", "4111 1111 1111 1111", "5555555555554444", "KZ86125KZT5004100100",
	"901123 300258", "９０１１２３３００２５８", "192.168.10.1", "Иванов Иван Иванович",
}

var glue = []string{"", " ", ",", "ИИН", "тел", "x", "\n", "@", ".", "-", "(", ")", ":", "қ"}

// digitsOf returns the ASCII digits of s, full-width ones included, with
// '|' where s has '|' or '[' (a removed or redacted part).
func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '|':
			b.WriteRune(r)
		case r == '[':
			b.WriteRune('|')
		case r >= '０' && r <= '９':
			b.WriteRune('0' + r - '０')
		}
	}
	return b.String()
}

// TestRedactionProperty: after redaction a fresh scan finds nothing, and
// none of the digits of the identifiers found in the original remain,
// whatever the identifiers are glued to.
func TestRedactionProperty(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 5))
	r := anonymize.NewRedactor()
	s := anonymize.NewScanner()
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(4) {
			b.WriteString(glue[rng.IntN(len(glue))])
			b.WriteString(propertyIDs[rng.IntN(len(propertyIDs))])
		}
		b.WriteString(glue[rng.IntN(len(glue))])
		checkRedactionProperty(t, r, s, b.String())
	}
}

func checkRedactionProperty(t *testing.T, r *anonymize.Redactor, s *anonymize.Scanner, in string) {
	t.Helper()
	out := r.String(in)
	if again := s.ScanString(out); len(again) != 0 {
		t.Fatalf("%q redacted to %q, where a scan still finds %q", in, out, out[again[0].Start:again[0].End])
	}
	// The digits of each identifier occur in the output no more often
	// than in what the input holds outside the identifiers.
	fs := s.ScanString(in)
	var rest strings.Builder
	at := 0
	for _, f := range fs {
		rest.WriteString(in[at:f.Start])
		rest.WriteByte('|')
		at = f.End
	}
	rest.WriteString(in[at:])
	outDigits, restDigits := digitsOf(out), digitsOf(rest.String())
	for _, f := range fs {
		if d := digitsOf(in[f.Start:f.End]); len(d) >= 6 && strings.Count(outDigits, d) > strings.Count(restDigits, d) {
			t.Fatalf("%q redacted to %q keeps the digits of %q", in, out, in[f.Start:f.End])
		}
	}
}

// TestTagGrammarExported checks that `go doc anonymize.TagKey` shows the
// struct tag grammar.
func TestTagGrammarExported(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	require.NoError(t, err)
	files := []*ast.File{}
	for _, f := range pkgs["anonymize"].Files {
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/yasam/privacy/anonymize")
	require.NoError(t, err)
	found := false
	for _, c := range p.Consts {
		if len(c.Names) == 1 && c.Names[0] == "TagKey" {
			found = true
			for _, word := range []string{"redact", "mask", "replace=TEXT", "pseudonymize", "tokenize", "omit", "month, year", `privacy:"-"`, "text"} {
				assert.Contains(t, c.Doc, word)
			}
		}
	}
	assert.True(t, found, "TagKey is not documented")
	assert.Equal(t, "privacy", anonymize.TagKey)
}

// dag is a value whose pointers share children: walked as a tree it has
// 2^40 nodes.
type dag struct{ L, R *dag }

// TestSlogHandlerBounded: logging a deep shared structure ends quickly,
// with the part beyond the bound redacted.
func TestSlogHandlerBounded(t *testing.T) {
	t.Parallel()
	var d *dag
	for range 40 {
		d = &dag{d, d}
	}
	var buf bytes.Buffer
	slog.New(anonymize.NewSlogHandler(slog.NewJSONHandler(&buf, untimed))).Info("m", "d", d)
	assert.Contains(t, buf.String(), "[redacted]")
	assert.Less(t, buf.Len(), 1<<20)
}

type (
	panicky   struct{}
	failsJSON struct{}
)

func (panicky) String() string                 { panic("ИИН 901123300258") }
func (failsJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("ИИН 901123300258") }

// TestSlogHandlerFailingMethods: a method that panics or fails while its
// value is logged yields "[redacted]"; the record is still logged, as
// valid JSON, and the panic or error text (which may hold personal data)
// is not.
func TestSlogHandlerFailingMethods(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(anonymize.NewSlogHandler(slog.NewJSONHandler(&buf, untimed)))
	require.NotPanics(t, func() { l.Info("m", "p", panicky{}, "j", failsJSON{}, "in", holder{Any: panicky{}}) })
	var m map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
	assert.Equal(t, "[redacted]", m["p"])
	assert.Equal(t, "[redacted]", m["j"])
	assert.NotContains(t, buf.String(), "300258")
}
