package statecache

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
)

// TestInvalidateTagForDelta covers the cases of a change announced for a
// tag when the store can bring states forward: a state that already holds
// the change stays (loads in flight are voided all the same), one that
// does not is dropped and handed to the refresh as its base, a second
// change while that refresh is pending keeps the base and voids the first
// ticket, a state without meta gets a plain refresh, and nothing cached
// gets nothing.
func TestInvalidateTagForDelta(t *testing.T) {
	base := consent.NewState("u")
	put := func(c *Cache, meta any) {
		require.True(t, c.PutMeta(c.Begin("u", "h"), base, meta))
	}
	holds := func(m any) bool { return m.(string) == "holds" }

	t.Run("holds: stays cached, loads in flight voided", func(t *testing.T) {
		c := New(10)
		put(c, "holds")
		tk := c.Begin("u", "h") // a load under way while cached
		assert.Nil(t, c.InvalidateTagForDelta("h", holds))
		_, meta, ok := c.GetMeta("u")
		require.True(t, ok, "a state holding the change was dropped")
		assert.Equal(t, "holds", meta)
		assert.False(t, c.Put(tk, consent.NewState("u")), "a load begun before the change cached its state")
	})
	t.Run("lacks: dropped, base handed over", func(t *testing.T) {
		c := New(10)
		put(c, "lacks")
		tk := c.InvalidateTagForDelta("h", holds)
		require.NotNil(t, tk)
		_, ok := c.Get("u")
		assert.False(t, ok, "a state lacking the change stayed cached")
		st, meta := c.Base(tk)
		assert.Equal(t, "lacks", meta)
		assert.Equal(t, "u", st.Subject())
		assert.True(t, c.RefreshMeta(tk, func() (consent.State, any, error) { return base, "new", nil }))
		_, meta, ok = c.GetMeta("u")
		require.True(t, ok)
		assert.Equal(t, "new", meta)
	})
	t.Run("second change while the refresh is pending", func(t *testing.T) {
		c := New(10)
		put(c, "lacks")
		first := c.InvalidateTagForDelta("h", holds)
		require.NotNil(t, first)
		second := c.InvalidateTagForDelta("h", holds)
		require.NotNil(t, second, "the pending refresh was lost")
		_, meta := c.Base(second)
		assert.Equal(t, "lacks", meta, "the base was not kept")
		assert.False(t, c.RefreshMeta(first, func() (consent.State, any, error) { return base, "x", nil }), "the first ticket was not voided")
		assert.True(t, c.RefreshMeta(second, func() (consent.State, any, error) { return base, "y", nil }))
	})
	t.Run("no meta: plain refresh", func(t *testing.T) {
		c := New(10)
		put(c, nil)
		tk := c.InvalidateTagForDelta("h", func(any) bool { t.Fatal("holds called without meta"); return false })
		require.NotNil(t, tk)
		_, meta := c.Base(tk)
		assert.Nil(t, meta)
	})
	t.Run("nothing cached", func(t *testing.T) {
		c := New(10)
		tk := c.Begin("u", "h")
		assert.Nil(t, c.InvalidateTagForDelta("h", holds))
		assert.False(t, c.Put(tk, base), "a load under way was not voided")
		assert.Nil(t, c.InvalidateTagForDelta("other", holds))
	})
	t.Run("update keeps or replaces meta", func(t *testing.T) {
		c := New(10)
		put(c, "m1")
		gen := c.Version("u")
		require.True(t, c.Update("u", gen, func(st consent.State) (consent.State, bool) { return st, true }))
		_, meta, _ := c.GetMeta("u")
		assert.Equal(t, "m1", meta)
		gen = c.Version("u")
		require.True(t, c.UpdateMeta("u", gen, func(st consent.State, m any) (consent.State, any, bool) { return st, "m2", true }))
		_, meta, _ = c.GetMeta("u")
		assert.Equal(t, "m2", meta)
	})
}

