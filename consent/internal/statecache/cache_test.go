package statecache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
)

func TestCacheTicketVoidedByInvalidate(t *testing.T) {
	c := New(10)
	tk := c.Begin("u", "h")
	c.Invalidate("u")
	assert.False(t, c.Put(tk, consent.NewState("u")), "a state read before an invalidation was cached")
	_, ok := c.Get("u")
	assert.False(t, ok)

	tk = c.Begin("u", "h")
	c.InvalidateTag("h")
	assert.False(t, c.Put(tk, consent.NewState("u")), "tag invalidation did not void the ticket")

	tk = c.Begin("u", "h")
	c.Clear()
	assert.False(t, c.Put(tk, consent.NewState("u")))

	tk = c.Begin("u", "h")
	require.True(t, c.Put(tk, consent.NewState("u")))
	st, ok := c.Get("u")
	require.True(t, ok)
	assert.Equal(t, "u", st.Subject())
	c.InvalidateTag("h")
	_, ok = c.Get("u")
	assert.False(t, ok)
}

func TestCacheBounded(t *testing.T) {
	c := New(3)
	for i := range 10 {
		k := fmt.Sprint(i)
		c.Put(c.Begin(k, "t"+k), consent.NewState(k))
		if i == 5 {
			c.Get("0") // long gone
		}
	}
	assert.Equal(t, 3, c.Len())
	for _, k := range []string{"7", "8", "9"} {
		_, ok := c.Get(k)
		assert.True(t, ok, k)
	}
	assert.LessOrEqual(t, len(c.tags), 3, "tags of evicted entries leak")

	// Recently used entries survive.
	c.Get("7")
	c.Put(c.Begin("10", ""), consent.NewState("10"))
	_, ok := c.Get("7")
	assert.True(t, ok)
	_, ok = c.Get("8")
	assert.False(t, ok)
}

func TestCacheLoadingBounded(t *testing.T) {
	c := New(2)
	for i := range 100 {
		c.Begin(fmt.Sprint(i), fmt.Sprint("t", i)) // loads that never return
	}
	assert.LessOrEqual(t, len(c.loading), 2)
	assert.LessOrEqual(t, len(c.tags), 2)
}

func TestNilCache(t *testing.T) {
	c := New(0)
	assert.Nil(t, c)
	assert.False(t, c.Put(c.Begin("u", ""), consent.NewState("u")))
	_, ok := c.Get("u")
	assert.False(t, ok)
	c.Invalidate("u")
	c.InvalidateTag("x")
	c.Clear()
	assert.Zero(t, c.Len())
}

func TestCacheStats(t *testing.T) {
	c := New(2)
	c.Get("u")
	c.Put(c.Begin("u", ""), consent.NewState("u"))
	c.Get("u")
	c.Get("u")
	h, m, n := c.Stats()
	assert.Equal(t, []any{uint64(2), uint64(1), 1}, []any{h, m, n})
	var none *Cache
	h, m, n = none.Stats()
	assert.Zero(t, h+m+uint64(n))
}

func TestLoadSharesOneRead(t *testing.T) {
	c := New(10)
	release := make(chan struct{})
	var reads atomic.Int32
	read := func() (consent.State, error) {
		reads.Add(1)
		<-release
		return consent.NewState("u"), nil
	}
	var wg sync.WaitGroup
	started := make(chan struct{})
	wg.Go(func() { close(started); c.Load(context.Background(), "u", nil, read) })
	<-started
	require.Eventually(t, func() bool { return reads.Load() == 1 }, time.Second, time.Millisecond)
	for range 5 {
		wg.Go(func() {
			st, err := c.Load(context.Background(), "u", nil, read)
			assert.NoError(t, err)
			assert.Equal(t, "u", st.Subject())
		})
	}
	time.Sleep(10 * time.Millisecond)
	close(release)
	wg.Wait()
	assert.Equal(t, int32(1), reads.Load(), "overlapping loads did not share the read")
}

