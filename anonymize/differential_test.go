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
	"\u00a0", "\xef\xbc\x90", "\xef\xbc\x99", "\xef\xbc\x8b", "\xe3\x80\x80", "\xef", "\xd0", "\x86", "\xa0",
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
		fast := s.Scan(text)
		slow := anonymize.ScanReference(s, text)
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Fatalf("fast and reference scans differ on %q (-reference +fast):\n%s", text, diff)
		}
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
		fast := s.Scan(text)
		slow := anonymize.ScanReference(s, text)
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Fatalf("(-reference +fast):\n%s", diff)
		}
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