// TestLoadTakesPendingDelta shows that a Load of a key whose delta
// refresh is queued but not started reads under that ticket (so it may
// bring the base forward instead of reading whole), and that the refresh
// then does not read again.
func TestLoadTakesPendingDelta(t *testing.T) {
	c := New(10)
	base := consent.NewState("u")
	require.True(t, c.PutMeta(c.Begin("u", "h"), base, "old"))
	tk := c.InvalidateTagForDelta("h", func(any) bool { return false })
	require.NotNil(t, tk)
	var got any
	_, err := c.LoadMeta(t.Context(), "u", func() string { return "h" }, func(rt *Ticket) (consent.State, any, error) {
		require.NotNil(t, rt)
		_, got = c.Base(rt)
		return base, "new", nil
	})
	require.NoError(t, err)
	assert.Equal(t, "old", got, "the Load did not get the pending delta's base")
	_, meta, ok := c.GetMeta("u")
	require.True(t, ok)
	assert.Equal(t, "new", meta)
	assert.False(t, c.RefreshMeta(tk, func() (consent.State, any, error) {
		t.Fatal("the refresh read again")
		return base, nil, nil
	}))
}

// TestVoidedTicketDropsBase shows that a delta ticket voided (the user
// dropped, as KeyedStore.Forget does) no longer holds the dropped state,
// though a queued refresh may still hold the ticket.
func TestVoidedTicketDropsBase(t *testing.T) {
	for _, tc := range []struct {
		name string
		void func(c *Cache)
	}{
		{"invalidated", func(c *Cache) { c.Invalidate("u") }},
		{"cleared", func(c *Cache) { c.Clear() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(10)
			require.True(t, c.PutMeta(c.Begin("u", "h"), consent.NewState("u"), "m"))
			tk := c.InvalidateTagForDelta("h", func(any) bool { return false })
			require.NotNil(t, tk)
			tc.void(c)
			st, meta := c.Base(tk)
			assert.Nil(t, meta)
			assert.Empty(t, st.Subject(), "a voided ticket still holds the state")
		})
	}
}

