package anonymize_test

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yasam/privacy/anonymize"
)

var fuzzSeeds = []string{
	"", "ИИН901123300258,", "901123300258", "1901123300258", "БИН 990940003030",
	"+7 (771) 000-99-98", "8(771)000-99-98", "+7-771-000-9998", "87710009998", "+7 (771 000 99 98",
	"1234 4111 1111 1111 1111", "5555-5555-5555-4444", "kz86 125k zt50 0410 0100", "KZ476010131000179714",
	"a..b@x.kz", "@@", "a@b", "x@y.z1", ".a@b.kz", "KZ", "k", "+", "8", "8 ", "4111 111",
	"ivan901123300258@mail.kz", "\xff\xfe901123300258\x00",
	"ИИН 901123300258@", "IIN:901123300258@company", "ref 1004 4111 1111 1111 1111", "1004-4111-1111-1111-1111-5678",
}

// checkFinding asserts the invariants every finding must keep.
func checkFinding(t *testing.T, text []byte, f anonymize.Finding, prevEnd int) {
	t.Helper()
	if f.Start < 0 || f.End > len(text) || f.Start >= f.End {
		t.Fatalf("span [%d,%d) outside text of %d bytes", f.Start, f.End, len(text))
	}
	if f.Start < prevEnd {
		t.Fatalf("finding [%d,%d) overlaps previous ending at %d", f.Start, f.End, prevEnd)
	}
	v := string(text[f.Start:f.End])
	switch f.Kind {
	case anonymize.KindIIN:
		if !f.Verified || !anonymize.ValidIIN(v) {
			t.Fatalf("IIN finding %q does not validate", v)
		}
	case anonymize.KindBIN:
		if !f.Verified || !anonymize.ValidBIN(v) {
			t.Fatalf("BIN finding %q does not validate", v)
		}
	case anonymize.KindCard:
		if !f.Verified || !anonymize.ValidCard(v) {
			t.Fatalf("card finding %q does not validate", v)
		}
	case anonymize.KindIBAN:
		if !f.Verified || !anonymize.ValidIBAN(v) {
			t.Fatalf("IBAN finding %q does not validate", v)
		}
	case anonymize.KindPhone:
		if _, ok := anonymize.NormalizePhone(v); !ok || f.Verified {
			t.Fatalf("phone finding %q does not normalise", v)
		}
	case anonymize.KindEmail:
		if strings.Count(v, "@") != 1 || f.Verified {
			t.Fatalf("email finding %q", v)
		}
	default:
		t.Fatalf("unexpected kind %q", f.Kind)
	}
	// Digit identifiers never start or end inside a digit run.
	if c := text[f.Start]; c >= '0' && c <= '9' && f.Start > 0 && isDigitByte(text[f.Start-1]) {
		t.Fatalf("finding %q starts inside a digit run", v)
	}
	if c := text[f.End-1]; c >= '0' && c <= '9' && f.End < len(text) && isDigitByte(text[f.End]) && f.Kind != anonymize.KindEmail {
		t.Fatalf("finding %q ends inside a digit run", v)
	}
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

func FuzzScanner(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	s := anonymize.NewScanner()
	f.Fuzz(func(t *testing.T, text []byte) {
		orig := string(text)
		fs := s.Scan(text)
		prev := 0
		for _, fd := range fs {
			checkFinding(t, text, fd, prev)
			prev = fd.End
		}
		if string(text) != orig {
			t.Fatal("scanner modified its input")
		}
		// Appending to a non-empty dst keeps what was there.
		dst := []anonymize.Finding{{Kind: "sentinel", Start: 0, End: 0}}
		dst = s.AppendFindings(dst, text)
		if dst[0].Kind != "sentinel" || len(dst) != len(fs)+1 {
			t.Fatal("AppendFindings disturbed dst")
		}
	})
}

// FuzzScannerEmbedded plants a valid identifier between fuzzed context and
// checks it is found unless the context glues it to more digits or letters
// that change what it is.
func FuzzScannerEmbedded(f *testing.F) {
	ids := []string{"901123300258", "990940003030", "4111111111111111", "KZ86125KZT5004100100", "+77710009998"}
	for i := range ids {
		f.Add("ИИН ", i, ", ok")
		f.Add("x", i, "y")
		f.Add(" ", i, "@")
		f.Add(":", i, "@company")
	}
	s := anonymize.NewScanner()
	f.Fuzz(func(t *testing.T, before string, which int, after string) {
		if which < 0 {
			which = -which
		}
		id := ids[which%len(ids)]
		text := before + id + after
		fs := s.ScanString(text)
		prev := 0
		for _, fd := range fs {
			checkFinding(t, []byte(text), fd, prev)
			prev = fd.End
		}
		// Fail closed: an identifier followed by '@' is covered, by itself
		// or by an address that takes it whole, whatever follows the '@'.
		if strings.HasPrefix(after, "@") && (before == "" || !strings.ContainsAny(before[len(before)-1:],
			"0123456789+abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
			start := len(before)
			for _, fd := range fs {
				if fd.Start <= start && fd.End >= start+len(id) {
					return
				}
			}
			t.Fatalf("%q not covered in %q: %v", id, text, fs)
		}
		// When the identifier is set off by bytes that cannot extend it, it
		// must be found exactly.
		if before != "" && !strings.ContainsAny(before[len(before)-1:], "0123456789@+.-_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&'*/=?^`{|}~ ") &&
			after != "" && !strings.ContainsAny(after[:1], "0123456789@.-_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ") {
			start := len(before)
			for _, fd := range fs {
				if fd.Start == start && fd.End == start+len(id) {
					return
				}
			}
			t.Fatalf("%q not found exactly in %q: %v", id, text, fs)
		}
	})
}

func FuzzValidators(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iin, bin := anonymize.ValidIIN(s), anonymize.ValidBIN(s)
		if iin && bin {
			t.Fatalf("%q is both IIN and BIN", s)
		}
		if iin {
			p, err := anonymize.ParseIIN(s)
			if err != nil || p.BirthDate.IsZero() {
				t.Fatalf("valid IIN %q does not parse: %v", s, err)
			}
		}
		if n, ok := anonymize.NormalizePhone(s); ok {
			if len(n) != 12 || !strings.HasPrefix(n, "+77") {
				t.Fatalf("NormalizePhone(%q) = %q", s, n)
			}
			if again, ok := anonymize.NormalizePhone(n); !ok || again != n {
				t.Fatalf("normal form %q is not stable", n)
			}
		}
		if anonymize.ValidIBAN(s) && !anonymize.ValidIBAN(strings.ToLower(s)) {
			t.Fatalf("IBAN %q valid but not in lower case", s)
		}
		anonymize.ValidCard(s)
	})
}

