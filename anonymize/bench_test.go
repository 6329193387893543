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
		// The scanner before the table-driven rewrite, kept at
		// the end of this file: the figure to beat, in the same run.
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
	sideBySide(b, benchCorpus(benchSize))
}

// BenchmarkScanSideBySideProse is BenchmarkScanSideBySide on proseCorpus:
// running text with names, proper nouns in mid-sentence and fewer digits,
// where capitals, not digits, make most of the scanner's stops.
func BenchmarkScanSideBySideProse(b *testing.B) {
	sideBySide(b, proseCorpus(benchSize))
}

func sideBySide(b *testing.B, text []byte) {
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

// proseCorpus builds about size bytes of Russian, Kazakh and English
// running text in the style of support tickets and letters: a full name
// with patronymic every ~500 bytes, cities, companies and people without
// patronymic in mid-sentence, all-caps abbreviations, line breaks, few
// digits, and an identifier every ~600 bytes. It is deterministic.
func proseCorpus(size int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	phrases := []string{
		"Клиент Иван Петрович Сидоров обратился в отделение в Алматы по поводу карты. ",
		"Өтініш берушi Ерлан Серікұлы Қасымов Шымкент қаласында тұрады. ",
		"Ольга Викторовна Ким сообщила, что данные в CRM обновлены.\n",
		"Заявление передано в Министерство цифрового развития Республики Казахстан. ",
		"Договор подписан между АО «Банк ЦентрКредит» и ИП Ахметов в Астане.\n",
		"Please forward the complaint to the Almaty office of Kaspi Bank. ",
		"В письме из Караганды Петров и Сергеева просят удалить их данные. ",
		"Сотрудник службы поддержки Асхат ответил в тот же день. ",
		"Пользователь подтвердил согласие на обработку персональных данных. ",
		"Оператор обеспечивает конфиденциальность информации пользователя. ",
		"Пайдаланушы дербес деректерді өңдеуге келісім берді. ",
		"Қызмет көрсету шарттары өзгертілді, жаңа редакция күшіне енді. ",
		"The user accepted the privacy policy and the terms of service. ",
		"Ответ направлен по электронной почте, копия сохранена в архиве. ",
		"Өтініш қаралып, жауап жеке кабинетке жіберілді.\n",
		"We have received your request and will reply within ten days. ",
	}
	ids := []string{
		"ИИН 901123300258", "тел. +7 771 000 99 98", "a.nurlanova@mail.kz",
		"паспорт N12345678", "IBAN KZ86125KZT5004100100", "карта 4111 1111 1111 1111",
		"IP 10.12.0.7", "госномер 123 ABC 02",
	}
	var b bytes.Buffer
	next := 0
	for b.Len() < size {
		b.WriteString(phrases[r.IntN(len(phrases))])
		if b.Len() >= next {
			b.WriteString(ids[r.IntN(len(ids))])
			b.WriteString(". ")
			next = b.Len() + 400 + r.IntN(400)
		}
	}
	return b.Bytes()
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

// BenchmarkSlogHandlerText is BenchmarkSlogHandler through the text
// handler, which the handler judges as it prints a record on one line.
func BenchmarkSlogHandlerText(b *testing.B) {
	l := slog.New(anonymize.NewSlogHandler(slog.NewTextHandler(io.Discard, nil)))
	u := logUser{Name: "Иван", IIN: "901123300258", Plan: "pro"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Info("login by 901123300258", "status", 200, "path", "/v1/consent", "user", &u)
		}
	})
}

// The baseline: what follows is, as test-only code, a copy of the scanner
// as it was before the table-driven rewrite (as of commit de4bea4), so that
// BenchmarkScan and BenchmarkScanSideBySide measure the old and the new
// scanner side by side in one run. It is never used outside benchmarks.

type baseScanner struct{}

const baseStartMask uint64 = 0x03ff<<'0' | 1<<'+'