func TestUpdateMetaOrDelta(t *testing.T) {
	base := consent.NewState("u")
	holds := func(m any) bool { return m.(string) == "holds" }
	add := func(st consent.State, meta any) (consent.State, any, bool) { return st, "applied", true }
	refuse := func(st consent.State, meta any) (consent.State, any, bool) { return st, nil, false }
	put := func(c *Cache, meta any) uint64 {
		require.True(t, c.PutMeta(c.Begin("u", "h"), base, meta))
		return c.Version("u")
	}

	t.Run("unchanged since gen: applied", func(t *testing.T) {
		c := New(10)
		gen := put(c, "lacks")
		ok, tk := c.UpdateMetaOrDelta("u", gen, add, holds)
		assert.True(t, ok)
		assert.Nil(t, tk)
		_, meta, cached := c.GetMeta("u")
		require.True(t, cached)
		assert.Equal(t, "applied", meta)
	})
	t.Run("replaced since gen, holding the change: stays", func(t *testing.T) {
		c := New(10)
		gen := put(c, "lacks")
		put(c, "holds") // a refresh that read past the writer's commit
		ok, tk := c.UpdateMetaOrDelta("u", gen, add, holds)
		assert.False(t, ok)
		assert.Nil(t, tk)
		_, meta, cached := c.GetMeta("u")
		require.True(t, cached, "a state holding the change was dropped")
		assert.Equal(t, "holds", meta)
	})
	t.Run("replaced since gen, lacking the change: applied", func(t *testing.T) {
		c := New(10)
		gen := put(c, "lacks")
		put(c, "lacks too")     // a refresh that read before the commit
		tk := c.Begin("u", "h") // and a load under way across it
		ok, dt := c.UpdateMetaOrDelta("u", gen, add, holds)
		assert.True(t, ok)
		assert.Nil(t, dt)
		_, meta, cached := c.GetMeta("u")
		require.True(t, cached)
		assert.Equal(t, "applied", meta)
		assert.False(t, c.Put(tk, base), "a load begun before the commit cached its state")
	})
	for name, tc := range map[string]struct {
		apply   func(consent.State, any) (consent.State, any, bool)
		replace bool
	}{
		"apply refuses":               {apply: refuse},
		"replaced since gen, refuses": {apply: refuse, replace: true},
	} {
		t.Run(name+": delta refresh from it", func(t *testing.T) {
			c := New(10)
			gen := put(c, "lacks")
			if tc.replace {
				put(c, "lacks too")
			}
			ok, tk := c.UpdateMetaOrDelta("u", gen, tc.apply, func(m any) bool { return false })
			assert.False(t, ok)
			require.NotNil(t, tk, "no refresh: the user would be read whole")
			_, cached := c.Get("u")
			assert.False(t, cached, "a state lacking the change stayed cached")
			_, meta := c.Base(tk)
			assert.NotNil(t, meta)
			// A change the listener hears of next reuses the same base.
			next := c.InvalidateTagForDelta("h", holds)
			require.NotNil(t, next)
			_, meta2 := c.Base(next)
			assert.Equal(t, meta, meta2)
		})
	}
	t.Run("nil meta: dropped, no whole-read refresh", func(t *testing.T) {
		c := New(10)
		gen := put(c, nil)
		put(c, nil)
		ok, tk := c.UpdateMetaOrDelta("u", gen, add, holds)
		assert.False(t, ok)
		assert.Nil(t, tk)
		_, cached := c.Get("u")
		assert.False(t, cached)
	})
	t.Run("pending delta refresh: voided, base kept", func(t *testing.T) {
		c := New(10)
		gen := put(c, "lacks")
		first := c.InvalidateTagForDelta("h", holds)
		require.NotNil(t, first)
		ok, tk := c.UpdateMetaOrDelta("u", gen, add, holds)
		assert.False(t, ok)
		require.NotNil(t, tk)
		_, meta := c.Base(tk)
		assert.Equal(t, "lacks", meta)
		assert.False(t, c.RefreshMeta(first, func() (consent.State, any, error) { return base, "x", nil }), "the refresh begun before the commit was not voided")
	})
	t.Run("not cached, nothing pending", func(t *testing.T) {
		c := New(10)
		tk := c.Begin("u", "h") // a load under way across the commit
		ok, dt := c.UpdateMetaOrDelta("u", 0, add, holds)
		assert.False(t, ok)
		assert.Nil(t, dt)
		assert.False(t, c.Put(tk, base), "a load begun before the commit cached its state")
	})
}