func FuzzMask(f *testing.F) {
	f.Add("4111 1111 1111 1111", 0, 4)
	f.Add("Иван", 1, 1)
	f.Add("\xff\xfe", 0, 1)
	f.Fuzz(func(t *testing.T, s string, first, last int) {
		first, last = first%8, last%8
		m := anonymize.Mask{KeepFirst: first, KeepLast: last}
		got := m.String(s)
		if utf8.ValidString(s) && utf8.RuneCountInString(got) != utf8.RuneCountInString(s) {
			t.Fatalf("mask changed length: %q -> %q", s, got)
		}
		if r := revealed(s, got, '*'); r > max(first, 0)+max(last, 0) {
			t.Fatalf("mask %d/%d revealed %d of %q: %q", first, last, r, s, got)
		}
	})
}

func FuzzTokenRoundTrip(f *testing.F) {
	f.Add("iin", "901123300258")
	f.Add("", "")
	f.Add("x\x00y", "\xff")
	tk, err := anonymize.NewTokenizer(key("k1", "0123456789abcdef0123456789abcdef"))
	if err != nil {
		f.Fatal(err)
	}
	p, err := anonymize.NewPseudonymizer(key("k1", "0123456789abcdef0123456789abcdef"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind, value string) {
		if strings.IndexByte(kind, 0) >= 0 {
			return // kinds never contain NUL
		}
		tok, err := tk.Tokenize(anonymize.Kind(kind), value)
		if err != nil {
			t.Fatal(err)
		}
		k, v, err := tk.Detokenize(tok)
		if err != nil || string(k) != kind || v != value {
			t.Fatalf("round trip of %q/%q: %q/%q, %v", kind, value, k, v, err)
		}
		ps := p.Pseudonym(anonymize.Kind(kind), value)
		if ok, err := p.Matches(anonymize.Kind(kind), value, ps); !ok || err != nil {
			t.Fatalf("pseudonym does not match its value: %v", err)
		}
	})
}

