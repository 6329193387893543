package statecache

import (
	"testing"

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
