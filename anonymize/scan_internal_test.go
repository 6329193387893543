package anonymize

import (
	"math/rand/v2"
	"testing"
)

// checkFewGroupedDigits fails if fewGroupedDigits rejects groups that
// groupedDigits, which decides, counts 12 or more digits in: the
// word-wide test may only be less sure, never wrong.
func checkFewGroupedDigits(t *testing.T, text []byte) {
	t.Helper()
	for i := range text {
		if isDigit(text[i]) && fewGroupedDigits(text, i) {
			if total := groupedDigits(text, i); total >= 12 {
				t.Fatalf("fewGroupedDigits(%q, %d) = true, but groupedDigits counts %d", text, i, total)
			}
		}
	}
}

// TestFewGroupedDigits checks the word-wide count of grouped digits
// against groupedDigits on numbers in groups of every length, with every
// separator and its look-alikes, and on random strings of digits and
// separators.
func TestFewGroupedDigits(t *testing.T) {
	t.Parallel()
	seps := []string{" ", "-", "  ", "--", " -", "!", "$", "%", "(", ")", ",", ".", "\n", "x", "\u00a0"}
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
					if fewGroupedDigits(text, len("Сумма ")) {
						sure++
					}
				}
			}
		}
	}
	if sure == 0 {
		t.Fatal("fewGroupedDigits never decided: the test no longer reaches it")
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