// FuzzDetokenize feeds arbitrary strings to the token and pseudonym
// parsers: they must fail cleanly with a sentinel, never panic.
func FuzzDetokenize(f *testing.F) {
	f.Add("tok:k1:AAAA")
	f.Add("tok::")
	f.Add("psn:k1:abc")
	f.Add("tok:k1:" + strings.Repeat("A", 60))
	tk, err := anonymize.NewTokenizer(key("k1", "0123456789abcdef0123456789abcdef"))
	if err != nil {
		f.Fatal(err)
	}
	p, err := anonymize.NewPseudonymizer(key("k1", "0123456789abcdef0123456789abcdef"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, _, err := tk.Detokenize(s); err == nil {
			t.Fatalf("forged token %q accepted", s)
		}
		_, _ = p.Matches(anonymize.KindIIN, "901123300258", s)
		_, _ = anonymize.KeyID(s)
	})
}

func FuzzRedactor(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	r := anonymize.NewRedactor(anonymize.WithMatcher(overlapping{}))
	plain := anonymize.NewScanner()
	f.Fuzz(func(t *testing.T, s string) {
		out := r.String(s)
		fs := plain.ScanString(s)
		// What is left of s outside the findings, parts kept apart.
		var rest strings.Builder
		at := 0
		for _, fd := range fs {
			rest.WriteString(s[at:fd.Start])
			rest.WriteByte(0)
			at = fd.End
		}
		rest.WriteString(s[at:])
		for _, fd := range fs {
			v := s[fd.Start:fd.End]
			if strings.Count(out, v) > strings.Count(rest.String(), v) {
				t.Fatalf("redacted %q still contains %q: %q", s, v, out)
			}
		}
	})
}

// overlapping reports spans that overlap built-in findings, to exercise
// the Redactor's merging.
type overlapping struct{}

var overlapRE = regexp.MustCompile(`\d{3,5}`)

func (overlapping) AppendFindings(dst []anonymize.Finding, text []byte) []anonymize.Finding {
	for _, m := range overlapRE.FindAllIndex(text, 3) {
		dst = append(dst, anonymize.Finding{Kind: "num", Start: m[0], End: m[1]})
	}
	return dst
}

// FuzzStructTag parses arbitrary privacy tags (through a struct type built
// at run time): a tag is either applied or rejected with ErrBadTag, and
// the input value is never modified.
func FuzzStructTag(f *testing.F) {
	for _, s := range []string{"iin", "phone,mask", "identity,replace=x", "text", "-", ",", "iin,shred", "identity,year", "text,omit"} {
		f.Add(s, "901123300258")
	}
	r := anonymize.NewRedactor()
	f.Fuzz(func(t *testing.T, tag, value string) {
		if strings.ContainsAny(tag, "\"`\\") {
			return // not expressible in a struct tag literal
		}
		typ := reflect.StructOf([]reflect.StructField{{
			Name: "F", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(`privacy:"` + tag + `"`),
		}})
		v := reflect.New(typ).Elem()
		v.Field(0).SetString(value)
		in := v.Interface()
		out, err := r.RedactAny(in)
		if err != nil {
			if !errors.Is(err, anonymize.ErrBadTag) && !errors.Is(err, anonymize.ErrGeneralize) && !errors.Is(err, anonymize.ErrNoOperator) {
				t.Fatalf("tag %q: unexpected error %v", tag, err)
			}
			if value != "" && len(value) > 3 && strings.Contains(err.Error(), value) {
				t.Fatalf("error quotes the value: %v", err)
			}
			return
		}
		if reflect.ValueOf(in).Field(0).String() != value {
			t.Fatal("input modified")
		}
		if reflect.TypeOf(out) != typ {
			t.Fatalf("type changed to %T", out)
		}
	})
}

