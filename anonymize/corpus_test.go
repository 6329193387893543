package anonymize_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/anonymize"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// corpusSpan is one expected or found finding in the corpus.
type corpusSpan struct {
	kind       anonymize.Kind
	start, end int
}

// corpusLine is one text of testdata/corpus.txt with its marked findings.
type corpusLine struct {
	no   int
	text string
	want []corpusSpan
}

// readCorpus parses testdata/corpus.txt: [[kind:text]] marks a finding;
// \n and \u00a0 stand for a line break and a no-break space.
func readCorpus(t *testing.T) []corpusLine {
	t.Helper()
	f, err := os.Open("testdata/corpus.txt")
	require.NoError(t, err)
	defer f.Close()
	unescape := strings.NewReplacer(`\n`, "\n", `\u00a0`, "\u00a0")
	var lines []corpusLine
	sc := bufio.NewScanner(f)
	for no := 1; sc.Scan(); no++ {
		raw := sc.Text()
		if raw == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		raw = unescape.Replace(raw)
		var b strings.Builder
		var want []corpusSpan
		for {
			i := strings.Index(raw, "[[")
			if i < 0 {
				b.WriteString(raw)
				break
			}
			b.WriteString(raw[:i])
			rest := raw[i+2:]
			j := strings.Index(rest, "]]")
			kind, val, ok := strings.Cut(rest[:max(j, 0)], ":")
			require.True(t, j > 0 && ok, "line %d: bad marker", no)
			want = append(want, corpusSpan{anonymize.Kind(kind), b.Len(), b.Len() + len(val)})
			b.WriteString(val)
			raw = rest[j+2:]
		}
		lines = append(lines, corpusLine{no, b.String(), want})
	}
	require.NoError(t, sc.Err())
	return lines
}

// TestCorpus scans every written form of every kind in
// testdata/corpus.txt and its distractors. A finding counts only with its
// kind and exact span. It logs every miss and false finding, writes
// precision and recall per kind to testdata/corpus_report.golden with
// -update, and fails when they differ from the golden file, so a change
// in detection is seen and its figures reviewed.
func TestCorpus(t *testing.T) {
	t.Parallel()
	lines := readCorpus(t)
	s := anonymize.NewScanner()
	type counts struct{ tp, fp, fn int }
	per := map[anonymize.Kind]*counts{}
	at := func(k anonymize.Kind) *counts {
		if per[k] == nil {
			per[k] = &counts{}
		}
		return per[k]
	}
	for _, l := range lines {
		var got []corpusSpan
		for _, f := range s.ScanString(l.text) {
			got = append(got, corpusSpan{f.Kind, f.Start, f.End})
		}
		for _, w := range l.want {
			if slices.Contains(got, w) {
				at(w.kind).tp++
			} else {
				at(w.kind).fn++
				t.Logf("line %d: missed %s %q in %q", l.no, w.kind, l.text[w.start:w.end], l.text)
			}
		}
		for _, g := range got {
			if !slices.Contains(l.want, g) {
				at(g.kind).fp++
				t.Logf("line %d: false %s %q in %q", l.no, g.kind, l.text[g.start:g.end], l.text)
			}
		}
	}
	kinds := make([]string, 0, len(per))
	for k := range per {
		kinds = append(kinds, string(k))
	}
	slices.Sort(kinds)
	var rep strings.Builder
	fmt.Fprintf(&rep, "| kind | found | missed | false | precision | recall |\n|---|---|---|---|---|---|\n")
	for _, k := range kinds {
		c := per[anonymize.Kind(k)]
		p, r := 1.0, 1.0
		if c.tp+c.fp > 0 {
			p = float64(c.tp) / float64(c.tp+c.fp)
		}
		if c.tp+c.fn > 0 {
			r = float64(c.tp) / float64(c.tp+c.fn)
		}
		fmt.Fprintf(&rep, "| %s | %d | %d | %d | %.3f | %.3f |\n", k, c.tp, c.fn, c.fp, p, r)
	}
	t.Logf("corpus of %d texts:\n%s", len(lines), rep.String())
	const golden = "testdata/corpus_report.golden"
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(rep.String()), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -run TestCorpus -update")
	require.Equal(t, string(want), rep.String(), "precision and recall changed; rerun with -update if intended")
}
