package policy

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestIDSourceStripes checks that the striped counter never gives one ID
// twice, whichever stripes the goroutines land on, and that every ID keeps
// its version and variant bits.
func TestIDSourceStripes(t *testing.T) {
	s := newIDSource()
	const goroutines, each = 16, 2000
	ids := make([][]DecisionID, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for range each {
				ids[g] = append(ids[g], s.next())
			}
		})
	}
	wg.Wait()
	seen := make(map[DecisionID]bool, goroutines*each)
	for _, part := range ids {
		for _, id := range part {
			require.False(t, seen[id], "duplicate ID %s", id)
			seen[id] = true
			require.Equal(t, byte(0x80), id[6]&0xf0, "version 8")
			require.Equal(t, byte(0x80), id[8]&0xc0, "variant 10")
		}
	}
	require.Len(t, seen, goroutines*each)
}
