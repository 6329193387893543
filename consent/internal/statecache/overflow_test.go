package statecache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
)

// TestLoadingOverflowKeepsCachedTags: when Begin finds the loading map
// full and voids the loads that never came back, a state still cached
// for one of those keys keeps its tag, so that a change announced under
// the tag afterwards still reaches it. A ticket for a cached key is
// common: StateAtLeast takes one for a cached user, and under
// SetMaxStale every stale state holds its refresh's. Without the tag the
// state would answer, unbounded, without the change (and a token naming
// the change, once seen, would be answered from it).
func TestLoadingOverflowKeepsCachedTags(t *testing.T) {
	lacks := func(any) bool { return false }
	for name, announce := range map[string]func(c *Cache){
		"InvalidateTag":           func(c *Cache) { c.InvalidateTag("hu") },
		"InvalidateTagForRefresh": func(c *Cache) { c.InvalidateTagForRefresh("hu") },
		"InvalidateTagForDelta":   func(c *Cache) { c.InvalidateTagForDelta("hu", lacks) },
	} {
		t.Run(name, func(t *testing.T) {
			c := New(2)
			require.True(t, c.PutMeta(c.Begin("u", "hu"), consent.NewState("u"), "snap"))
			c.Begin("u", "hu") // a read of the cached user under way (StateAtLeast)
			c.Begin("a", "ha") // a load that never came back
			c.Begin("b", "hb") // the map is full: the loads are voided
			announce(c)
			_, ok := c.Get("u")
			assert.False(t, ok, "a state whose change was announced still answers")
			st, err := c.LoadMeta(t.Context(), "u", func() string { return "hu" }, func(*Ticket) (consent.State, any, error) {
				return consent.NewState("u").Apply(consent.Grant("u", "p", "r", time.Unix(1, 0))), "new", nil
			})
			require.NoError(t, err)
			assert.Equal(t, 1, st.Events(), "Load answered without the announced change")
		})
	}
	t.Run("a stale state's refresh voided", func(t *testing.T) {
		c := New(2)
		c.SetMaxStale(time.Hour)
		require.True(t, c.PutMeta(c.Begin("u", "hu"), consent.NewState("u"), "snap"))
		require.NotNil(t, c.InvalidateTagForDelta("hu", lacks)) // stale, its refresh pending
		c.Begin("a", "ha")
		c.Begin("b", "hb") // voids the refresh
		// A further change: the state must still be found by its tag
		// and given a refresh.
		assert.NotNil(t, c.InvalidateTagForDelta("hu", lacks), "the stale state lost its tag")
	})
}