// TestVoidedReadHandsOnItsState: a refresh voided by a further change
// while it read hands its state, newer than the base it started from, to
// the refresh that replaces it; a refresh voided otherwise (the user
// dropped, another base) hands nothing on.
func TestVoidedReadHandsOnItsState(t *testing.T) {
	holds := func(any) bool { return false }
	newer := consent.NewState("u").Apply(consent.Grant("u", "p", "r", time.Unix(1, 0)))
	setup := func() (*Cache, *Ticket) {
		c := New(10)
		require.True(t, c.PutMeta(c.Begin("u", "h"), consent.NewState("u"), "old"))
		first := c.InvalidateTagForDelta("h", holds)
		require.NotNil(t, first)
		return c, first
	}

	t.Run("voided by a further change", func(t *testing.T) {
		c, first := setup()
		var second *Ticket
		assert.False(t, c.RefreshMeta(first, func() (consent.State, any, error) {
			second = c.InvalidateTagForDelta("h", holds) // the change heard while reading
			return newer, "read", nil
		}))
		require.NotNil(t, second)
		st, meta := c.Base(second)
		assert.Equal(t, "read", meta, "the voided read's state was not handed on")
		assert.Equal(t, 1, st.Events())
		// And once more: the hand-over is itself a base that a third
		// change keeps.
		third := c.InvalidateTagForDelta("h", holds)
		_, meta = c.Base(third)
		assert.Equal(t, "read", meta)
	})
	t.Run("the next refresh already reading", func(t *testing.T) {
		c, first := setup()
		var second *Ticket
		release := make(chan struct{})
		defer close(release)
		assert.False(t, c.RefreshMeta(first, func() (consent.State, any, error) {
			second = c.InvalidateTagForDelta("h", holds)
			go c.RefreshMeta(second, func() (consent.State, any, error) { <-release; return newer, "second", nil })
			require.Eventually(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return second.flight != nil }, time.Second, time.Millisecond)
			return newer, "read", nil
		}))
		_, meta := c.Base(second)
		assert.Equal(t, "old", meta, "a base changed under a read in flight")
	})
	t.Run("voided by a drop", func(t *testing.T) {
		c, first := setup()
		assert.False(t, c.RefreshMeta(first, func() (consent.State, any, error) {
			c.Invalidate("u")
			return newer, "read", nil
		}))
		assert.Nil(t, c.InvalidateTagForDelta("h", holds), "a dropped user came back")
		_, cached := c.Get("u")
		assert.False(t, cached)
	})
	t.Run("voided, then a load begun", func(t *testing.T) {
		c, first := setup()
		var tk *Ticket
		assert.False(t, c.RefreshMeta(first, func() (consent.State, any, error) {
			c.Invalidate("u")
			tk = c.Begin("u", "h")
			return newer, "read", nil
		}))
		_, meta := c.Base(tk)
		assert.Nil(t, meta, "a whole read was given a base")
	})
}

