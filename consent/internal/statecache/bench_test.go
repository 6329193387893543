package statecache

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/yasam/privacy/consent"
)

// BenchmarkGet measures hits on a full cache of 65,536 states, keys drawn
// Zipf(1.1) as the workload draws subjects, from every core.
func BenchmarkGet(b *testing.B) {
	const n = 1 << 16
	c := New(n)
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprint("subject-", i)
		c.Put(c.Begin(keys[i], ""), consent.NewState(keys[i]))
	}
	z := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.1, 1, n-1)
	draws := make([]string, 1<<14)
	for i := range draws {
		draws[i] = keys[z.Uint64()]
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, ok := c.Get(draws[i&(len(draws)-1)]); !ok {
				b.Error("miss")
				return
			}
			i++
		}
	})
}
