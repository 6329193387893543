package anonymize_test

import (
	"bytes"
	"io"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/yasam/privacy/anonymize"
)

// benchCorpus builds about size bytes of mixed Russian, Kazakh and English
// text with one identifier per ~200 bytes in varied written forms, and
// distractor numbers (dates, amounts, order numbers, 12-digit numbers with
// a wrong check digit) in between. It is deterministic.
func benchCorpus(size int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	phrases := []string{
		"Пользователь подтвердил согласие на обработку персональных данных. ",
		"Оператор обеспечивает конфиденциальность информации пользователя. ",
		"Пайдаланушы дербес деректерді өңдеуге келісім берді. ",
		"Қызмет көрсету шарттары өзгертілді, жаңа редакция күшіне енді. ",
		"The user accepted the privacy policy and the terms of service. ",
		"Please keep the receipt for your records and contact support. ",
		"Сумма платежа 15 000 тенге, комиссия 150 тенге. ",
		"Заказ № 48213 от 2024-03-15 12:30 доставлен. ",
		"Tracking code 20240315123045 was issued. ",
		"Договор 901123300255 не найден в реестре. ",
	}
	ids := []string{
		"ИИН 901123300258", "ЖСН:061211600012,", "БИН 990940003030", "BIN 940140000385",
		"тел. +7 (771) 000-99-98", "8(771)000-99-98", "+7 771 000 99 98", "87710009998",
		"ivan.petrov@mail.kz", "card 4111 1111 1111 1111", "5555555555554444",
		"IBAN KZ86125KZT5004100100", "kz47 6010 1310 0017 9714",
	}
	var b bytes.Buffer
	next := 0
	for b.Len() < size {
		b.WriteString(phrases[r.IntN(len(phrases))])
		if b.Len() >= next {
			b.WriteString(ids[r.IntN(len(ids))])
			b.WriteString(". ")
			next = b.Len() + 100 + r.IntN(100)
		}
	}
	return b.Bytes()
}

// regexpScanner is the straightforward alternative the single-pass scanner
// is measured against: one alternation, then the same validators.
type regexpScanner struct{ re *regexp.Regexp }

func newRegexpScanner() regexpScanner {
	return regexpScanner{re: regexp.MustCompile(
		`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}` +
			`|(?i:KZ\d{2}(?: ?[0-9A-Z]){16})` +
			`|(?:\+7|8)[ \-]*\(?\d{3}\)?[ \-]*\d{3}[ \-]?\d{2}[ \-]?\d{2}` +
			`|\d{4}[ \-]\d{4}[ \-]\d{4}[ \-]\d{4}` +
			`|\d{12,19}`)}
}

func (s regexpScanner) scan(dst []anonymize.Finding, text []byte) []anonymize.Finding {
	for _, m := range s.re.FindAllIndex(text, -1) {
		v := string(text[m[0]:m[1]])
		var k anonymize.Kind
		switch {
		case bytes.IndexByte(text[m[0]:m[1]], '@') >= 0:
			k = anonymize.KindEmail
		case anonymize.ValidIIN(v):
			k = anonymize.KindIIN
		case anonymize.ValidBIN(v):
			k = anonymize.KindBIN
		case anonymize.ValidIBAN(v):
			k = anonymize.KindIBAN
		case anonymize.ValidCard(v):
			k = anonymize.KindCard
		default:
			if _, ok := anonymize.NormalizePhone(v); ok {
				k = anonymize.KindPhone
			}
		}
		if k != "" {
			dst = append(dst, anonymize.Finding{Kind: k, Start: m[0], End: m[1]})
		}
	}
	return dst
}

const benchSize = 4 << 20

