package statecache

import (
	"container/list"
	"context"
	"errors"
	"sync"

	"github.com/yasam/privacy/consent"
)

// Cache is a bounded, least-recently-used cache of consent states, keyed by
// subject. It is safe for concurrent use by multiple goroutines.
//
// A loader takes a [Ticket] with [Cache.Begin] before it reads a state from
// storage and hands it back to [Cache.Put]; an invalidation of the key (or
// a [Cache.Clear]) in between voids the ticket, so a state read before a
// change can never be cached after it.
//
// Each entry may carry a tag, another name for the key that invalidations
// can use: pgstore's notifications name a keyed hash of the subject, never
// the subject itself.
type Cache struct {
	mu      sync.Mutex
	max     int
	lru     list.List // of *entry, most recent first
	items   map[string]*list.Element
	loading map[string]*Ticket
	tags    map[string]string // tag → key, for items and loading
	hits    uint64
	misses  uint64
	gen     uint64 // last generation given to an entry
}

type entry struct {
	key, tag string
	st       consent.State
	gen      uint64 // changes whenever st is replaced
}

// Ticket is a loader's claim to fill one key; see [Cache.Begin].
type Ticket struct {
	key, tag string
	flight   *flight // set when a Load reads for it
}

// flight is one read of storage that concurrent Loads of a key share.
type flight struct {
	done chan struct{}
	st   consent.State
	err  error
}

// New returns a cache of at most max states; max <= 0 disables it (a
// nil *Cache behaves the same).
func New(max int) *Cache {
	if max <= 0 {
		return nil
	}
	return &Cache{
		max:     max,
		items:   make(map[string]*list.Element),
		loading: make(map[string]*Ticket),
		tags:    make(map[string]string),
	}
}

// Get returns the cached state of key, and reports whether there is one.
func (c *Cache) Get(key string) (consent.State, bool) {
	if c == nil {
		return consent.State{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		c.misses++
		return consent.State{}, false
	}
	c.hits++
	c.lru.MoveToFront(el)
	return el.Value.(*entry).st, true
}

// Begin claims key (with its tag, which may be empty) for a load that is
// about to read storage. Concurrent loaders of one key share a ticket.
func (c *Cache) Begin(key, tag string) *Ticket {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.loading[key]; ok && t.tag == tag {
		return t
	}
	if len(c.loading) >= c.max {
		// Loads that never came back (errors, cancellations) must not
		// grow the map without bound; voiding the rest costs only a
		// few cache fills.
		for k, t := range c.loading {
			c.dropTag(t.tag, k)
		}
		clear(c.loading)
	}
	t := &Ticket{key: key, tag: tag}
	c.loading[key] = t
	if tag != "" {
		c.tags[tag] = key
	}
	return t
}

// Put caches st under the ticket's key, unless the key was invalidated
// since the ticket was taken. It reports whether st was cached.
func (c *Cache) Put(t *Ticket, st consent.State) bool {
	if c == nil || t == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loading[t.key] != t {
		return false
	}
	delete(c.loading, t.key)
	c.gen++
	if el, ok := c.items[t.key]; ok {
		e := el.Value.(*entry)
		e.st, e.gen = st, c.gen
		c.lru.MoveToFront(el)
		return true
	}
	c.items[t.key] = c.lru.PushFront(&entry{key: t.key, tag: t.tag, st: st, gen: c.gen})
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		e := old.Value.(*entry)
		c.lru.Remove(old)
		delete(c.items, e.key)
		if _, busy := c.loading[e.key]; !busy {
			c.dropTag(e.tag, e.key)
		}
	}
	return true
}

// Version returns the generation of key's cached state (0 when none is
// cached). The generation changes whenever the cached state is replaced,
// dropped or updated, so a writer can take it before a change it makes to
// storage and hand it to [Cache.Update] after: see there.
func (c *Cache) Version(key string) uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		return el.Value.(*entry).gen
	}
	return 0
}