// TestMaxStale: with SetMaxStale, a state whose change another instance
// announced answers Load (not Get) while its refresh is pending, for at
// most the bound after the first announcement; the refresh, a writer's
// own change, or a drop ends it.
func TestMaxStale(t *testing.T) {
	old := consent.NewState("u")
	newer := old.Apply(consent.Grant("u", "p", "r", time.Unix(1, 0)))
	lacks := func(any) bool { return false }
	setup := func(d time.Duration) (*Cache, *Ticket) {
		c := New(10)
		c.SetMaxStale(d)
		require.True(t, c.PutMeta(c.Begin("u", "h"), old, "old"))
		tk := c.InvalidateTagForDelta("h", lacks)
		require.NotNil(t, tk, "no refresh for the announced change")
		return c, tk
	}
	load := func(c *Cache) (consent.State, bool) {
		read := false
		st, err := c.LoadMeta(t.Context(), "u", func() string { return "h" }, func(*Ticket) (consent.State, any, error) {
			read = true
			return newer, "read", nil
		})
		require.NoError(t, err)
		return st, read
	}

	t.Run("off: dropped", func(t *testing.T) {
		c, _ := setup(0)
		st, read := load(c)
		assert.True(t, read)
		assert.Equal(t, 1, st.Events())
	})
	t.Run("within the bound: Load answers, Get does not", func(t *testing.T) {
		c, tk := setup(time.Hour)
		_, ok := c.Get("u")
		assert.False(t, ok, "Get answered with a stale state")
		st, read := load(c)
		assert.False(t, read)
		assert.Equal(t, 0, st.Events())
		assert.Equal(t, uint64(1), c.StaleHits())
		base, meta := c.Base(tk)
		assert.Equal(t, "old", meta)
		assert.Equal(t, 0, base.Events())
		// The refresh lands: fresh again.
		assert.True(t, c.RefreshMeta(tk, func() (consent.State, any, error) { return newer, "new", nil }))
		st, ok = c.Get("u")
		require.True(t, ok)
		assert.Equal(t, 1, st.Events())
		c.mu.Lock()
		assert.True(t, c.items["u"].staleAt.IsZero())
		c.mu.Unlock()
	})
	t.Run("past the bound: Load waits for the refresh", func(t *testing.T) {
		c, _ := setup(time.Nanosecond)
		time.Sleep(time.Millisecond)
		st, read := load(c)
		assert.True(t, read)
		assert.Equal(t, 1, st.Events())
		assert.Zero(t, c.StaleHits())
	})
	t.Run("a second announcement keeps the first one's time", func(t *testing.T) {
		c, _ := setup(time.Hour)
		c.mu.Lock()
		first := c.items["u"].staleAt
		c.mu.Unlock()
		time.Sleep(time.Millisecond)
		tk := c.InvalidateTagForDelta("h", func(any) bool { return true }) // even one the state holds
		require.NotNil(t, tk, "the refresh was lost")
		c.mu.Lock()
		assert.Equal(t, first, c.items["u"].staleAt)
		c.mu.Unlock()
		_, meta := c.Base(tk)
		assert.Equal(t, "old", meta)
	})
	t.Run("a writer's own change: applied, still stale, a new refresh", func(t *testing.T) {
		c, pending := setup(time.Hour)
		own := consent.Grant("u", "p", "own", time.Unix(2, 0))
		ok, tk := c.UpdateMetaOrDelta("u", c.Version("u"), func(st consent.State, m any) (consent.State, any, bool) {
			return st.Apply(own), "old+own", true
		}, lacks)
		assert.True(t, ok)
		require.NotNil(t, tk, "no refresh for the announced change")
		assert.False(t, c.RefreshMeta(pending, func() (consent.State, any, error) { return newer, "x", nil }), "a refresh begun before the commit was not voided")
		_, ok = c.Get("u")
		assert.False(t, ok, "Get answered with a stale state")
		st, read := load(c)
		assert.False(t, read)
		assert.True(t, st.Granted("p", "own", time.Unix(3, 0)), "the writer's own change is not seen")
		_, meta := c.Base(tk)
		assert.Equal(t, "old+own", meta)
		c.mu.Lock()
		assert.False(t, c.items["u"].staleAt.IsZero(), "no longer stale")
		c.mu.Unlock()
	})
	t.Run("a writer's own change it already holds: stays stale, a new refresh", func(t *testing.T) {
		c, pending := setup(time.Hour)
		ok, tk := c.UpdateMetaOrDelta("u", c.Version("u"), func(st consent.State, m any) (consent.State, any, bool) {
			t.Fatal("applied to a state that holds the change")
			return st, m, false
		}, func(any) bool { return true })
		assert.False(t, ok)
		require.NotNil(t, tk, "no refresh for the announced change")
		assert.False(t, c.RefreshMeta(pending, func() (consent.State, any, error) { return newer, "x", nil }), "a refresh begun before the commit was not voided")
		_, read := load(c)
		assert.False(t, read)
		assert.Equal(t, uint64(1), c.StaleHits())
	})
	t.Run("a writer's own change without meta drops it", func(t *testing.T) {
		c, _ := setup(time.Hour)
		c.Invalidate("u") // no pending refresh either
		require.True(t, c.PutMeta(c.Begin("u", "h"), old, "old"))
		require.NotNil(t, c.InvalidateTagForDelta("h", lacks))
		c.mu.Lock()
		for k, tk := range c.loading {
			delete(c.loading, k)
			tk.dropBase()
		}
		c.mu.Unlock()
		ok, tk := c.UpdateMetaOrDelta("u", c.Version("u"), func(st consent.State, m any) (consent.State, any, bool) { return st, nil, true }, lacks)
		assert.False(t, ok)
		assert.NotNil(t, tk, "the stale state's own base was not refreshed from")
		_, read := load(c)
		assert.True(t, read, "a stale state answered after the writer's own change")
	})
	t.Run("UpdateMeta drops it", func(t *testing.T) {
		c, _ := setup(time.Hour)
		assert.False(t, c.UpdateMeta("u", c.Version("u"), func(st consent.State, m any) (consent.State, any, bool) { return st, m, true }))
		_, read := load(c)
		assert.True(t, read)
	})
	t.Run("dropped by Invalidate and Clear", func(t *testing.T) {
		for _, drop := range []func(*Cache){func(c *Cache) { c.Invalidate("u") }, func(c *Cache) { c.Clear() }} {
			c, _ := setup(time.Hour)
			drop(c)
			_, read := load(c)
			assert.True(t, read)
		}
	})
	t.Run("refresh failed: answers until the bound, then reads whole", func(t *testing.T) {
		c, tk := setup(time.Hour)
		assert.False(t, c.RefreshMeta(tk, func() (consent.State, any, error) { return consent.State{}, nil, errors.New("down") }))
		_, read := load(c)
		assert.False(t, read)
		c.mu.Lock()
		c.items["u"].staleAt = time.Now().Add(-2 * time.Hour)
		c.mu.Unlock()
		st, read := load(c)
		assert.True(t, read)
		assert.Equal(t, 1, st.Events())
	})
}

