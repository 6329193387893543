package hmacpool_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"

	"github.com/yasam/privacy/internal/hmacpool"
)

// ref is the sum computed the plain way.
func ref(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func TestSumMatchesHMAC(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	k := hmacpool.New(key)
	// The key is copied: changing the caller's slice before the first sum
	// (when a state is first keyed) changes no sum.
	key[0] = 'X'
	key = []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name  string
		parts []string
	}{
		{"nothing", nil},
		{"empty", []string{""}},
		{"ascii", []string{"u-1"}},
		{"non-ascii", []string{"пользователь-7"}},
		{"parts", []string{"phone", "\x00", "+77710009998"}},
		{"longer than the pooled buffer", []string{strings.Repeat("y", 3<<10)}},
		{"again after a long one", []string{"u-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := ref(key, strings.Join(tt.parts, ""))
			if got := k.Sum(nil, tt.parts...); !hmac.Equal(got, want) {
				t.Errorf("Sum = %x, want %x", got, want)
			}
		})
	}
	// Sum appends to dst.
	got := k.Sum([]byte("prefix"), "u-1")
	if string(got[:6]) != "prefix" || !hmac.Equal(got[6:], ref(key, "u-1")) {
		t.Errorf("Sum(prefix) = %x", got)
	}
}

// A sum returned earlier is the caller's: later sums, which reuse the
// pooled state, leave it as it was.
func TestSumIsNotPooledMemory(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	k := hmacpool.New(key)
	first := k.Sum(nil, "first")
	for i := range 10 {
		k.Sum(nil, "later", string(rune('a'+i)))
	}
	if want := ref(key, "first"); !hmac.Equal(first, want) {
		t.Errorf("first sum became %x, want %x", first, want)
	}
}

func TestSumConcurrent(t *testing.T) {
	key := []byte("another key, 32 bytes long......")
	k := hmacpool.New(key)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				msg := strings.Repeat("s", (w*31+i)%90) + string(rune('a'+w))
				if got, want := k.Sum(nil, msg[:len(msg)/2], msg[len(msg)/2:]), ref(key, msg); !hmac.Equal(got, want) {
					t.Errorf("worker %d: Sum = %x, want %x", w, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// A sum into a large enough buffer allocates nothing once a state is
// pooled.
func TestSumAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops pooled states on purpose; counted in runs without it")
	}
	k := hmacpool.New([]byte("0123456789abcdef0123456789abcdef"))
	var buf [hmacpool.Size]byte
	k.Sum(buf[:0], "warm")
	if n := testing.AllocsPerRun(200, func() { _ = k.Sum(buf[:0], "kind", "\x00", "subject-123456") }); n > 0 {
		t.Errorf("Sum allocates %v times per call, want 0", n)
	}
}

// BenchmarkSum is a 14-byte message from a pooled state, against keying
// an HMAC for it.
func BenchmarkSum(b *testing.B) {
	key := []byte("0123456789abcdef0123456789abcdef")
	b.Run("pooled", func(b *testing.B) {
		k := hmacpool.New(key)
		var buf [hmacpool.Size]byte
		b.ReportAllocs()
		for b.Loop() {
			k.Sum(buf[:0], "subject-123456")
		}
	})
	b.Run("keyed-per-call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ref(key, "subject-123456")
		}
	})
}