func (s *baseScanner) scanBuiltin(dst []anonymize.Finding, text []byte) []anonymize.Finding {
	email := true
	floor := 0 // end of the last finding: e-mail local parts stop here
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		if c < 0x40 {
			if baseStartMask>>c&1 == 0 {
				i++
				continue
			}
		} else if c != '@' && c|0x20 != 'k' {
			i++
			continue
		}
		var f anonymize.Finding
		next := i + 1
		switch {
		case c == '@':
			if email {
				if st, en, ok := baseParseEmail(text, i, floor); ok {
					f = anonymize.Finding{Kind: anonymize.KindEmail, Start: st, End: en}
				}
			}
		case c|0x20 == 'k':
			if true && i+1 < n && text[i+1]|0x20 == 'z' && (i == 0 || !baseIsAlnum(text[i-1])) {
				if en, ok := baseParseIBAN(text, i); ok {
					f = anonymize.Finding{Kind: anonymize.KindIBAN, Start: i, End: en, Verified: true}
				}
			}
		case c == '+':
			if true && (i == 0 || !baseIsDigit(text[i-1])) {
				if en, _, ok := baseParsePhone(text, i); ok {
					f = anonymize.Finding{Kind: anonymize.KindPhone, Start: i, End: en}
				}
			}
		default:
			f, next = s.digits(text, i)
		}
		if f.End == 0 {
			i = next
			continue
		}
		if email && f.Kind != anonymize.KindEmail && f.End < n && text[f.End] == '@' {
			f = baseEmailAround(text, f, floor)
		}
		dst = append(dst, f)
		floor = f.End
		i = f.End
	}
	return dst
}

// baseEmailAround returns the e-mail address whose local part ends with f,
// which text[f.End] == '@' follows, or f itself. The address replaces the
// identifier only if it parses and covers it all; otherwise the identifier
// stands ("ИИН 901123300258@"), so a stray '@' never makes redaction fail
// open.
func baseEmailAround(text []byte, f anonymize.Finding, floor int) anonymize.Finding {
	if st, en, ok := baseParseEmail(text, f.End, floor); ok && st <= f.Start {
		return anonymize.Finding{Kind: anonymize.KindEmail, Start: st, End: en}
	}
	return f
}

// digits examines the digit run starting at text[i], which is not preceded
// by a digit. It returns a finding (End 0 if none) and where to resume: the
// end of the run, since no identifier starts after a digit.
func (s *baseScanner) digits(text []byte, i int) (anonymize.Finding, int) {
	n := len(text)
	j := i
	for j < n && baseIsDigit(text[j]) {
		j++
	}
	l := j - i
	switch {
	case l == 12 && true:
		var d [12]byte
		for k := 0; k < 12; k++ {
			d[k] = text[i+k] - '0'
		}
		if k := baseClassify12(&d); k != "" {
			return anonymize.Finding{Kind: k, Start: i, End: j, Verified: true}, j
		}
		return anonymize.Finding{}, j
	case l >= 13 && l <= 19 && true:
		var d [19]byte
		for k := 0; k < l; k++ {
			d[k] = text[i+k] - '0'
		}
		if baseLuhn(d[:l]) {
			return anonymize.Finding{Kind: anonymize.KindCard, Start: i, End: j, Verified: true}, j
		}
		return anonymize.Finding{}, j
	}
	if true && ((text[i] == '8' && l <= 11) || (text[i] == '7' && l == 11)) {
		if en, _, ok := baseParsePhone(text, i); ok {
			return anonymize.Finding{Kind: anonymize.KindPhone, Start: i, End: en}, j
		}
	}
	if true && l >= 3 && l <= 6 && j+1 < n && (text[j] == ' ' || text[j] == '-') && baseIsDigit(text[j+1]) {
		if en, ok := baseParseGroupedCard(text, i); ok {
			return anonymize.Finding{Kind: anonymize.KindCard, Start: i, End: en, Verified: true}, j
		}
	}
	return anonymize.Finding{}, j
}

// baseMaxCardGroups is how many groups baseParseGroupedCard reads: the windows
// that start in the first group span at most 6 groups (19 digits in groups
// of at least 3), and those that overlap them end at most 6 groups later.
const baseMaxCardGroups = 12