// Update replaces key's cached state st with apply(st) when the cached
// state is still the one of generation gen (from [Cache.Version]) and
// apply reports ok (else the key is invalidated), and
// voids the tickets taken for key, so that a load that read storage before
// the change can never cache its older state over the updated one. When
// the generation differs (the state was replaced, dropped or is not
// cached) it invalidates key instead. It reports whether it updated.
//
// A writer calls Version before its change reaches storage and Update
// after it is durable: a state cached at gen was read before the change,
// so apply(st) is the state after it (given that no other writer's change
// came between, which their own invalidations cover).
func (c *Cache) Update(key string, gen uint64, apply func(consent.State) (consent.State, bool)) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok || gen == 0 || el.Value.(*entry).gen != gen {
		c.invalidate(key)
		return false
	}
	e := el.Value.(*entry)
	st, ok := apply(e.st)
	if !ok {
		c.invalidate(key)
		return false
	}
	if t, ok := c.loading[key]; ok {
		delete(c.loading, key)
		if t.tag != e.tag {
			c.dropTag(t.tag, key)
		}
	}
	c.gen++
	e.st, e.gen = st, c.gen
	return true
}

// Invalidate forgets the states of keys and voids the tickets taken for
// them.
func (c *Cache) Invalidate(keys ...string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		c.invalidate(k)
	}
}

// InvalidateTag is [Cache.Invalidate] for the key that carries tag.
func (c *Cache) InvalidateTag(tag string) {
	if c == nil || tag == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.tags[tag]; ok {
		c.invalidate(k)
	}
}

func (c *Cache) invalidate(k string) {
	if el, ok := c.items[k]; ok {
		e := el.Value.(*entry)
		c.lru.Remove(el)
		delete(c.items, k)
		c.dropTag(e.tag, k)
	}
	if t, ok := c.loading[k]; ok {
		delete(c.loading, k)
		c.dropTag(t.tag, k)
	}
}

func (c *Cache) dropTag(tag, key string) {
	if tag != "" && c.tags[tag] == key {
		delete(c.tags, tag)
	}
}

// Clear forgets every state and voids every ticket.
func (c *Cache) Clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	clear(c.items)
	clear(c.loading)
	clear(c.tags)
}

// Len returns how many states are cached.
func (c *Cache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

// Stats returns how many Gets found a state and how many did not, and how
// many states are cached.
func (c *Cache) Stats() (hits, misses uint64, n int) {
	if c == nil {
		return 0, 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses, len(c.items)
}

// Load returns key's cached state, or reads it with read and caches it
// under the tag that tag returns (tag is called only on a miss; nil means
// no tag)
// (unless invalidated meanwhile). Loads of one key that overlap share one
// read: a Load joins a read in flight only while no invalidation of the
// key came after that read began, so it never returns a state older than
// an invalidation that preceded it. A joined Load whose ctx ends stops
// waiting with ctx's error. With a nil Cache, Load just reads.
func (c *Cache) Load(ctx context.Context, key string, tagOf func() string, read func() (consent.State, error)) (consent.State, error) {
	if c == nil {
		return read()
	}
	c.mu.Lock()
	if el, ok := c.items[key]; ok {
		c.hits++
		c.lru.MoveToFront(el)
		st := el.Value.(*entry).st
		c.mu.Unlock()
		return st, nil
	}
	c.misses++
	c.mu.Unlock()
	var tag string
	if tagOf != nil {
		tag = tagOf()
	}
	c.mu.Lock()
	if t, ok := c.loading[key]; ok && t.tag == tag && t.flight != nil {
		f := t.flight
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.err != nil && ctx.Err() == nil &&
				(errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
				// The leader's request ended, not ours: read for
				// ourselves (not cached: no ticket).
				return read()
			}
			return f.st, f.err
		case <-ctx.Done():
			return consent.State{}, ctx.Err()
		}
	}
	c.mu.Unlock()
	t := c.Begin(key, tag)
	f := &flight{done: make(chan struct{})}
	c.mu.Lock()
	mine := t.flight == nil
	if mine {
		t.flight = f
	}
	c.mu.Unlock()
	st, err := read()
	if err == nil {
		c.Put(t, st)
	}
	if mine {
		f.st, f.err = st, err
		close(f.done)
	}
	return st, err
}