func TestLoadAfterInvalidateReadsAgain(t *testing.T) {
	c := New(10)
	release := make(chan struct{})
	var reads atomic.Int32
	read := func() (consent.State, error) {
		if reads.Add(1) == 1 {
			<-release // the first read is slow, and stale
		}
		return consent.NewState("u"), nil
	}
	var wg sync.WaitGroup
	wg.Go(func() { c.Load(context.Background(), "u", nil, read) })
	require.Eventually(t, func() bool { return reads.Load() == 1 }, time.Second, time.Millisecond)
	c.Invalidate("u") // an append lands: later loads must not join the stale read
	_, err := c.Load(context.Background(), "u", nil, read)
	require.NoError(t, err)
	assert.Equal(t, int32(2), reads.Load())
	close(release)
	wg.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Load(ctx, "v", nil, func() (consent.State, error) { return consent.State{}, ctx.Err() })
	require.ErrorIs(t, err, context.Canceled)
}

// TestLoadAfterFailedReadReadsAgain: a read that failed (the store was
// down a moment) is not handed to later Loads of the key, nor is a failed
// background refresh: each later Load reads again.
func TestLoadAfterFailedReadReadsAgain(t *testing.T) {
	c := New(10)
	down := errors.New("store down")
	var reads atomic.Int32
	fails := func() (consent.State, error) { reads.Add(1); return consent.State{}, down }
	works := func() (consent.State, error) { reads.Add(1); return consent.NewState("u"), nil }
	_, err := c.Load(context.Background(), "u", func() string { return "tag-u" }, fails)
	require.ErrorIs(t, err, down)
	st, err := c.Load(context.Background(), "u", func() string { return "tag-u" }, works)
	require.NoError(t, err, "the failed read's error was handed on")
	assert.Equal(t, "u", st.Subject())
	assert.Equal(t, int32(2), reads.Load())

	// The same after a background refresh fails.
	tk := c.InvalidateTagForRefresh("tag-u")
	require.NotNil(t, tk)
	assert.False(t, c.Refresh(tk, fails))
	st, err = c.Load(context.Background(), "u", func() string { return "tag-u" }, works)
	require.NoError(t, err, "the failed refresh's error was handed on")
	assert.Equal(t, "u", st.Subject())
	assert.Equal(t, int32(4), reads.Load())
	_, ok := c.Get("u")
	assert.True(t, ok)
}

