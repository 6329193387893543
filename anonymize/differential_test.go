package anonymize_test

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yasam/privacy/anonymize"
)

// hostileAlphabet is what random strings are made of: the bytes and
// letters every recogniser turns on, and the ones around them.
var hostileAlphabet = []string{
	"0", "1", "2", "4", "5", "7", "8", "9", " ", "-", "(", ")", "+", "@", ".", ":", ",", "\n",
	"K", "k", "Z", "z", "N", "A", "B", "C", "a", "f", "x", "ИИН", "тел", "паспорт ", "ID ",
	"И", "в", "а", "н", "о", "ич", "ович", "овна", "ұлы", " қызы", "Ұ", "қ", "ң", "ү", "Ә", "І",
	"\u00a0", "\u2009", "\u202f", "\xe2", "\xef\xbc\x90", "\xef\xbc\x99", "\xef\xbc\x8b", "\xe3\x80\x80", "\xef", "\xd0", "\x86", "\xa0",
	"901123300258", "4111", "KZ86125KZT", "mail.kz", "::", "192.168.", "Иван ", "Иванович",
}

// TestScanDifferential: the table-driven scan and the reference scan that
// looks at every byte find exactly the same, on the 4 MiB benchmark
// corpus and on random hostile strings.
func TestScanDifferential(t *testing.T) {
	t.Parallel()
	s := anonymize.NewScanner()
	check := func(text []byte) {
		t.Helper()
		agree(t, -1, s, text)
	}
	check(benchCorpus(benchSize))
	r := rand.New(rand.NewPCG(13, 17))
	for range 30000 {
		var b []byte
		for range r.IntN(40) {
			b = append(b, hostileAlphabet[r.IntN(len(hostileAlphabet))]...)
		}
		check(b)
	}
	for range 3000 {
		b := make([]byte, r.IntN(64))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		check(b)
	}
}

// FuzzScanDifferential is TestScanDifferential on fuzzed input.
func FuzzScanDifferential(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	s := anonymize.NewScanner()
	f.Fuzz(func(t *testing.T, text []byte) {
		agree(t, -1, s, text)
	})
}

// FuzzValidIPv6 compares the scanner's IPv6 check with net/netip.
func FuzzValidIPv6(f *testing.F) {
	for _, s := range []string{"::", "::1", "fe80::1", "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "::ffff:1.2.3.4", "1::2::3", ":1::", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := netip.ParseAddr(s)
		want := err == nil && a.Is6() && a.Zone() == "" && !strings.ContainsAny(s, "%")
		if got := anonymize.ValidIPv6(s); got != want {
			t.Fatalf("ValidIPv6(%q) = %v, netip says %v", s, got, want)
		}
	})
}

// differentialKinds are scanners that leave names out, and so take the
// word-wide skip and its look-back from digits instead of the table.
func differentialKinds() []*anonymize.Scanner {
	return []*anonymize.Scanner{
		anonymize.NewScanner(anonymize.WithKinds(anonymize.KindIIN, anonymize.KindBIN, anonymize.KindPhone,
			anonymize.KindEmail, anonymize.KindCard, anonymize.KindIBAN, anonymize.KindIP, anonymize.KindDocument,
			anonymize.KindPlate)),
		anonymize.NewScanner(anonymize.WithKinds(anonymize.KindIIN, anonymize.KindBIN, anonymize.KindPhone,
			anonymize.KindEmail, anonymize.KindCard, anonymize.KindIBAN)),
		anonymize.NewScanner(anonymize.WithKinds(anonymize.KindIBAN, anonymize.KindDocument)),
		anonymize.NewScanner(anonymize.WithKinds(anonymize.KindPhone)),
	}
}

