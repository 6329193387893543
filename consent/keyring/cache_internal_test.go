package keyring

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestCacheHitNeverSeesAWipedKey: eviction (a full cache starting afresh)
// and Shred wipe cached keys in place. A hit that copied its key after
// either, as it did outside the lock, returned 32 zero bytes with a nil
// error: a key whose reference and seals anyone can compute, and which no
// Shred erases. The clock hook stands for the scheduler running the other
// goroutine at the worst moment.
func TestCacheHitNeverSeesAWipedKey(t *testing.T) {
	ctx := context.Background()
	t.Run("evicted", func(t *testing.T) {
		ring, _ := NewMemory(bytes.Repeat([]byte("p"), 32))
		c := NewCache(ring, time.Hour, 1) // one key kept: the next miss evicts
		real, err := c.Key(ctx, "alice", true)
		if err != nil {
			t.Fatal(err)
		}
		var fired atomic.Bool
		c.now = func() time.Time {
			if fired.CompareAndSwap(false, true) {
				done := make(chan struct{})
				go func() { defer close(done); c.Key(ctx, "bob", true) }()
				<-done
			}
			return time.Now()
		}
		got, err := c.Key(ctx, "alice", false)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, real) {
			t.Fatalf("Cache.Key returned another key than alice's (all zero: %v)", bytes.Equal(got, make([]byte, KeySize)))
		}
	})
	t.Run("shredded", func(t *testing.T) {
		ring, _ := NewMemory(bytes.Repeat([]byte("p"), 32))
		c := NewCache(ring, time.Hour, 16)
		if _, err := c.Key(ctx, "alice", true); err != nil {
			t.Fatal(err)
		}
		var fired atomic.Bool
		c.now = func() time.Time {
			if fired.CompareAndSwap(false, true) {
				c.Shred(ctx, "alice")
			}
			return time.Now()
		}
		got, err := c.Key(ctx, "alice", true)
		if err == nil && bytes.Equal(got, make([]byte, KeySize)) {
			t.Fatal("Cache.Key returned the all-zero key with a nil error")
		}
	})
}

// TestDeriveRefusesAnAllZeroKey: a wiped key that reached Derive anyway
// fails closed.
func TestDeriveRefusesAnAllZeroKey(t *testing.T) {
	if _, err := Derive(make([]byte, KeySize), "alice"); err == nil {
		t.Fatal("Derive took the all-zero key")
	}
}