func BenchmarkScan(b *testing.B) {
	text := benchCorpus(benchSize)
	b.Run("baseline", func(b *testing.B) {
		// The scanner before the table-driven rewrite, kept in
		// baseline_bench_test.go: the figure to beat, in the same run.
		var s baseScanner
		dst := make([]anonymize.Finding, 0, len(text)/100)
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			dst = s.AppendFindings(dst[:0], text)
		}
		b.ReportMetric(float64(len(dst)), "findings")
	})
	b.Run("scanner", func(b *testing.B) {
		s := anonymize.NewScanner()
		dst := make([]anonymize.Finding, 0, len(text)/100)
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			dst = s.AppendFindings(dst[:0], text)
		}
		b.ReportMetric(float64(len(dst)), "findings")
	})
	b.Run("regexp", func(b *testing.B) {
		s := newRegexpScanner()
		dst := make([]anonymize.Finding, 0, len(text)/100)
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			dst = s.scan(dst[:0], text)
		}
		b.ReportMetric(float64(len(dst)), "findings")
	})
	b.Run("scanner-parallel", func(b *testing.B) {
		s := anonymize.NewScanner()
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			dst := make([]anonymize.Finding, 0, len(text)/100)
			for pb.Next() {
				dst = s.AppendFindings(dst[:0], text)
			}
		})
	})
}

// BenchmarkScanSideBySide times the baseline and the scanner alternately
// on the same corpus in every iteration, so that both see the same load
// on a shared machine, and reports both throughputs and their ratio.
func BenchmarkScanSideBySide(b *testing.B) {
	text := benchCorpus(benchSize)
	var base baseScanner
	s := anonymize.NewScanner()
	same := anonymize.NewScanner(anonymize.WithKinds(anonymize.KindIIN, anonymize.KindBIN, anonymize.KindPhone,
		anonymize.KindEmail, anonymize.KindCard, anonymize.KindIBAN))
	dst := make([]anonymize.Finding, 0, len(text)/100)
	var tBase, tNew, tSame time.Duration
	runtime.GC()
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		dst = base.AppendFindings(dst[:0], text)
		t1 := time.Now()
		dst = s.AppendFindings(dst[:0], text)
		t2 := time.Now()
		dst = same.AppendFindings(dst[:0], text)
		tSame += time.Since(t2)
		tNew += t2.Sub(t1)
		tBase += t1.Sub(t0)
	}
	mb := float64(len(text)) * float64(b.N) / 1e6
	b.ReportMetric(mb/tBase.Seconds(), "baseline-MB/s")
	b.ReportMetric(mb/tNew.Seconds(), "scanner-MB/s")
	b.ReportMetric(mb/tSame.Seconds(), "old-kinds-MB/s")
	b.ReportMetric(tBase.Seconds()/tNew.Seconds(), "speedup")
	b.ReportMetric(tBase.Seconds()/tSame.Seconds(), "speedup-old-kinds")
}

// TestBenchCorpusFindings checks that the benchmark measures real work: the
// scanner finds every planted identifier and the same ones as the regexp.
func TestBenchCorpusFindings(t *testing.T) {
	t.Parallel()
	text := benchCorpus(64 << 10)
	got := anonymize.NewScanner().Scan(text)
	re := newRegexpScanner().scan(nil, text)
	if len(got) < len(text)/300 {
		t.Fatalf("only %d findings in %d bytes", len(got), len(text))
	}
	if len(got) != len(re) {
		t.Errorf("scanner found %d, regexp %d", len(got), len(re))
	}
	for i := range min(len(got), len(re)) {
		if got[i].Kind != re[i].Kind || got[i].Start != re[i].Start {
			t.Fatalf("finding %d: scanner %v %q, regexp %v %q", i,
				got[i].Kind, text[got[i].Start:got[i].End], re[i].Kind, text[re[i].Start:re[i].End])
		}
	}
}

func BenchmarkRedactorString(b *testing.B) {
	r := anonymize.NewRedactor()
	for _, bc := range []struct{ name, line string }{
		{"clean", "request served in 12 ms, status 200, user agent okhttp/4.12"},
		{"personal", "ИИН 901123300258, тел +7 771 000 99 98, a@b.kz"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.line)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_ = r.String(bc.line)
				}
			})
		})
	}
}

func BenchmarkRedactValue(b *testing.B) {
	r := anonymize.NewRedactor()
	c := newCustomer()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := anonymize.RedactValue(r, c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSlogHandler(b *testing.B) {
	l := slog.New(anonymize.NewSlogHandler(slog.NewJSONHandler(io.Discard, nil)))
	u := logUser{Name: "Иван", IIN: "901123300258", Plan: "pro"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Info("login by 901123300258", "status", 200, "path", "/v1/consent", "user", &u)
		}
	})
}