// TestScanDifferentialKinds is TestScanDifferential for scanners that do
// not look for names.
func TestScanDifferentialKinds(t *testing.T) {
	t.Parallel()
	scanners := differentialKinds()
	check := func(text []byte) {
		t.Helper()
		for k, s := range scanners {
			agree(t, k, s, text)
		}
	}
	check(benchCorpus(benchSize))
	check(proseCorpus(1 << 20))
	// Each trigger found by looking back from a digit, at the start,
	// after text and glued to more: valid identifiers, so that a
	// look-back that missed one would change the findings.
	for _, id := range []string{
		"KZ86125KZT5004100100", "kz86125kzt5004100100", "KZ 86125KZT5004100100", "kz 86 125K ZT50 0410 0100",
		"+77010001122", "+7 701 000 11 22", "(727) 250-50-50", "(7172)250505", "паспорт N12345678",
		"KZ\u00a086125KZT5004100100", "kz\u202f86\u2009125k\u2009zt50\u20090410\u20090100", "+7\u2009701\u2009000\u200911\u200922",
	} {
		for _, before := range []string{"", "x", "IBAN ", "k", "K ", "+", "(", "N", "z", "7", "@", "\u00a0", "\u2009", "KZ\u00a0"} {
			for _, after := range []string{"", " ", "1", "K", ".", "@mail.kz"} {
				check([]byte(before + id + after))
			}
		}
	}
	r := rand.New(rand.NewPCG(19, 23))
	for range 30000 {
		var b []byte
		for range r.IntN(40) {
			b = append(b, hostileAlphabet[r.IntN(len(hostileAlphabet))]...)
		}
		check(b)
	}
	for range 3000 {
		b := make([]byte, r.IntN(64))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		check(b)
	}
}

// FuzzScanDifferentialKinds is TestScanDifferentialKinds on fuzzed input.
func FuzzScanDifferentialKinds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("kz86125KZT5004100100 KZ 86125KZT5004100100 +77010001122 (727)2505050 N12345678 паспорт"))
	scanners := differentialKinds()
	f.Fuzz(func(t *testing.T, text []byte) {
		for k, s := range scanners {
			agree(t, k, s, text)
		}
	})
}

// TestScanDifferentialNames compares the fast scan, which looks at the
// capitals only before a name's anchor ('в' of -вич/-вн…, 'ы' of ұлы,
// қызы…), with the reference on names at the edges of that rule: words of
// 2 to 25 letters, so that the capital lies as far before the anchor as a
// name allows (and one letter more); every separator; patronymics glued
// and as marker words; and 'K'/'N' triggers glued to all-caps words,
// which the reference passes over with the word.
func TestScanDifferentialNames(t *testing.T) {
	t.Parallel()
	s := anonymize.NewScanner()
	found := 0
	check := func(text string) {
		t.Helper()
		slow := agree(t, -1, s, []byte(text))
		for _, f := range slow {
			if f.Kind == anonymize.KindName {
				found++
			}
		}
	}
	word := func(first string, letters int) string {
		var b strings.Builder
		b.WriteString(first)
		for k := 1; k < letters; k++ {
			b.WriteString([]string{"а", "н", "р", "ұ", "е", "қ", "л", "і"}[k%8])
		}
		return b.String()
	}
	seps := []string{" ", "\t", "\n", "\r\n", "\u00a0"}
	for letters := 2; letters <= 25; letters++ {
		for _, sep := range seps {
			long := word("Н", letters)
			for _, pat := range []string{"ович", "евич", "ёвича", "овна", "евной", "ұлы", "улы", "қызы", "кызы"} {
				// A patronymic of as many letters as the word.
				p := word("С", max(letters-len([]rune(pat)), 1)) + pat
				check("Мы " + long + sep + p + ".")
				check("Мы Серіков" + sep + long + sep + p + sep + "Петров")
			}
			for _, marker := range []string{"ұлы", "улы", "қызы", "кызы"} {
				// The father's name before a marker word.
				check("Мы Асхат" + sep + long + sep + marker + ".")
				check("Мы Серікова Айгерім" + sep + long + sep + marker + ", 901123300258")
			}
		}
	}
	// Triggers glued to all-caps words, before and after names.
	for _, caps := range []string{"ИВАН", "ИвАН", "МәСЕЛЕ", "ИВАНkz", "ИВАНОВИЧ", "ИВ"} {
		for _, id := range []string{"KZ86125KZT5004100100", "kz 86125KZT5004100100", "N12345678", "+77010001122", "(727) 250-50-50"} {
			for _, before := range []string{"", "x ", "Иван Иванович ", "паспорт "} {
				for _, after := range []string{"", " Иван Петрович Сидоров", "@mail.kz"} {
					check(before + caps + id + after)
					check(before + "Ы " + caps + id + after)
				}
			}
		}
	}
	if found < 1000 {
		t.Fatalf("only %d names in the cases: the test no longer reaches the rule's edges", found)
	}
}

