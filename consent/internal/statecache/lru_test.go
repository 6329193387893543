package statecache

import (
	"container/list"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
)

// TestLRUListMatchesContainerList drives lruList and container/list
// with the same random operations and compares their order after each.
func TestLRUListMatchesContainerList(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var l lruList // the zero value is usable
	var ref list.List
	in := map[*entry]*list.Element{}
	var pool []*entry
	for i := range 5000 {
		switch op := rng.IntN(5); {
		case op <= 1 || len(pool) == 0:
			e := &entry{key: string(rune('a' + i%26))}
			pool = append(pool, e)
			if op == 0 {
				l.pushFront(e)
				in[e] = ref.PushFront(e)
			} else {
				l.pushBack(e)
				in[e] = ref.PushBack(e)
			}
		case op == 2:
			k := rng.IntN(len(pool))
			e := pool[k]
			l.remove(e)
			ref.Remove(in[e])
			delete(in, e)
			pool = append(pool[:k], pool[k+1:]...)
		case op == 3:
			e := pool[rng.IntN(len(pool))]
			l.moveToFront(e)
			ref.MoveToFront(in[e])
		default:
			b := l.back()
			if rb := ref.Back(); rb == nil && b != nil || rb != nil && rb.Value.(*entry) != b {
				t.Fatalf("step %d: back differs", i)
			}
		}
		if l.len != ref.Len() {
			t.Fatalf("step %d: len %d, want %d", i, l.len, ref.Len())
		}
		if i%97 == 0 {
			got, back := 0, &l.root
			for e, r := l.root.next, ref.Front(); r != nil; e, r = e.next, r.Next() {
				if e != r.Value.(*entry) || e.prev != back {
					t.Fatalf("step %d: position %d differs", i, got)
				}
				back = e
				got++
			}
		}
	}
	l.init()
	if l.back() != nil || l.len != 0 {
		t.Fatal("init did not empty the list")
	}
}

// front returns the keys of c's LRU order, front first.
func front(c *Cache) []string {
	var out []string
	if c.lru.root.next == nil {
		return nil
	}
	for e := c.lru.root.next; e != &c.lru.root; e = e.next {
		out = append(out, e.key)
	}
	return out
}

// A hit on an entry in the front half leaves the order as it is; one in
// the back half moves it to the front; in a cache of 3 or fewer the order
// is exact LRU.
func TestTouchMovesOnlyFromTheBackHalf(t *testing.T) {
	c := New(8)
	for i := range 8 {
		k := fmt.Sprint(i)
		c.Put(c.Begin(k, ""), consent.NewState(k))
	}
	want := []string{"7", "6", "5", "4", "3", "2", "1", "0"}
	require.Equal(t, want, front(c))
	fronts := c.fronts
	for _, k := range []string{"6", "5", "4", "6"} { // front half: no move
		_, ok := c.Get(k)
		require.True(t, ok)
	}
	assert.Equal(t, want, front(c), "hits in the front half moved entries")
	assert.Equal(t, fronts, c.fronts)
	c.Get("3") // went to the front 4 fronts ago: back half
	assert.Equal(t, []string{"3", "7", "6", "5", "4", "2", "1", "0"}, front(c))

	small := New(3)
	for _, k := range []string{"a", "b", "c"} {
		small.Put(small.Begin(k, ""), consent.NewState(k))
	}
	small.Get("b")
	small.Get("a")
	assert.Equal(t, []string{"a", "b", "c"}, front(small))
}

// An entry hit at least once every half the cache's size of fronts is
// never evicted, whatever the traffic around it: here every 49th
// insertion into a cache of 100, so that some hits move it and others,
// in the front half, leave it where it is.
func TestHotEntrySurvivesChurn(t *testing.T) {
	const max = 100
	c := New(max)
	c.Put(c.Begin("hot", ""), consent.NewState("hot"))
	var moved, skipped int
	for i := range 10 * max {
		k := fmt.Sprint("cold-", i)
		c.Put(c.Begin(k, ""), consent.NewState(k))
		if i%(max/2-1) == max/2-2 {
			fronts := c.fronts
			_, ok := c.Get("hot")
			require.True(t, ok, "hot evicted after %d insertions", i+1)
			if c.fronts == fronts {
				skipped++
			} else {
				moved++
			}
		}
		require.LessOrEqual(t, c.Len(), max)
	}
	assert.Positive(t, skipped, "no hit was left in place")
	assert.Positive(t, moved, "no hit moved the entry")
}

// A state a fill put at the back goes to the front on its first hit, even
// in a cache whose order has barely moved.
func TestFilledEntryMovesOnFirstHit(t *testing.T) {
	c := New(10)
	f := c.BeginFill()
	for i := range 10 {
		k := fmt.Sprint("f", i)
		require.True(t, f.Put(k, "", consent.NewState(k)))
	}
	f.End()
	_, ok := c.Get("f9") // at the back
	require.True(t, ok)
	c.Put(c.Begin("new", ""), consent.NewState("new"))
	_, ok = c.Get("f9")
	assert.True(t, ok, "a filled entry just used was evicted")
	_, ok = c.Get("f8")
	assert.False(t, ok, "the least recently used entry stayed")
}
