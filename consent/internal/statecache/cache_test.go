package statecache

import (
	"fmt"
	"testing"

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