// TestScanDifferentialNumberRuns compares the fast scan, which passes
// over the later groups of an amount or a date at once (a run of digits
// and separators holding fewer than 11 digits, not ending in a dot, a
// no-break space or a capital letter), with the reference, which looks at
// each group. Each case puts an identifier that could start at a later
// group (a phone with dots or no-break spaces, an IPv4 address, a plate,
// a document number after its context word, a phone in brackets) after
// groups of 1 to 6 digits joined by every separator the run counts, and
// by its look-alikes, and times after dates ("2024-03-15 12:30").
func TestScanDifferentialNumberRuns(t *testing.T) {
	t.Parallel()
	scanners := append(differentialKinds(), anonymize.NewScanner())
	found := 0
	check := func(text []byte) {
		t.Helper()
		for k, s := range scanners {
			slow := agree(t, k, s, text)
			if k == 0 {
				found += len(slow)
			}
		}
	}
	seps := []string{" ", "-", "(", ")", ",", "!", "$", "%", "  ", " - ", ".", "\u00a0", "+", ":", "/", "\u2009", "\u202f"}
	ids := []string{
		"8.771.000.99.98", "771.000.99.98", "8\u00a0771\u00a0000\u00a099\u00a098", "7 771.000.99.98",
		"(727) 250.50.50", "(7172)\u00a055\u00a066\u00a077", "8 (771) 000.99.98", "10.12.0.7", "1.2.3.4",
		"123 ABC 02", "123ABC02", "123 AB 02", "123456789", "771 000 99 98", "+7 771 000 99 98",
		"N12345678", "901123 300258", "4111 1111 1111 1111", "KZ86125KZT5004100100",
		"901123\u00a0300258", "9011\u20092330\u20090258", "4111\u202f1111\u202f1111\u202f1111", "KZ86\u00a0125K\u00a0ZT50\u00a00410\u00a00100",
		"701\u00a0000\u00a011\u00a022", "12:30\u00a0901123\u00a0300258",
		// Times and what looks like them after a date.
		"12:30", "12:30:45", "09:5", "12::1", "1:2::3", "12:30::1", "12:8\u00a0771\u00a0000\u00a099\u00a098",
		"12:7 771 000 99 98", "12:123456789", "12:901123300258", "12:10.12.0.7", "12:123 ABC 02", "12:(727) 250.50.50",
	}
	before := []string{"", "ID ", "паспорт ", "тел. ", "x", "Сумма "}
	after := []string{"", " ", ".", " тенге", "@mail.kz", ":30", "A", "\u00a0", ":30 доставлен", ":7 x", ":1a::", "ы", "\u2009300258", "\u00a01"}
	r := rand.New(rand.NewPCG(37, 41))
	group := func(b []byte, l int) []byte {
		for range l {
			b = append(b, byte('0'+r.IntN(10)))
		}
		return b
	}
	for range 60000 {
		b := []byte(before[r.IntN(len(before))])
		b = group(b, 2+r.IntN(5)) // a first group the run test takes
		for range r.IntN(4) {
			b = append(b, seps[r.IntN(5)]...)
			b = group(b, 1+r.IntN(6))
		}
		b = append(b, seps[r.IntN(len(seps))]...)
		if r.IntN(4) == 0 {
			b = group(b, 1+r.IntN(9))
		} else {
			b = append(b, ids[r.IntN(len(ids))]...)
		}
		b = append(b, after[r.IntN(len(after))]...)
		// Text after the run, so that the run test has its 24 bytes.
		b = append(b, " и далее текст"[:1+r.IntN(20)]...)
		check(b)
	}
	if found < 20000 {
		t.Fatalf("only %d findings in the cases: the test no longer puts identifiers in number runs", found)
	}
}

// agree scans text the reference way, the pure-Go way and the fast way
// with s (scanner k of a list, or -1), fails t unless all three find the
// same, and returns the reference's findings.
func agree(t testing.TB, k int, s *anonymize.Scanner, text []byte) []anonymize.Finding {
	t.Helper()
	slow := anonymize.ScanReference(s, text)
	if diff := cmp.Diff(slow, anonymize.ScanGo(s, text)); diff != "" {
		t.Fatalf("scanner %d: pure-Go and reference scans differ on %q (-reference +pure Go):\n%s", k, text, diff)
	}
	if diff := cmp.Diff(slow, s.Scan(text)); diff != "" {
		t.Fatalf("scanner %d: fast and reference scans differ on %q (-reference +fast):\n%s", k, text, diff)
	}
	return slow
}