// TestRefreshLatest: a queued refresh whose ticket a later change
// replaced reads under the replacement (with its base), and reads nothing
// for a user cached since, dropped, or already being read.
func TestRefreshLatest(t *testing.T) {
	lacks := func(any) bool { return false }
	newer := consent.NewState("u").Apply(consent.Grant("u", "p", "r", time.Unix(1, 0)))
	setup := func() (*Cache, *Ticket) {
		c := New(10)
		require.True(t, c.PutMeta(c.Begin("u", "h"), consent.NewState("u"), "old"))
		first := c.InvalidateTagForDelta("h", lacks)
		require.NotNil(t, first)
		return c, first
	}
	t.Run("replaced: reads under the replacement", func(t *testing.T) {
		c, first := setup()
		second := c.InvalidateTagForDelta("h", lacks)
		require.NotNil(t, second)
		var got *Ticket
		assert.True(t, c.RefreshLatest(first, func(cur *Ticket) (consent.State, any, error) {
			got = cur
			_, meta := c.Base(cur)
			assert.Equal(t, "old", meta, "read without the base")
			return newer, "new", nil
		}))
		assert.Same(t, second, got)
		st, ok := c.Get("u")
		require.True(t, ok)
		assert.Equal(t, 1, st.Events())
		// The replacement's own turn in the queue finds nothing to do.
		assert.False(t, c.RefreshLatest(second, func(*Ticket) (consent.State, any, error) {
			t.Error("read again")
			return newer, "x", nil
		}))
	})
	t.Run("dropped: no read", func(t *testing.T) {
		c, first := setup()
		c.Invalidate("u")
		assert.False(t, c.RefreshLatest(first, func(*Ticket) (consent.State, any, error) {
			t.Error("a dropped user was read")
			return newer, "x", nil
		}))
		_, ok := c.Get("u")
		assert.False(t, ok)
	})
	t.Run("already being read: no second read", func(t *testing.T) {
		c, first := setup()
		release := make(chan struct{})
		done := make(chan bool)
		go func() {
			done <- c.RefreshLatest(first, func(*Ticket) (consent.State, any, error) { <-release; return newer, "new", nil })
		}()
		require.Eventually(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return first.flight != nil }, time.Second, time.Millisecond)
		assert.False(t, c.RefreshLatest(first, func(*Ticket) (consent.State, any, error) {
			t.Error("read twice")
			return newer, "x", nil
		}))
		close(release)
		assert.True(t, <-done)
	})
	t.Run("read fails: the ticket is let go", func(t *testing.T) {
		c, first := setup()
		assert.False(t, c.RefreshLatest(first, func(*Ticket) (consent.State, any, error) { return consent.State{}, nil, errors.New("down") }))
		c.mu.Lock()
		_, pending := c.loading["u"]
		c.mu.Unlock()
		assert.False(t, pending)
	})
}