// basePlausibleCard reports whether a card number may start with digit d: the
// major industry identifiers of payment cards (2 Mir and Mastercard, 3
// Amex, JCB and Diners, 4 Visa, 5 Mastercard, 6 Discover, UnionPay and
// Maestro).
func basePlausibleCard(d byte) bool { return d-2 <= 4 }

// baseParseGroupedCard reads a card number printed in groups of 3 to 6 digits
// separated by single spaces or single dashes (one kind per number),
// starting at the group at text[i]. A window of consecutive groups holding
// 13 to 19 digits and passing the Luhn check is a candidate; the longest
// one that starts at the first group is the card ("4111 1111 1111 1111
// 2025" yields the card and leaves the year), unless its first digit is no
// payment card's ([basePlausibleCard]) and a window starting at a later group
// it overlaps is plausible. The Luhn check passes by chance one time in
// ten, so "1004 4111 1111 1111 1111" would otherwise mask "1004" and leave
// the card's last group in clear. When ok is false the caller resumes at
// the next group, which is examined in turn.
func baseParseGroupedCard(text []byte, i int) (end int, ok bool) {
	var d [baseMaxCardGroups * 6]byte
	// counts[k] is the number of digits in groups 0 to k, ends[k] the
	// offset just past group k.
	var ends, counts [baseMaxCardGroups]int
	groups, n, j := 0, 0, i
	var sep byte
	for groups < baseMaxCardGroups {
		gs := j
		for j < len(text) && baseIsDigit(text[j]) {
			if j-gs < 6 {
				d[n+j-gs] = text[j] - '0'
			}
			j++
		}
		g := j - gs
		if g < 3 || g > 6 {
			break
		}
		n += g
		ends[groups], counts[groups] = j, n
		groups++
		if j+1 < len(text) && (text[j] == ' ' || text[j] == '-') && baseIsDigit(text[j+1]) && (sep == 0 || text[j] == sep) {
			sep = text[j]
			j++
			continue
		}
		break
	}
	last := -1 // the last group of the longest window from group 0
	for k := min(groups, 6) - 1; k >= 0; k-- {
		if c := counts[k]; c >= 13 && c <= 19 && baseLuhn(d[:c]) {
			last = k
			break
		}
	}
	if last < 0 {
		return 0, false
	}
	if basePlausibleCard(d[0]) {
		return ends[last], true
	}
	for s := 1; s <= last; s++ {
		from := counts[s-1]
		if !basePlausibleCard(d[from]) {
			continue
		}
		for e := s; e < groups && counts[e]-from <= 19; e++ {
			if counts[e]-from >= 13 && baseLuhn(d[from:counts[e]]) {
				return 0, false
			}
		}
	}
	return ends[last], true
}

// baseParseIBAN reads a KZ IBAN starting at text[i], baseUpper or lower case, with
// single spaces allowed between characters as in printed groups of four.
func baseParseIBAN(text []byte, i int) (end int, ok bool) {
	var c [baseIbanLen]byte
	n, j := 0, i
	for j < len(text) && n < baseIbanLen {
		ch := text[j]
		if baseIsAlnum(ch) {
			c[n] = baseUpper(ch)
			n++
			j++
			continue
		}
		if ch == ' ' && j+1 < len(text) && baseIsAlnum(text[j+1]) {
			j++
			continue
		}
		break
	}
	if n != baseIbanLen || (j < len(text) && baseIsAlnum(text[j])) {
		return 0, false
	}
	return j, baseIbanChars(&c)
}

// baseIsMobileCode reports whether 7, a, b is a Kazakhstan mobile operator code
// (Kcell/Activ 701, 702, 775, 778; Beeline 705, 777, 771, 776; Tele2/Altel
// 707, 747, 700, 708; plus the reserved 706, 750, 751, 760-764 ranges).
func baseIsMobileCode(a, b byte) bool {
	switch a*10 + b {
	case 0, 1, 2, 5, 6, 7, 8,
		47,
		50, 51,
		60, 61, 62, 63, 64,
		71, 75, 76, 77, 78:
		return true
	}
	return false
}

