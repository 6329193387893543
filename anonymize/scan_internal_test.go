package anonymize

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// checkFewGroupedDigits fails if numberRun finds fewer than 12 digits
// in groups that groupedDigits, which decides, counts 12 or more digits
// in, unless the run ends at a no-break or thin space, where digits
// reads on: the word-wide test may only be less sure, never wrong. Where it is
// sure, the run's end and digit count must be those of the run of digits
// and separators (space, '-', "!$%(),") from i, which deadRunEnd relies
// on.
func checkFewGroupedDigits(t *testing.T, text []byte) {
	t.Helper()
	for i := range text {
		if !isDigit(text[i]) {
			continue
		}
		count, end, ok := numberRun(text, i)
		if !ok {
			continue
		}
		// digits does not trust a run that ends where a no-break or
		// thin space may start: groups go on after one.
		if total := groupedDigits(text, i); count < 12 && total >= 12 && text[end] != 0xC2 && text[end] != 0xE2 {
			t.Fatalf("numberRun(%q, %d) counts %d digits, but groupedDigits counts %d", text, i, count, total)
		}
		e, digits := i, 0
		for e < len(text) && (isDigit(text[e]) || strings.IndexByte(" -!$%(),", text[e]) >= 0) {
			if isDigit(text[e]) {
				digits++
			}
			e++
		}
		if end != e || count != digits {
			t.Fatalf("numberRun(%q, %d) = %d digits ending at %d, want %d ending at %d", text, i, count, end, digits, e)
		}
	}
}

