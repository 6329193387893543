package statecache_test

import (
	"fmt"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/internal/statecache"
)

// A loader takes a ticket before it reads storage; an invalidation in
// between voids it, so the stale read is not cached.
func ExampleCache_Begin() {
	c := statecache.New(100)
	t := c.Begin("user-1", "")
	c.Invalidate("user-1") // an append lands while the loader reads
	fmt.Println(c.Put(t, consent.NewState("user-1")))
	t = c.Begin("user-1", "")
	fmt.Println(c.Put(t, consent.NewState("user-1")))
	// Output:
	// false
	// true
}