func TestLoadJoinerOutlivesLeadersCancellation(t *testing.T) {
	c := New(10)
	release := make(chan struct{})
	leaderCtx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var reads atomic.Int32
	wg.Go(func() {
		_, err := c.Load(leaderCtx, "u", nil, func() (consent.State, error) {
			reads.Add(1)
			<-release
			return consent.State{}, leaderCtx.Err()
		})
		assert.ErrorIs(t, err, context.Canceled)
	})
	require.Eventually(t, func() bool { return reads.Load() == 1 }, time.Second, time.Millisecond)
	got := make(chan error, 1)
	go func() {
		_, err := c.Load(context.Background(), "u", nil, func() (consent.State, error) {
			return consent.NewState("u"), nil
		})
		got <- err
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	close(release)
	require.NoError(t, <-got, "a joined load failed with the leader's cancellation")
	wg.Wait()
}

func TestCacheUpdate(t *testing.T) {
	grant := consent.Grant("u", "p", "r", time.Unix(100, 0), consent.WithID("g"))
	apply := func(st consent.State) (consent.State, bool) { return st.Apply(grant), true }
	cached := func(c *Cache) (consent.State, bool) { return c.Get("u") }
	tests := []struct {
		name    string
		between func(c *Cache, gen uint64) // what happens between Version and Update
		updated bool
	}{
		{name: "unchanged", between: func(*Cache, uint64) {}, updated: true},
		{name: "replaced by a load", between: func(c *Cache, _ uint64) {
			c.Put(c.Begin("u", "h"), consent.NewState("u"))
		}, updated: false},
		{name: "invalidated", between: func(c *Cache, _ uint64) { c.InvalidateTag("h") }, updated: false},
		{name: "invalidated and loaded again", between: func(c *Cache, _ uint64) {
			c.Invalidate("u")
			c.Put(c.Begin("u", "h"), consent.NewState("u"))
		}, updated: false},
		{name: "writer gives up", between: func(c *Cache, gen uint64) {
			c.Update("u", gen, func(st consent.State) (consent.State, bool) { return st, false })
		}, updated: false},
		{name: "cleared", between: func(c *Cache, _ uint64) { c.Clear() }, updated: false},
		{name: "updated by another writer", between: func(c *Cache, gen uint64) {
			c.Update("u", gen, func(st consent.State) (consent.State, bool) { return st, true })
		}, updated: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(10)
			require.True(t, c.Put(c.Begin("u", "h"), consent.NewState("u")))
			gen := c.Version("u")
			require.NotZero(t, gen)
			tt.between(c, gen)
			assert.Equal(t, tt.updated, c.Update("u", gen, apply))
			st, ok := cached(c)
			if tt.updated {
				require.True(t, ok)
				assert.Equal(t, 1, len(st.Grants()), "the update was not applied")
				assert.NotEqual(t, gen, c.Version("u"))
			} else {
				assert.False(t, ok, "a state that changed under the writer was kept instead of dropped")
			}
		})
	}
}

func TestCacheUpdateNotCached(t *testing.T) {
	c := New(10)
	assert.Zero(t, c.Version("u"))
	tk := c.Begin("u", "h") // a load that read storage before the write
	assert.False(t, c.Update("u", 0, func(st consent.State) (consent.State, bool) { return st, true }))
	assert.False(t, c.Put(tk, consent.NewState("u")), "a load begun before the write cached its older state")
	_, ok := c.Get("u")
	assert.False(t, ok)
}

// A load that read storage before a write must not put its older state
// over the state the writer brought forward, and its ticket must leave
// the entry's tag in place for the next invalidation.
func TestCacheUpdateVoidsTickets(t *testing.T) {
	c := New(10)
	require.True(t, c.Put(c.Begin("u", "h"), consent.NewState("u")))
	gen := c.Version("u")
	tk := c.Begin("u", "h")
	grant := consent.Grant("u", "p", "r", time.Unix(100, 0), consent.WithID("g"))
	require.True(t, c.Update("u", gen, func(st consent.State) (consent.State, bool) { return st.Apply(grant), true }))
	assert.False(t, c.Put(tk, consent.NewState("u")), "an older state replaced the written-through one")
	st, ok := c.Get("u")
	require.True(t, ok)
	assert.Len(t, st.Grants(), 1)
	c.InvalidateTag("h")
	_, ok = c.Get("u")
	assert.False(t, ok, "the tag was lost with the voided ticket")
}

