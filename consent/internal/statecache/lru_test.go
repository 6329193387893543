package statecache

import (
	"container/list"
	"math/rand/v2"
	"testing"
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