// FuzzHierarchies feeds arbitrary values to the built-in hierarchies: they
// generalise or fail with ErrGeneralize, and the top level is always "*".
func FuzzHierarchies(f *testing.F) {
	for _, s := range []string{"1990-11-23", "43.2389,76.8897", "34", "050010", "", "-1", "NaN,1", "1e400,0"} {
		f.Add(s)
	}
	hs := []anonymize.Hierarchy{
		anonymize.DateHierarchy{}, anonymize.AgeHierarchy{Widths: []int{5, 10}, Top: 90},
		anonymize.PrefixHierarchy{Keep: []int{4, 2}}, anonymize.GridHierarchy{Cells: []float64{0.01, 1}},
		anonymize.SuppressHierarchy{},
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, h := range hs {
			for level := 1; level <= h.Levels(); level++ {
				g, err := h.Generalize(v, level)
				if err != nil && !errors.Is(err, anonymize.ErrGeneralize) {
					t.Fatalf("%T level %d: %v", h, level, err)
				}
				if level == h.Levels() && g != "*" {
					t.Fatalf("%T top level gave %q", h, g)
				}
			}
		}
	})
}

// captureHandler keeps the attributes of the records it handles.
type captureHandler struct{ attrs *[]slog.Attr }

func (h captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h captureHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h captureHandler) WithGroup(string) slog.Handler            { return h }
func (h captureHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		*h.attrs = append(*h.attrs, a)
		return true
	})
	return nil
}

// FuzzSlogContainers logs a fuzzed string inside the container shapes the
// handler walks and checks that no identifier the scanner finds in it
// reaches the wrapped handler, as FuzzRedactor does for plain text.
func FuzzSlogContainers(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	plain := anonymize.NewScanner()
	f.Fuzz(func(t *testing.T, s string) {
		var attrs []slog.Attr
		l := slog.New(anonymize.NewSlogHandler(captureHandler{&attrs}))
		type note struct{ Note string }
		ps := s
		l.Info("", "xs", []string{s}, "m", map[string]string{s: s}, "st", note{s}, "p", &ps, "a", [1]any{s})
		if len(attrs) != 5 {
			t.Fatalf("%d attributes", len(attrs))
		}
		var got []string
		got = append(got, attrs[0].Value.Any().([]string)...)
		for k, v := range attrs[1].Value.Any().(map[string]string) {
			got = append(got, k, v)
		}
		got = append(got, attrs[2].Value.Any().(note).Note, *attrs[3].Value.Any().(*string))
		got = append(got, attrs[4].Value.Any().([1]any)[0].(string))
		if ps != s {
			t.Fatal("logged value modified")
		}
		fs := plain.ScanString(s)
		var rest strings.Builder
		at := 0
		for _, fd := range fs {
			rest.WriteString(s[at:fd.Start])
			rest.WriteByte(0)
			at = fd.End
		}
		rest.WriteString(s[at:])
		for _, out := range got {
			for _, fd := range fs {
				if v := s[fd.Start:fd.End]; strings.Count(out, v) > strings.Count(rest.String(), v) {
					t.Fatalf("logged %q still contains %q: %q", s, v, out)
				}
			}
		}
	})
}