// baseParsePhone reads a Kazakhstan mobile number that starts at text[i]: "+7",
// "8", or a bare "7" followed by ten contiguous digits. Between the digits
// it accepts spaces and dashes, and brackets around the operator code, never
// more than two separator bytes in a row. It returns the end of the number
// and its ten national digits (ASCII).
func baseParsePhone(text []byte, i int) (end int, nat [10]byte, ok bool) {
	j := i
	bare := false
	switch {
	case text[j] == '+':
		if j+1 >= len(text) || text[j+1] != '7' {
			return 0, nat, false
		}
		j += 2
	case text[j] == '8':
		j++
	case text[j] == '7':
		bare = true
		j++
	default:
		return 0, nat, false
	}
	n, sep := 0, 0
	paren := 0 // 0 none, 1 open, 2 closed
	for j < len(text) && n < 10 {
		c := text[j]
		if baseIsDigit(c) {
			nat[n] = c
			n++
			sep = 0
			j++
			continue
		}
		if bare {
			return 0, nat, false
		}
		switch c {
		case ' ', '-':
		case '(':
			if n != 0 || paren != 0 {
				return 0, nat, false
			}
			paren = 1
		case ')':
			if n != 3 || paren != 1 {
				return 0, nat, false
			}
			paren = 2
		default:
			return 0, nat, false
		}
		sep++
		if sep > 2 {
			return 0, nat, false
		}
		j++
	}
	if n != 10 || paren == 1 || (j < len(text) && baseIsDigit(text[j])) {
		return 0, nat, false
	}
	if nat[0] != '7' || !baseIsMobileCode(nat[1]-'0', nat[2]-'0') {
		return 0, nat, false
	}
	return j, nat, true
}

// E-mail addresses are found from their '@': the scanner has already passed
// the local part, so it looks back over it (never before the end of the
// previous finding, nor past another '@', so the scan stays linear) and
// forward over the domain. A local part longer than the 64 bytes RFC 5321
// allows is still taken whole: the address is redacted entirely rather
// than leave its beginning in clear. The grammar is
// the practical subset of RFC 5322 seen in text: dot-atoms of ASCII
// letters, digits and !#$%&'*+/=?^_`{|}~- on the left, and LDH labels with
// a final alphabetic label of at least two letters on the right.

const baseMaxDomain = 253

func baseIsAtext(c byte) bool {
	if baseIsAlnum(c) {
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~', '-', '.':
		return true
	}
	return false
}

// baseParseEmail returns the span of the address whose '@' is text[at], looking
// back no further than floor.
func baseParseEmail(text []byte, at, floor int) (start, end int, ok bool) {
	lo := floor
	start = at
	for start > lo && baseIsAtext(text[start-1]) {
		start--
	}
	// A dot-atom neither starts nor ends with a dot, and has no "..".
	for start < at && text[start] == '.' {
		start++
	}
	if start == at || text[at-1] == '.' {
		return 0, 0, false
	}
	for k := start + 1; k < at; k++ {
		if text[k] == '.' && text[k-1] == '.' {
			start = k + 1
		}
	}
	if start == at {
		return 0, 0, false
	}
	// Domain: labels of letters, digits and inner hyphens.
	j := at + 1
	hi := at + 1 + baseMaxDomain
	if hi > len(text) {
		hi = len(text)
	}
	end = -1
	labels := 0
	for j < hi {
		ls := j
		alpha := true
		for j < hi && (baseIsAlnum(text[j]) || text[j] == '-') {
			if !((text[j]|0x20) >= 'a' && (text[j]|0x20) <= 'z') {
				alpha = false
			}
			j++
		}
		if j == ls || text[ls] == '-' || text[j-1] == '-' || j-ls > 63 {
			break
		}
		labels++
		if labels >= 2 && alpha && j-ls >= 2 {
			end = j
		}
		if j+1 < hi && text[j] == '.' && baseIsAlnum(text[j+1]) {
			j++
			continue
		}
		break
	}
	if end < 0 {
		return 0, 0, false
	}
	return start, end, true
}