// TestFewGroupedDigits checks the word-wide count of grouped digits
// against groupedDigits on numbers in groups of every length, with every
// separator and its look-alikes, and on random strings of digits and
// separators.
func TestFewGroupedDigits(t *testing.T) {
	t.Parallel()
	seps := []string{" ", "-", "  ", "--", " -", "!", "$", "%", "(", ")", ",", ".", "\n", "x", "\u00a0", "\u2009", "\u202f", " \u00a0"}
	sure := 0
	for g := 1; g <= 7; g++ {
		for _, sep := range seps {
			for total := 8; total <= 16; total++ {
				var b []byte
				for k := 0; k < total; k++ {
					if k > 0 && k%g == 0 {
						b = append(b, sep...)
					}
					b = append(b, byte('0'+k%10))
				}
				for _, after := range []string{"", " ", " 1", "-12", " тенге and more text after it"} {
					text := append(append([]byte("Сумма "), b...), after...)
					text = append(text, "................................"...)
					checkFewGroupedDigits(t, text)
					if count, _, ok := numberRun(text, len("Сумма ")); ok && count < 12 {
						sure++
					}
				}
			}
		}
	}
	if sure == 0 {
		t.Fatal("numberRun never decided: the test no longer reaches it")
	}
	r := rand.New(rand.NewPCG(29, 31))
	alphabet := []byte("0123456789 - ,()!$%.x")
	for range 20000 {
		b := make([]byte, 24+r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkFewGroupedDigits(t, b)
	}
}

// FuzzFewGroupedDigits is TestFewGroupedDigits on fuzzed input.
func FuzzFewGroupedDigits(f *testing.F) {
	f.Add([]byte("15 000 тенге, 2024-03-15 12:30, 4111 1111 1111 1111, 901123 300258........"))
	f.Fuzz(func(t *testing.T, text []byte) {
		checkFewGroupedDigits(t, text)
	})
}

// TestChecksumsUnrolled compares luhn and iinBINChecksum, written without
// branches on digit values, with the textbook loops, on every length and
// random digits (and luhn on bytes that are no digits, which it must
// treat as the loop did).
func TestChecksumsUnrolled(t *testing.T) {
	t.Parallel()
	refLuhn := func(d []byte) bool {
		sum, double := 0, false
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
	refIIN := func(d *[12]byte) bool {
		s := 0
		for i := range 11 {
			s += int(d[i]) * (i + 1)
		}
		if s %= 11; s == 10 {
			s = 0
			for i := range 11 {
				w := i + 3
				if w > 11 {
					w -= 11
				}
				s += int(d[i]) * w
			}
			if s %= 11; s == 10 {
				return false
			}
		}
		return s == int(d[11])
	}
	r := rand.New(rand.NewPCG(37, 41))
	valid := 0
	for range 200000 {
		d := make([]byte, r.IntN(20))
		for i := range d {
			d[i] = byte(r.IntN(10))
			if r.IntN(50) == 0 {
				d[i] = byte(r.IntN(256))
			}
		}
		if got, want := luhn(d), refLuhn(d); got != want {
			t.Fatalf("luhn(%v) = %v, want %v", d, got, want)
		}
		var a [12]byte
		for i := range a {
			a[i] = byte(r.IntN(10))
		}
		if got, want := iinBINChecksum(&a), refIIN(&a); got != want {
			t.Fatalf("iinBINChecksum(%v) = %v, want %v", a, got, want)
		} else if got {
			valid++
		}
	}
	if valid < 1000 {
		t.Fatalf("only %d valid check digits drawn", valid)
	}
}

// TestColonNear checks parseIPv6's quick test: wherever the full parse
// finds an address around a colon, colonNear sees a second colon, on
// random strings of hexadecimal digits, colons, dots and glue, and on
// addresses of every form.
func TestColonNear(t *testing.T) {
	t.Parallel()
	check := func(text []byte) int {
		found := 0
		for i, c := range text {
			if c != ':' {
				continue
			}
			for _, floor := range []int{0, max(i-3, 0)} {
				if _, _, _, ok := parseIPv6Around(text, i, floor); ok {
					found++
					if !colonNear(text, i, floor) {
						t.Fatalf("parseIPv6Around(%q, %d, %d) finds an address, colonNear says no", text, i, floor)
					}
				}
			}
		}
		return found
	}
	found := 0
	for _, a := range []string{"::", "::1", "fe80::1", "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4",
		"1:2:3:4:5:6:1.2.3.4", "abcd:ef01:2345:6789:abcd:ef01:2345:6789", "1::", "::192.168.0.1", "2001:db8:0:0:1:0:0:1"} {
		for _, ctx := range []string{"%s", "ip %s.", "x %s y", "(%s)", "12:30 %s 12:30"} {
			found += check([]byte(strings.Replace(ctx, "%s", a, 1)))
		}
	}
	r := rand.New(rand.NewPCG(43, 47))
	alphabet := []string{"0", "1", "9", "a", "f", "F", ":", "::", ".", " ", "x", "12", "abcd", "192.168.1.1"}
	for range 50000 {
		var b []byte
		for range r.IntN(16) {
			b = append(b, alphabet[r.IntN(len(alphabet))]...)
		}
		found += check(b)
	}
	if found < 100 {
		t.Fatalf("only %d addresses: the test no longer reaches colonNear", found)
	}
}

// TestIBANCharsTextbook checks ibanChars, which reads characters through
// tables and reduces at fixed places, against the textbook check (ISO
// 13616: rotate, letters to two digits, mod 97 digit by digit) on valid
// IBANs, IBANs with one character changed, and random bytes.
func TestIBANCharsTextbook(t *testing.T) {
	t.Parallel()
	textbook := func(c *[ibanLen]byte) bool {
		if c[0] != 'K' || c[1] != 'Z' {
			return false
		}
		for i := 2; i < 7; i++ {
			if !isDigit(c[i]) {
				return false
			}
		}
		rem := 0
		for j := range ibanLen {
			ch := c[(j+4)%ibanLen]
			switch {
			case isDigit(ch):
				rem = (rem*10 + int(ch-'0')) % 97
			case ch >= 'A' && ch <= 'Z':
				v := int(ch-'A') + 10
				rem = (rem*10 + v/10) % 97
				rem = (rem*10 + v%10) % 97
			default:
				return false
			}
		}
		return rem == 1
	}
	r := rand.New(rand.NewPCG(43, 47))
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	valid := 0
	for k := range 300000 {
		var c [ibanLen]byte
		c[0], c[1] = 'K', 'Z'
		for i := 2; i < ibanLen; i++ {
			switch {
			case i < 7:
				c[i] = byte('0' + r.IntN(10))
			case k%5 == 0:
				c[i] = byte(r.IntN(256))
			default:
				c[i] = alnum[r.IntN(len(alnum))]
			}
		}
		if k%3 == 0 {
			// Fix the check digits so that the IBAN is valid, then
			// perhaps change one character.
			c[2], c[3] = '0', '0'
			for d := 0; d < 100 && !textbook(&c); d++ {
				c[2], c[3] = byte('0'+d/10), byte('0'+d%10)
			}
			if k%2 == 0 {
				c[2+r.IntN(ibanLen-2)] = alnum[r.IntN(len(alnum))]
			}
		}
		want := textbook(&c)
		if want {
			valid++
		}
		if got := ibanChars(&c); got != want {
			t.Fatalf("ibanChars(%q) = %v, textbook %v", c[:], got, want)
		}
	}
	if valid < 10000 {
		t.Fatalf("only %d valid IBANs: the test no longer reaches the checksum", valid)
	}
}