func TestFill(t *testing.T) {
	st := func(k string) consent.State { return consent.NewState(k) }
	tests := []struct {
		name   string
		during func(c *Cache)               // between BeginFill and Put
		want   bool                         // Put("u", "tu") caches
		after  func(t *testing.T, c *Cache) // optional extra checks
	}{
		{name: "nothing happened", during: func(*Cache) {}, want: true},
		{name: "key invalidated", during: func(c *Cache) { c.Invalidate("u") }, want: false},
		{name: "tag invalidated while not cached", during: func(c *Cache) { c.InvalidateTag("tu") }, want: false},
		{name: "other key invalidated", during: func(c *Cache) { c.Invalidate("v"); c.InvalidateTag("tv") }, want: true},
		{name: "cleared", during: func(c *Cache) { c.Clear() }, want: false},
		{name: "cached by a load", during: func(c *Cache) {
			c.Put(c.Begin("u", "tu"), consent.NewState("u").Apply(consent.AcceptPolicy("u", "v2", time.Now())))
		}, want: false,
			after: func(t *testing.T, c *Cache) {
				got, ok := c.Get("u")
				require.True(t, ok)
				assert.Equal(t, "v2", got.Acceptance().Version, "the fill replaced a loaded state")
			}},
		{name: "being loaded", during: func(c *Cache) { c.Begin("u", "tu") }, want: false},
		{name: "updated, then evicted", during: func(c *Cache) {
			c.Put(c.Begin("u", "tu"), consent.NewState("u"))
			c.Update("u", c.Version("u"), func(s consent.State) (consent.State, bool) { return s, true })
			c.Invalidate("w") // unrelated
			c.mu.Lock()
			el := c.items["u"]
			c.lru.remove(el)
			delete(c.items, "u")
			c.dropTag("tu", "u")
			c.mu.Unlock()
		}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(10)
			f := c.BeginFill()
			tt.during(c)
			assert.Equal(t, tt.want, f.Put("u", "tu", st("u")))
			if tt.want {
				c.InvalidateTag("tu")
				_, ok := c.Get("u")
				assert.False(t, ok, "a filled state is not invalidated by its tag")
			}
			if tt.after != nil {
				tt.after(t, c)
			}
			f.End()
			assert.False(t, f.Put("x", "tx", st("x")), "Put after End cached")
			assert.Empty(t, c.fills)
		})
	}
}

func TestFillBounded(t *testing.T) {
	c := New(3)
	c.Put(c.Begin("hot", ""), consent.NewState("hot"))
	f := c.BeginFill()
	assert.Equal(t, 2, f.Room())
	assert.True(t, f.Put("a", "", consent.NewState("a")))
	assert.True(t, f.Put("b", "", consent.NewState("b")))
	assert.Zero(t, f.Room())
	assert.False(t, f.Put("c", "", consent.NewState("c")), "a fill evicted")
	_, ok := c.Get("hot")
	assert.True(t, ok)
	// Filled states go first when traffic needs room.
	c.Put(c.Begin("new", ""), consent.NewState("new"))
	_, ok = c.Get("b")
	assert.False(t, ok)
	_, ok = c.Get("hot")
	assert.True(t, ok)
	f.End()

	// More invalidations than the cache holds void the fill.
	f = c.BeginFill()
	for i := range 10 {
		c.Invalidate(fmt.Sprint("k", i))
	}
	assert.True(t, f.Voided())
	assert.False(t, f.Put("z", "", consent.NewState("z")))
	assert.LessOrEqual(t, len(f.keys)+len(f.tags), 3)
	f.End()

	var nilFill *Fill
	assert.False(t, nilFill.Put("a", "", consent.NewState("a")))
	assert.Nil(t, (*Cache)(nil).BeginFill())
}