// TestMarkQueued: a user has at most one refresh queued; the queue entry,
// once taken up (read, or found already being read), lets the next change
// queue another.
func TestMarkQueued(t *testing.T) {
	lacks := func(any) bool { return false }
	newer := consent.NewState("u").Apply(consent.Grant("u", "p", "r", time.Unix(1, 0)))
	c := New(10)
	require.True(t, c.PutMeta(c.Begin("u", "h"), consent.NewState("u"), "old"))
	first := c.InvalidateTagForDelta("h", lacks)
	require.True(t, c.MarkQueued(first))
	assert.False(t, c.MarkQueued(first), "queued twice")
	second := c.InvalidateTagForDelta("h", lacks)
	assert.False(t, c.MarkQueued(second), "queued again while a refresh that reads under it is queued")
	assert.True(t, c.RefreshLatest(first, func(*Ticket) (consent.State, any, error) { return newer, "new", nil }))

	third := c.InvalidateTagForDelta("h", lacks)
	require.NotNil(t, third)
	assert.True(t, c.MarkQueued(third), "the next change after the refresh was not queued")
	// A Check takes the ticket up first (reads under it); the queue entry
	// then finds it being read, and the change after can queue again.
	release := make(chan struct{})
	go c.LoadMeta(t.Context(), "u", func() string { return "h" }, func(*Ticket) (consent.State, any, error) { <-release; return newer, "load", nil })
	require.Eventually(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return third.flight != nil }, time.Second, time.Millisecond)
	assert.False(t, c.RefreshLatest(third, func(*Ticket) (consent.State, any, error) { t.Error("read twice"); return newer, "x", nil }))
	fourth := c.InvalidateTagForDelta("h", lacks)
	require.NotNil(t, fourth)
	assert.True(t, c.MarkQueued(fourth), "a change after the queue entry was taken up was not queued")
	close(release)

	// Not queued: Unqueued takes the mark back.
	c.Unqueued(fourth)
	assert.True(t, c.MarkQueued(fourth))
	c.Invalidate("u")
	assert.False(t, c.MarkQueued(fourth), "a voided ticket queued")
}

func TestAbandon(t *testing.T) {
	c := New(10)
	tk := c.Begin("u", "h")
	c.Abandon(tk)
	c.mu.Lock()
	_, pending := c.loading["u"]
	c.mu.Unlock()
	assert.False(t, pending, "an abandoned ticket stayed")
	// Abandoning a ticket already replaced leaves the replacement.
	old := c.Begin("u", "h")
	c.Invalidate("u")
	cur := c.Begin("u", "h")
	c.Abandon(old)
	assert.True(t, c.Put(cur, consent.NewState("u")), "the replacement was abandoned")
	var nilCache *Cache
	nilCache.Abandon(tk)
}

// TestRestaleDuringRefresh: a writer's change to a stale state whose
// refresh is already reading (begun before the writer's commit) voids
// that read, which then caches nothing and hands nothing on; the new
// refresh brings the state past both changes.
func TestRestaleDuringRefresh(t *testing.T) {
	c := New(10)
	c.SetMaxStale(time.Hour)
	require.True(t, c.PutMeta(c.Begin("u", "h"), consent.NewState("u"), "old"))
	pending := c.InvalidateTagForDelta("h", func(any) bool { return false })
	require.NotNil(t, pending)
	release := make(chan struct{})
	done := make(chan bool)
	go func() {
		done <- c.RefreshMeta(pending, func() (consent.State, any, error) {
			<-release
			return consent.NewState("u").Apply(consent.Grant("u", "p", "other", time.Unix(1, 0))), "read before the commit", nil
		})
	}()
	require.Eventually(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return pending.flight != nil }, time.Second, time.Millisecond)

	own := consent.Grant("u", "p", "own", time.Unix(2, 0))
	ok, tk := c.UpdateMetaOrDelta("u", c.Version("u"), func(st consent.State, m any) (consent.State, any, bool) {
		return st.Apply(own), "old+own", true
	}, func(any) bool { return false })
	require.True(t, ok)
	require.NotNil(t, tk)
	close(release)
	assert.False(t, <-done, "a read begun before the commit was cached")
	_, meta := c.Base(tk)
	assert.Equal(t, "old+own", meta, "the voided read's state, which lacks the own change, became the base")
	st, err := c.LoadMeta(t.Context(), "u", func() string { return "h" }, func(*Ticket) (consent.State, any, error) {
		t.Error("the stale state with the own change did not answer")
		return consent.State{}, nil, nil
	})
	require.NoError(t, err)
	assert.True(t, st.Granted("p", "own", time.Unix(3, 0)), "the own change is not seen")

	both := consent.NewState("u").Apply(consent.Grant("u", "p", "other", time.Unix(1, 0))).Apply(own)
	assert.True(t, c.RefreshLatest(tk, func(cur *Ticket) (consent.State, any, error) { return both, "new", nil }))
	st, ok = c.Get("u")
	require.True(t, ok, "not fresh after the refresh")
	assert.True(t, st.Granted("p", "other", time.Unix(3, 0)) && st.Granted("p", "own", time.Unix(3, 0)))
}

