package policy

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/yasam/privacy/purpose"
)

// verdict is the cached, shared part of a Decision: everything but the
// recipient's ID. Once sealed (see [verdict.seal]) it never changes, and
// the Decisions made from it point at it, which is what [Verify] checks.
type verdict struct {
	allowed     bool
	purpose     purpose.ID
	version     string
	legal       purpose.Text
	categories  []purpose.Category
	reasons     []Reason
	obligations []Obligation
	seed        maphash.Seed // the snapshot's: keys the recipient hash and sum
	nonce       uint64       // random, binds Decision.mac to this verdict
	sum         uint64       // contentSum at sealing
	redact      bool         // the recipient is an individual, or unregistered: not logged by name
	unknown     bool         // with redact: the recipient is unregistered, not an individual
	hidePurpose bool         // the purpose is not in the catalog (a caller's value): not logged
}

// memo caches verdicts by key. Reads are a single atomic load and a map
// lookup, with no lock, so Check scales across cores; writes copy the map
// under a mutex (misses are rare: the key space of a catalog is small).
//
// The memo holds at most limit entries. When a new entry would exceed that,
// the memo starts again from empty: a flood of distinct inputs (many
// category combinations) costs evaluations, never memory beyond the bound.
type memo struct {
	limit int
	mu    sync.Mutex // serialises writers
	m     atomic.Pointer[map[decisionKey]*verdict]
}

func newMemo(limit int) *memo {
	c := &memo{limit: limit}
	empty := map[decisionKey]*verdict{}
	c.m.Store(&empty)
	return c
}

func (c *memo) get(k decisionKey) (*verdict, bool) {
	v, ok := (*c.m.Load())[k]
	return v, ok
}

func (c *memo) put(k decisionKey, v *verdict) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.m.Load()
	if _, ok := old[k]; ok {
		return
	}
	var next map[decisionKey]*verdict
	if len(old) >= c.limit {
		next = make(map[decisionKey]*verdict, 1)
	} else {
		next = make(map[decisionKey]*verdict, len(old)+1)
		for key, val := range old {
			next[key] = val
		}
	}
	next[k] = v
	c.m.Store(&next)
}

func (c *memo) len() int { return len(*c.m.Load()) }

// Bounds of the decision key's fields, checked when a policy is built.
const (
	maxPurposes = 1 << 16 // decisionKey.purpose is a uint16 index
	maxKinds    = 1 << 8  // decisionKey.kind is a uint8 index
	maxVersions = 1 << 16 // decisionKey.version is a uint32 index; kept small
)