func TestRefresh(t *testing.T) {
	older := consent.NewState("u")
	newer := consent.NewState("u").Apply(consent.AcceptPolicy("u", "v2", time.Now()))
	// cached returns a cache holding older for "u" (tag "tu") and the
	// refresh ticket of its invalidation.
	cached := func(t *testing.T) (*Cache, *Ticket) {
		c := New(10)
		require.True(t, c.Put(c.Begin("u", "tu"), older))
		tk := c.InvalidateTagForRefresh("tu")
		require.NotNil(t, tk)
		_, ok := c.Get("u")
		require.False(t, ok, "not invalidated")
		return c, tk
	}
	noRead := func(t *testing.T) func() (consent.State, error) {
		return func() (consent.State, error) {
			t.Error("read for a void refresh")
			return older, nil
		}
	}
	t.Run("caches", func(t *testing.T) {
		c, tk := cached(t)
		h0, m0, _ := c.Stats()
		assert.True(t, c.Refresh(tk, func() (consent.State, error) { return newer, nil }))
		h, m, _ := c.Stats()
		assert.Equal(t, [2]uint64{h0, m0}, [2]uint64{h, m}, "a refresh counted as a hit or miss")
		got, ok := c.Get("u")
		require.True(t, ok)
		assert.Equal(t, "v2", got.Acceptance().Version)
	})
	t.Run("not cached: no refresh", func(t *testing.T) {
		c := New(10)
		c.Begin("u", "tu") // only being loaded
		assert.Nil(t, c.InvalidateTagForRefresh("tu"))
		assert.Nil(t, c.InvalidateTagForRefresh("unknown"))
		assert.False(t, c.Refresh(nil, noRead(t)))
	})
	t.Run("dropped while queued", func(t *testing.T) {
		c, tk := cached(t)
		c.Invalidate("u") // e.g. DropCached after KeyedStore.Forget
		assert.False(t, c.Refresh(tk, noRead(t)))
		_, ok := c.Get("u")
		assert.False(t, ok, "a dropped user came back")
	})
	t.Run("cleared while queued", func(t *testing.T) {
		c, tk := cached(t)
		c.Clear()
		assert.False(t, c.Refresh(tk, noRead(t)))
	})
	t.Run("changed again while queued", func(t *testing.T) {
		c, tk := cached(t)
		c.InvalidateTag("tu")
		assert.False(t, c.Refresh(tk, noRead(t)))
	})
	t.Run("invalidated while reading", func(t *testing.T) {
		c, tk := cached(t)
		assert.False(t, c.Refresh(tk, func() (consent.State, error) {
			c.InvalidateTag("tu")
			return older, nil
		}))
		_, ok := c.Get("u")
		assert.False(t, ok, "a refresh read before an invalidation was cached")
	})
	t.Run("a newer state cached while reading stays", func(t *testing.T) {
		c, tk := cached(t)
		assert.False(t, c.Refresh(tk, func() (consent.State, error) {
			c.Put(c.Begin("u", "tu"), newer) // a loader under the same ticket
			c.Update("u", c.Version("u"), func(s consent.State) (consent.State, bool) { return s, true })
			return older, nil
		}))
		got, ok := c.Get("u")
		require.True(t, ok)
		assert.Equal(t, "v2", got.Acceptance().Version, "a refresh overwrote a newer state")
	})
	t.Run("a load read first", func(t *testing.T) {
		c, tk := cached(t)
		st, err := c.Load(context.Background(), "u", func() string { return "tu" }, func() (consent.State, error) { return newer, nil })
		require.NoError(t, err)
		assert.Equal(t, "v2", st.Acceptance().Version)
		assert.False(t, c.Refresh(tk, noRead(t)))
	})
	t.Run("loads join it", func(t *testing.T) {
		c, tk := cached(t)
		release := make(chan struct{})
		var reads atomic.Int32
		done := make(chan bool)
		go func() {
			done <- c.Refresh(tk, func() (consent.State, error) {
				reads.Add(1)
				<-release
				return newer, nil
			})
		}()
		require.Eventually(t, func() bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			return tk.flight != nil
		}, time.Second, time.Millisecond)
		_, m0, _ := c.Stats()
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				st, err := c.Load(context.Background(), "u", func() string { return "tu" }, func() (consent.State, error) {
					reads.Add(1)
					return older, nil
				})
				assert.NoError(t, err)
				assert.Equal(t, "v2", st.Acceptance().Version)
			})
		}
		// Each Load counts its miss just before it joins.
		require.Eventually(t, func() bool { _, m, _ := c.Stats(); return m == m0+4 }, time.Second, time.Millisecond)
		time.Sleep(10 * time.Millisecond)
		close(release)
		wg.Wait()
		assert.True(t, <-done)
		assert.Equal(t, int32(1), reads.Load(), "loads did not join the refresh")
	})
}
