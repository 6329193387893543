package clip_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/yasam/privacy/internal/clip"
)

func TestCut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		s       string
		n       int
		want    string
		wantCut bool
	}{
		{"empty", "", 8, "", false},
		{"short text is kept", "payments", 8, "payments", false},
		{"long text is cut", "payments-and-more", 8, "payments", true},
		{"zero bound", "abc", 0, "", true},
		{"zero bound, empty input", "", 0, "", false},
		{"negative bound counts as zero", "abc", -5, "", true},
		{"cut falls before a rune that does not fit", "ab" + "я", 3, "ab", true},
		{"multi-byte runes are kept whole", "яяя", 4, "яя", true},
		{"invalid byte becomes ?", "a\xffb", 8, "a?b", false},
		{"control character becomes ?", "a\x00b\nc", 8, "a?b?c", false},
		{"DEL becomes ?", "a\x7fb", 8, "a?b", false},
		{"format rune becomes one ?", "a\u200bb", 8, "a?b", false},
		{"non-ASCII space becomes ?", "a\u00a0b", 8, "a?b", false},
		{"a truncated rune at the end is invalid", "ab\xd1", 8, "ab?", false},
		{"quote and backslash are printable", `a"b\c`, 8, `a"b\c`, false},
		{"the replacement character itself is printable", "\uFFFD", 3, "\uFFFD", false},
		{"bound counts input bytes", "\u200b\u200b\u200b", 6, "??", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, cut := clip.Cut(tt.s, tt.n)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantCut, cut)
		})
	}
}

func TestStringAndQuote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		s         string
		n         int
		wantStr   string
		wantQuote string
	}{
		{"short", "halyk", 64, "halyk", `"halyk"`},
		{"cut is marked", "abcdef", 3, "abc…", `"abc"…`},
		{"binary is replaced, not escaped", "\x00\x01\xfe", 64, "???", `"???"`},
		{"quote characters are escaped by Quote only", `"\`, 64, `"\`, `"\"\\"`},
		{"cyrillic is kept", "согласие", 64, "согласие", `"согласие"`},
		{"cyrillic is cut on a rune boundary", "согласие", 5, "со…", `"со"…`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.wantStr, clip.String(tt.s, tt.n))
			assert.Equal(t, tt.wantQuote, clip.Quote(tt.s, tt.n))
		})
	}
}

// TestCutDoesNotAllocateForCleanText: the common case, an identifier that
// fits, costs nothing.
func TestCutDoesNotAllocateForCleanText(t *testing.T) {
	s := strings.Repeat("a", 100)
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = clip.Cut(s, 64)
		_ = clip.String("halyk", 64)
	})
	assert.Zero(t, allocs)
}

// FuzzClip holds the package's promise for any input, binary and invalid
// UTF-8 included: the result is valid UTF-8, a prefix of at most n bytes
// that quoting cannot grow past 2n+2 bytes, and the mark appears exactly
// when the input did not fit.
func FuzzClip(f *testing.F) {
	f.Add("payments", 64)
	f.Add("", 0)
	f.Add("\xff\xfe\x00\x01", 2)
	f.Add(strings.Repeat("я", 40), 33)
	f.Add(strings.Repeat("\x00", 64), 32)
	f.Add(`""\\`, 3)
	f.Add("a\u200bb\u00a0c", -1)
	f.Fuzz(func(t *testing.T, s string, n int) {
		n %= 1 << 12
		bound := max(n, 0)
		p, cut := clip.Cut(s, n)
		if !utf8.ValidString(p) {
			t.Fatalf("Cut(%q, %d) = %q: invalid UTF-8", s, n, p)
		}
		if len(p) > bound {
			t.Fatalf("Cut(%q, %d) = %q: %d bytes, over the bound", s, n, p, len(p))
		}
		if cut != (len(s) > bound) {
			t.Fatalf("Cut(%q, %d) reports cut=%v for %d bytes", s, n, cut, len(s))
		}
		if q := strconv.Quote(p); len(q) > 2*len(p)+2 || strings.ContainsAny(q, "\x00\n") {
			t.Fatalf("Cut(%q, %d) = %q quotes to %s", s, n, p, q)
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) && !strings.HasPrefix(s, p) {
			t.Fatalf("Cut(%q, %d) = %q: printable text changed", s, n, p)
		}
		want := p
		if cut {
			want += clip.Ellipsis
		}
		if got := clip.Prefix(s, n); got != p {
			t.Fatalf("Prefix(%q, %d) = %q, want %q", s, n, got, p)
		}
		if got := clip.String(s, n); got != want {
			t.Fatalf("String(%q, %d) = %q, want %q", s, n, got, want)
		}
		q := clip.Quote(s, n)
		if !utf8.ValidString(q) || len(q) > 2*bound+2+len(clip.Ellipsis) {
			t.Fatalf("Quote(%q, %d) = %q: over the bound or invalid", s, n, q)
		}
	})
}

// BenchmarkString: the decision log and the span observer clip every
// purpose and recipient they record, so the common case (a short, clean
// identifier) must cost a scan and nothing more.
func BenchmarkString(b *testing.B) {
	for _, bc := range []struct {
		name string
		s    string
	}{
		{"short clean", "halyk-bank"},
		{"long clean", strings.Repeat("r", 1<<10)},
		{"short binary", "a\x00b\xffc"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = clip.String(bc.s, 64)
			}
		})
	}
}