// TestUpdateMetaIfCached: a change announced with its content acts only
// on a cached state with meta (as UpdateMetaOrDelta with no generation);
// a user not cached, or cached without meta, is left as it is for the
// caller to invalidate, its loads in flight untouched.
func TestUpdateMetaIfCached(t *testing.T) {
	holds := func(m any) bool { return m.(string) == "holds" }
	add := func(st consent.State, meta any) (consent.State, any, bool) { return st, "applied", true }
	refuse := func(st consent.State, meta any) (consent.State, any, bool) { return st, nil, false }

	t.Run("not cached", func(t *testing.T) {
		c := New(10)
		tk := c.Begin("u", "h")
		handled, updated, dt := c.UpdateMetaIfCached("u", add, holds)
		assert.False(t, handled)
		assert.False(t, updated)
		assert.Nil(t, dt)
		assert.True(t, c.PutMeta(tk, consent.NewState("u"), "read"), "a load in flight was voided")
	})
	t.Run("cached without meta", func(t *testing.T) {
		c := New(10)
		require.True(t, c.Put(c.Begin("u", "h"), consent.NewState("u")))
		gen := c.Version("u")
		handled, _, _ := c.UpdateMetaIfCached("u", add, holds)
		assert.False(t, handled)
		assert.Equal(t, gen, c.Version("u"), "the state changed")
	})
	t.Run("cached with meta: applied", func(t *testing.T) {
		c := New(10)
		require.True(t, c.PutMeta(c.Begin("u", "h"), consent.NewState("u"), "lacks"))
		handled, updated, dt := c.UpdateMetaIfCached("u", add, holds)
		assert.True(t, handled)
		assert.True(t, updated)
		assert.Nil(t, dt)
		_, meta, _ := c.GetMeta("u")
		assert.Equal(t, "applied", meta)
	})
	t.Run("cached holding the change: stays", func(t *testing.T) {
		c := New(10)
		require.True(t, c.PutMeta(c.Begin("u", "h"), consent.NewState("u"), "holds"))
		gen := c.Version("u")
		handled, updated, _ := c.UpdateMetaIfCached("u", add, holds)
		assert.True(t, handled)
		assert.False(t, updated)
		assert.Equal(t, gen, c.Version("u"))
	})
	t.Run("refused: a delta refresh from the cached state", func(t *testing.T) {
		c := New(10)
		require.True(t, c.PutMeta(c.Begin("u", "h"), consent.NewState("u"), "lacks"))
		handled, updated, dt := c.UpdateMetaIfCached("u", refuse, holds)
		assert.True(t, handled)
		assert.False(t, updated)
		require.NotNil(t, dt)
		_, meta := c.Base(dt)
		assert.Equal(t, "lacks", meta)
		_, _, cached := c.GetMeta("u")
		assert.False(t, cached)
	})
}