// baseLuhn reports whether the digit values in d pass the Luhn check.
func baseLuhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i])
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

func baseIsDigit(c byte) bool { return c-'0' <= 9 }

// baseIbanLen is the length of a Kazakhstan IBAN: KZ, 2 check digits, a 3-digit
// bank code and 13 alphanumerics.
const baseIbanLen = 20

// baseIbanChars checks the structure of 20 baseUpper-cased IBAN characters and
// their mod-97 checksum.
func baseIbanChars(c *[baseIbanLen]byte) bool {
	if c[0] != 'K' || c[1] != 'Z' {
		return false
	}
	for i := 2; i < 7; i++ {
		if !baseIsDigit(c[i]) {
			return false
		}
	}
	// Move the first four characters to the end and read the result as a
	// base-36 number, modulo 97.
	rem := 0
	for j := 0; j < baseIbanLen; j++ {
		ch := c[(j+4)%baseIbanLen]
		switch {
		case baseIsDigit(ch):
			rem = (rem*10 + int(ch-'0')) % 97
		case ch >= 'A' && ch <= 'Z':
			rem = (rem*100 + int(ch-'A') + 10) % 97
		default:
			return false
		}
	}
	return rem == 1
}

func baseUpper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func baseIsAlnum(c byte) bool {
	return baseIsDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'z'
}

// An IIN and a BIN share their length and check digit but not their
// structure:
//
//	IIN  Y Y M M D D C S S S S K   C = century/sex 1-6, D D a valid day
//	BIN  Y Y M M T A S S S S S K   T = entity type 4/5/6, A = attribute 0-3
//
// Digit 5 (index 4) is the tens digit of the day in an IIN, so 0-3, and the
// entity type in a BIN, so 4-6. No 12-digit number can therefore have both
// structures, and classification is unambiguous: digit 5 decides which
// structure is checked, and a number that fails it is neither.

// baseIinBINChecksum reports whether the 12 digits in d (values 0-9) carry a
// valid check digit under the two-pass mod-11 scheme shared by IIN and BIN.
func baseIinBINChecksum(d *[12]byte) bool {
	s := 0
	for i := 0; i < 11; i++ {
		s += int(d[i]) * (i + 1)
	}
	s %= 11
	if s == 10 {
		s = 0
		for i := 0; i < 11; i++ {
			w := i + 3
			if w > 11 {
				w -= 11
			}
			s += int(d[i]) * w
		}
		s %= 11
		if s == 10 {
			return false
		}
	}
	return s == int(d[11])
}

// baseClassify12 returns anonymize.KindIIN or anonymize.KindBIN for 12 digit values that have a
// valid structure and check digit, and "" otherwise.
func baseClassify12(d *[12]byte) anonymize.Kind {
	month := int(d[2])*10 + int(d[3])
	if month < 1 || month > 12 {
		return ""
	}
	if d[4] >= 4 {
		// BIN: entity type 4-6, attribute 0-3.
		if d[4] > 6 || d[5] > 3 {
			return ""
		}
		if !baseIinBINChecksum(d) {
			return ""
		}
		return anonymize.KindBIN
	}
	day := int(d[4])*10 + int(d[5])
	c := d[6]
	if c < 1 || c > 6 || day < 1 {
		return ""
	}
	year := 1800 + 100*int((c-1)/2) + int(d[0])*10 + int(d[1])
	if day > baseDaysIn(month, year) {
		return ""
	}
	if !baseIinBINChecksum(d) {
		return ""
	}
	return anonymize.KindIIN
}

func baseDaysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
func (s *baseScanner) AppendFindings(dst []anonymize.Finding, text []byte) []anonymize.Finding {
	return s.scanBuiltin(dst, text)
}

// BenchmarkPseudonym is one pseudonym of an IIN, as a Redactor with a
// Pseudonymizer makes for each value it finds.
func BenchmarkPseudonym(b *testing.B) {
	p, err := anonymize.NewPseudonymizer(anonymize.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Pseudonym(anonymize.KindIIN, "901123300258")
	}
}
