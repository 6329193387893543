package statecache

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/yasam/privacy/consent"
)

// Cache is a bounded, least-recently-used cache of consent states, keyed by
// subject. It is safe for concurrent use by multiple goroutines.
//
// The order is by each entry's last move to the front, not quite its
// last use: a hit on an entry that went to the front fewer than half the
// cache's size of fronts ago (a front: an entry put or moved there)
// leaves the order as it is, so that a hot entry's hits write nothing
// outside it. Such an entry is in the front half, and evictions take the
// back, so an entry hit at least once every half the cache's size of
// fronts is never evicted; one left unused may be evicted up to that many
// fronts sooner than under exact LRU.
//
// A loader takes a [Ticket] with [Cache.Begin] before it reads a state from
// storage and hands it back to [Cache.Put]; an invalidation of the key (or
// a [Cache.Clear]) in between voids the ticket, so a state read before a
// change can never be cached after it. Under [Cache.SetMaxStale] a state
// whose change was announced may go on answering Load, marked stale, for
// a bounded time while its refresh runs; Get never answers with it.
//
// Each entry may carry a tag, another name for the key that invalidations
// can use: pgstore's notifications name a keyed hash of the subject, never
// the subject itself.
type Cache struct {
	mu  sync.Mutex
	max int
	lru lruList // most recent first; see touch
	// fronts counts the entries put at the front of lru, moved or new.
	fronts  uint64
	items   map[string]*entry
	loading map[string]*Ticket
	tags    map[string]string // tag → key, for items and loading
	hits    uint64
	misses  uint64
	gen     uint64 // last generation given to an entry
	baseIDs uint64 // last Ticket.baseID given
	// maxStale is how long a state whose change was announced may still
	// answer Load while its delta refresh is under way (SetMaxStale);
	// 0: never.
	maxStale  time.Duration
	staleHits uint64
	fills     map[*Fill]struct{} // bulk fills running; see BeginFill
}

type entry struct {
	prev, next *entry // in Cache.lru
	front      uint64 // Cache.fronts when e last went to the front
	key, tag   string
	st         consent.State
	meta       any    // the store's note on st (what it holds); nil: none
	gen        uint64 // changes whenever st is replaced
	// staleAt is when a change st lacks was first announced while st
	// stayed cached to answer Load (see SetMaxStale); zero: st is fresh.
	staleAt time.Time
}

// stale reports whether e lacks an announced change.
func (e *entry) stale() bool { return !e.staleAt.IsZero() }

// Ticket is a loader's claim to fill one key; see [Cache.Begin].
type Ticket struct {
	key, tag string
	flight   *flight // set when a Load reads for it
	// For a delta refresh (see InvalidateTagForDelta): the state dropped
	// and its meta, to be brought forward rather than read whole.
	base     consent.State
	baseMeta any
	// baseID names the base: a ticket that took over a voided one's base
	// carries the same ID, so that the voided ticket's read, when it
	// lands, can hand its newer state on as the base (see PutMeta).
	baseID uint64
	// queued: a refresh of the key is queued and not yet taken up
	// (MarkQueued); a ticket that replaces this one inherits it, since
	// that queue entry will read under the replacement (RefreshLatest).
	queued bool
}

// flight is one read of storage that concurrent Loads of a key share.
type flight struct {
	done chan struct{}
	st   consent.State
	meta any
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
		items:   make(map[string]*entry),
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
	e, ok := c.items[key]
	if !ok || e.stale() {
		c.misses++
		return consent.State{}, false
	}
	c.hits++
	c.touch(e)
	return e.st, true
}

// SetMaxStale lets [Cache.LoadMeta] answer with a state whose change
// was announced ([Cache.InvalidateTagForDelta] with a delta-capable
// meta) while the refresh that brings it forward is under way, for at
// most d after the first such announcement; after that, or with d <= 0
// (the default), Load waits for the refresh. Get never answers with such
// a state. A writer's own change drops it (UpdateMeta) or is applied to
// it, the refresh begun anew (UpdateMetaOrDelta), so the writer reads its
// own change. Call it before the cache is shared.
func (c *Cache) SetMaxStale(d time.Duration) {
	if c != nil {
		c.maxStale = max(d, 0)
	}
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
		// few cache fills. A state still cached for such a key (a
		// StateAtLeast's read of a cached user, a stale state's refresh)
		// keeps its tag, or a change announced under it would never
		// reach the state.
		for k := range c.loading {
			c.voidTicket(k, c.cachedTag(k))
		}
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
func (c *Cache) Put(t *Ticket, st consent.State) bool { return c.PutMeta(t, st, nil) }

// PutMeta is [Cache.Put] that also keeps meta, the store's note on what st
// holds (see [Cache.InvalidateTagForDelta]).
func (c *Cache) PutMeta(t *Ticket, st consent.State, meta any) bool {
	if c == nil || t == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.loading[t.key]; cur != t {
		// t was voided. If by a change announced while it read, whose
		// refresh (cur) has not started and would bring t's own base
		// forward, st (read later than that base, with its meta) is the
		// better base: each voided read then still moves the user
		// forward, and a user that changes faster than a refresh takes
		// is not read from an ever older base.
		if cur != nil && cur.flight == nil && t.baseID != 0 && cur.baseID == t.baseID && meta != nil {
			cur.base, cur.baseMeta, cur.baseID = st, meta, c.nextBaseID()
		}
		return false
	}
	delete(c.loading, t.key)
	t.dropBase()
	c.gen++
	if e, ok := c.items[t.key]; ok {
		e.st, e.meta, e.gen, e.staleAt = st, meta, c.gen, time.Time{}
		c.touch(e)
		return true
	}
	c.fronts++
	e := &entry{key: t.key, tag: t.tag, st: st, meta: meta, gen: c.gen, front: c.fronts}
	c.lru.pushFront(e)
	c.items[t.key] = e
	for c.lru.len > c.max {
		e := c.lru.back()
		c.lru.remove(e)
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
	if e, ok := c.items[key]; ok {
		return e.gen
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
	return c.UpdateMeta(key, gen, func(st consent.State, meta any) (consent.State, any, bool) {
		st, ok := apply(st)
		return st, meta, ok
	})
}

// UpdateMeta is [Cache.Update] whose apply also replaces the state's meta.
func (c *Cache) UpdateMeta(key string, gen uint64, apply func(consent.State, any) (consent.State, any, bool)) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok || gen == 0 || e.gen != gen || e.stale() {
		c.invalidate(key)
		return false
	}
	st, meta, ok := apply(e.st, e.meta)
	if !ok {
		c.invalidate(key)
		return false
	}
	c.voidTicket(key, e.tag)
	c.gen++
	e.st, e.meta, e.gen = st, meta, c.gen
	// A fill's older state must not come back after an eviction.
	c.noteFills(key, "")
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
	c.noteFills("", tag)
	if k, ok := c.tags[tag]; ok {
		c.invalidate(k)
	}
}

func (c *Cache) invalidate(k string) {
	c.noteFills(k, "")
	if e, ok := c.items[k]; ok {
		c.lru.remove(e)
		delete(c.items, k)
		c.dropTag(e.tag, k)
	}
	c.voidTicket(k, "")
}

// voidTicket voids k's ticket, if one is taken, and lets go of what it
// carries; the ticket's tag is forgotten unless it is kept, the tag of the
// state still cached for k. c.mu must be held.
func (c *Cache) voidTicket(k, kept string) {
	if t, ok := c.loading[k]; ok {
		delete(c.loading, k)
		t.dropBase()
		if t.tag != kept {
			c.dropTag(t.tag, k)
		}
	}
}

// dropBase lets go of the state a voided or used ticket carried, so that
// no copy of a dropped user's state outlives the ticket's life in the
// cache (a queued refresh may hold the ticket a while longer).
func (t *Ticket) dropBase() { t.base, t.baseMeta = consent.State{}, nil }

// touch moves e, just used, to the front of the LRU list, unless fewer
// than half the cache's size of entries went to the front since e did.
// Each of them pushed e back by one place at most, so e is still in the
// front half, and no eviction (which takes the back) can reach it before
// that many more fronts, by which time a hit moves it. A hot entry's hits
// then write nothing outside the entry, where a move writes the links of
// three other entries, on random cache lines, for every hit. Every path
// that puts an entry at the front counts it in c.fronts. c.mu must be
// held.
func (c *Cache) touch(e *entry) {
	if c.fronts-e.front < uint64(c.max/2) {
		return
	}
	c.fronts++
	e.front = c.fronts
	c.lru.moveToFront(e)
}

// nextBaseID names a new base (see Ticket.baseID). c.mu must be held.
func (c *Cache) nextBaseID() uint64 {
	c.baseIDs++
	return c.baseIDs
}

// cachedTag returns the tag of the state cached for k ("" when none is).
// c.mu must be held.
func (c *Cache) cachedTag(k string) string {
	if e, ok := c.items[k]; ok {
		return e.tag
	}
	return ""
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
	c.lru.init()
	clear(c.items)
	for _, t := range c.loading {
		t.dropBase()
	}
	clear(c.loading)
	clear(c.tags)
	for f := range c.fills {
		f.void = true
	}
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

// StaleHits returns how many Loads were answered with a state whose
// change was announced but not yet read (see [Cache.SetMaxStale]); they
// count among the hits too.
func (c *Cache) StaleHits() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.staleHits
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
// an invalidation that preceded it (beyond SetMaxStale's bound). A
// joined Load whose ctx ends stops waiting with ctx's error. With a nil
// Cache, Load just reads.
func (c *Cache) Load(ctx context.Context, key string, tagOf func() string, read func() (consent.State, error)) (consent.State, error) {
	return c.LoadMeta(ctx, key, tagOf, func(*Ticket) (consent.State, any, error) {
		st, err := read()
		return st, nil, err
	})
}

// LoadMeta is [Cache.Load] whose read also returns the state's meta (see
// [Cache.PutMeta]). read is given the ticket it reads under (nil when its
// state will not be cached): a ticket with a base ([Cache.Base]) is a
// delta refresh not yet started, which the read may do itself.
func (c *Cache) LoadMeta(ctx context.Context, key string, tagOf func() string, read func(*Ticket) (consent.State, any, error)) (consent.State, error) {
	if c == nil {
		st, _, err := read(nil)
		return st, err
	}
	c.mu.Lock()
	if e, ok := c.items[key]; ok {
		if !e.stale() || time.Since(e.staleAt) <= c.maxStale {
			c.hits++
			if e.stale() {
				c.staleHits++
			}
			c.touch(e)
			st := e.st
			c.mu.Unlock()
			return st, nil
		}
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
				st, _, err := read(nil)
				return st, err
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
	st, meta, err := read(t)
	if err == nil {
		c.PutMeta(t, st, meta)
	} else {
		c.abandon(t)
	}
	if mine {
		f.st, f.meta, f.err = st, meta, err
		close(f.done)
	}
	return st, err
}

// Abandon forgets t, whose read failed, as a Load does (see abandon):
// for a caller that reads under a ticket of its own ([Cache.Begin]) and
// will not [Cache.PutMeta] it.
func (c *Cache) Abandon(t *Ticket) {
	if c != nil && t != nil {
		c.abandon(t)
	}
}

// abandon forgets t after its read failed, if it is still the key's
// ticket: the Loads that joined that read share its error, and a later
// one reads again instead of being handed the same error until the key
// is next invalidated.
func (c *Cache) abandon(t *Ticket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loading[t.key] == t {
		delete(c.loading, t.key)
		t.dropBase()
		if _, cached := c.items[t.key]; !cached {
			c.dropTag(t.tag, t.key)
		}
	}
}

// Fill is a bulk fill of the cache from a scan of storage (a warm-up); see
// [Cache.BeginFill]. It is safe for concurrent use with the cache's other
// methods; one Fill is used by one goroutine.
type Fill struct {
	c    *Cache
	keys map[string]struct{} // invalidated or updated since BeginFill
	tags map[string]struct{} // tags invalidated since BeginFill
	void bool                // cleared, or too many invalidations to track
	done bool
}

// BeginFill starts a bulk fill. Call it before the scan of storage begins
// (before its snapshot is taken) and [Fill.End] after: every invalidation
// of a key or tag, and every [Cache.Update], from BeginFill on is
// recorded, and [Fill.Put] refuses those keys, so a state the scan read
// before a change can never be cached after the change's invalidation
// arrived. A [Cache.Clear] voids the fill. On a nil Cache it returns nil
// (whose Put caches nothing).
func (c *Cache) BeginFill() *Fill {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f := &Fill{c: c, keys: make(map[string]struct{}), tags: make(map[string]struct{})}
	if c.fills == nil {
		c.fills = make(map[*Fill]struct{})
	}
	c.fills[f] = struct{}{}
	return f
}

// noteFills records an invalidation of key or tag (either may be empty)
// in the running fills. A fill that would track more than the cache's
// capacity is voided instead, so the records stay bounded.
func (c *Cache) noteFills(key, tag string) {
	for f := range c.fills {
		if f.void {
			continue
		}
		if len(f.keys)+len(f.tags) >= c.max {
			f.void = true
			clear(f.keys)
			clear(f.tags)
			continue
		}
		if key != "" {
			f.keys[key] = struct{}{}
		}
		if tag != "" {
			f.tags[tag] = struct{}{}
		}
	}
}

// Put caches st under key (with tag) unless: the fill ended or was voided,
// key or tag was invalidated or updated since [Cache.BeginFill], key is
// cached already or being loaded (that state is as new or newer), or the
// cache is full (a fill evicts nothing). It reports whether st was cached.
// Put does not count as a hit or a miss.
func (f *Fill) Put(key, tag string, st consent.State) bool { return f.PutMeta(key, tag, st, nil) }

// PutMeta is [Fill.Put] that also keeps st's meta (see [Cache.PutMeta]).
func (f *Fill) PutMeta(key, tag string, st consent.State, meta any) bool {
	if f == nil {
		return false
	}
	c := f.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.void || f.done || len(c.items) >= c.max {
		return false
	}
	if _, ok := f.keys[key]; ok {
		return false
	}
	if _, ok := f.tags[tag]; ok && tag != "" {
		return false
	}
	if _, ok := c.items[key]; ok {
		return false
	}
	if _, ok := c.loading[key]; ok {
		return false
	}
	if tag != "" {
		if k, ok := c.tags[tag]; ok && k != key {
			return false // tag names another key: leave it alone
		}
		c.tags[tag] = key
	}
	c.gen++
	// At the back: states a fill brings are the first to go when traffic
	// needs room. Its front is set as if it went there long ago, so that
	// its first use moves it (see touch).
	e := &entry{key: key, tag: tag, st: st, meta: meta, gen: c.gen, front: c.fronts - uint64(c.max)}
	c.lru.pushBack(e)
	c.items[key] = e
	return true
}

// Room returns how many more states the cache holds before it is full,
// and 0 once the fill is over (ended or voided).
func (f *Fill) Room() int {
	if f == nil {
		return 0
	}
	c := f.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.void || f.done {
		return 0
	}
	return max(c.max-len(c.items), 0)
}

// Voided reports whether a [Cache.Clear] (or more invalidations than the
// fill can track) ended the fill early.
func (f *Fill) Voided() bool {
	if f == nil {
		return false
	}
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	return f.void
}

// End stops recording for the fill; later Puts cache nothing. It is safe
// to call more than once.
func (f *Fill) End() {
	if f == nil {
		return
	}
	c := f.c
	c.mu.Lock()
	defer c.mu.Unlock()
	f.done = true
	delete(c.fills, f)
	f.keys, f.tags = nil, nil
}

// InvalidateTagForRefresh is [Cache.InvalidateTag] that, when a state
// was cached, also takes a ticket for reading it again (see
// [Cache.Refresh]) in the same step, so that any later invalidation of
// the key (another change, a [Cache.Invalidate] dropping the user, a
// [Cache.Clear]) voids the refresh. It returns nil when no state was
// cached.
func (c *Cache) InvalidateTagForRefresh(tag string) *Ticket {
	if c == nil || tag == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.noteFills("", tag)
	k, ok := c.tags[tag]
	if !ok {
		return nil
	}
	_, cached := c.items[k]
	c.invalidate(k)
	if !cached {
		return nil
	}
	if len(c.loading) >= c.max {
		return nil // see Begin: loads that never came back
	}
	t := &Ticket{key: k, tag: tag}
	c.loading[k] = t
	c.tags[tag] = k
	return t
}

// Key returns the key t was taken for.
func (t *Ticket) Key() string { return t.key }

// Refresh reads t's key again with read and caches the state, as a Load
// that missed would, without counting a miss, unless t was voided since
// it was taken ([Cache.InvalidateTagForRefresh]) or a Load already reads
// (or read) under it: then it returns at once, without reading. Loads of
// the key that come while it reads join its read, under the same rule as
// Load's. It reports whether it cached a state.
func (c *Cache) Refresh(t *Ticket, read func() (consent.State, error)) bool {
	return c.RefreshMeta(t, func() (consent.State, any, error) {
		st, err := read()
		return st, nil, err
	})
}

// RefreshMeta is [Cache.Refresh] whose read also returns the state's meta.
func (c *Cache) RefreshMeta(t *Ticket, read func() (consent.State, any, error)) bool {
	if c == nil || t == nil {
		return false
	}
	f := &flight{done: make(chan struct{})}
	c.mu.Lock()
	if c.loading[t.key] != t || t.flight != nil {
		c.mu.Unlock()
		return false
	}
	t.flight = f
	c.mu.Unlock()
	return c.fly(t, f, func(*Ticket) (consent.State, any, error) { return read() })
}

// fly reads under t, whose flight f the caller has just set, caches
// the state unless t was voided meanwhile (or forgets t when the read
// failed), and lands f for the Loads that joined it. It reports whether
// the state was cached.
func (c *Cache) fly(t *Ticket, f *flight, read func(*Ticket) (consent.State, any, error)) bool {
	st, meta, err := read(t)
	cached := err == nil && c.PutMeta(t, st, meta)
	if err != nil {
		c.abandon(t)
	}
	f.st, f.meta, f.err = st, meta, err
	close(f.done)
	return cached
}

// RefreshLatest is [Cache.RefreshMeta] for whichever ticket t's key
// holds now: a refresh queued under t that a later change replaced
// ([Cache.InvalidateTagForDelta] hands the base on to a new ticket) reads
// under the replacement, passed to read, so a user that changes faster
// than a queue of refreshes moves is still read rather than skipped at
// every turn. It returns at once, without reading, when the key has no
// ticket (its state was cached since, or it was dropped: a dropped user
// never comes back by a refresh) or its ticket is already being read.
func (c *Cache) RefreshLatest(t *Ticket, read func(*Ticket) (consent.State, any, error)) bool {
	if c == nil || t == nil {
		return false
	}
	f := &flight{done: make(chan struct{})}
	c.mu.Lock()
	cur := c.loading[t.key]
	if cur != nil {
		cur.queued = false // this queue entry is taken up
	}
	if cur == nil || cur.flight != nil {
		c.mu.Unlock()
		return false
	}
	cur.flight = f
	c.mu.Unlock()
	return c.fly(cur, f, read)
}

// MarkQueued notes that a refresh of t's key is about to be queued under
// t, and reports whether one should be: not when t is no longer the
// key's ticket, or a refresh queued earlier and not yet taken up will read
// under t anyway (see [Cache.RefreshLatest]), so a hot user has at most
// one refresh queued and one reading. A caller that then fails to queue
// calls [Cache.Unqueued].
func (c *Cache) MarkQueued(t *Ticket) bool {
	if c == nil || t == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loading[t.key] != t || t.queued {
		return false
	}
	t.queued = true
	return true
}

// Unqueued takes back a [Cache.MarkQueued] whose refresh was not queued.
func (c *Cache) Unqueued(t *Ticket) {
	if c == nil || t == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loading[t.key] == t {
		t.queued = false
	}
}

// InvalidateTagForDelta is [Cache.InvalidateTagForRefresh] for a store
// that can bring a state forward by reading only what it lacks. holds
// tells from a state's meta whether the state already holds the change
// being announced; it is called under the cache's lock and must be quick.
//
//   - A cached state whose meta holds the change stays cached (no miss);
//     tickets taken for the key are voided all the same, so a load that
//     read before the change can never cache its older state.
//   - A cached state whose meta does not: it is dropped (under
//     SetMaxStale kept, marked stale) and the ticket returned carries it
//     and its meta ([Cache.Base]) for the refresh to bring forward.
//   - No state cached, but a refresh of that kind is pending: it is
//     voided and a new ticket with the same base is returned, so one
//     refresh brings the state past both changes.
//   - Otherwise as InvalidateTagForRefresh (a ticket without a base when
//     a state with nil meta was cached, else nil).
func (c *Cache) InvalidateTagForDelta(tag string, holds func(meta any) bool) *Ticket {
	if c == nil || tag == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.noteFills("", tag)
	k, ok := c.tags[tag]
	if !ok {
		return nil
	}
	return c.invalidateForDelta(k, holds, true, true)
}

// invalidateForDelta is InvalidateTagForDelta for key k; without plain,
// a state with nil meta is only dropped (no ticket for a whole read).
// With keep (an announcement from elsewhere, and SetMaxStale's d > 0) a
// delta-capable state stays cached, marked stale, to answer Load while
// the refresh runs. c.mu must be held.
func (c *Cache) invalidateForDelta(k string, holds func(meta any) bool, plain, keep bool) *Ticket {
	var (
		base consent.State
		meta any
		tag  string
		id   uint64
		e    *entry
	)
	e = c.items[k]
	pending, ok := c.loading[k]
	queued := ok && pending.queued && pending.flight == nil
	if !ok || pending.baseMeta == nil {
		pending = nil
	}
	switch {
	case e != nil && !e.stale() && e.meta != nil && holds(e.meta):
		c.voidTicket(k, e.tag)
		c.noteFills(k, "")
		return nil
	case e != nil && !e.stale():
		if e.meta == nil && !plain {
			c.invalidate(k)
			return nil
		}
		base, meta, tag, id = e.st, e.meta, e.tag, c.nextBaseID()
	case pending != nil:
		// The newest base: a stale entry's refresh may have been handed
		// a newer one (see PutMeta).
		base, meta, tag, id = pending.base, pending.baseMeta, pending.tag, pending.baseID
	case e != nil: // stale, its refresh dropped
		base, meta, tag, id = e.st, e.meta, e.tag, c.nextBaseID()
	default:
		c.invalidate(k)
		return nil
	}
	if keep && c.maxStale > 0 && e != nil && meta != nil {
		c.noteFills(k, "")
		c.voidTicket(k, tag)
		if !e.stale() {
			e.staleAt = time.Now()
		}
	} else {
		c.invalidate(k)
	}
	if len(c.loading) >= c.max {
		// See Begin: loads that never came back. No room for the
		// refresh: the state is dropped rather than kept stale.
		c.invalidate(k)
		return nil
	}
	t := &Ticket{key: k, tag: tag, base: base, baseMeta: meta, baseID: id, queued: queued}
	c.loading[k] = t
	if tag != "" {
		c.tags[tag] = k
	}
	return t
}

// restale gives the stale entry e the writer's state st (e's state with
// the writer's events applied) and meta, and a new refresh ticket in
// place of its pending one, which may have read before the writer's
// commit: e goes on answering as SetMaxStale allows (it lacks another
// instance's change, not the writer's own), until the new refresh, which
// reads after the commit, brings it forward past both. It returns nil
// when there is no base to refresh from, or no room for a ticket: the
// caller must then drop e. c.mu must be held.
func (c *Cache) restale(e *entry, st consent.State, meta any) *Ticket {
	t := &Ticket{key: e.key, tag: e.tag}
	if p, ok := c.loading[e.key]; ok && p.flight == nil {
		t.queued = p.queued
	}
	if meta != nil {
		t.base, t.baseMeta, t.baseID = st, meta, c.nextBaseID()
	} else if p, ok := c.loading[e.key]; ok && p.baseMeta != nil {
		t.base, t.baseMeta, t.baseID = p.base, p.baseMeta, p.baseID
	} else {
		return nil
	}
	c.voidTicket(e.key, e.tag)
	if len(c.loading) >= c.max {
		return nil // see Begin; the caller drops e
	}
	c.gen++
	e.st, e.meta, e.gen = st, meta, c.gen
	c.noteFills(e.key, "")
	c.loading[e.key] = t
	if t.tag != "" {
		c.tags[t.tag] = e.key
	}
	return t
}

// UpdateMetaOrDelta is [Cache.UpdateMeta] for a writer that can tell from
// a state's meta whether it holds the writer's change (holds, as for
// [Cache.InvalidateTagForDelta]), so that a state replaced since gen
// (a refresh or a read landed during the writer's commit) need not be
// dropped:
//
//   - a state whose meta holds the change stays as it is;
//   - one whose meta does not, or the state of gen itself, takes apply's
//     change, as UpdateMeta would;
//   - where apply refuses, or a replaced state has no meta, the state is
//     dropped and, when a base is known, returned in a ticket for a
//     delta refresh (as InvalidateTagForDelta does), so that the user is
//     brought forward rather than read whole.
//
// A state kept stale under SetMaxStale takes apply's change and stays
// stale, with a new ticket for its refresh in place of the pending one.
// Tickets taken before the call are voided in every case. It reports
// whether apply's state was cached, and returns the ticket (nil if
// none).
func (c *Cache) UpdateMetaOrDelta(key string, gen uint64, apply func(consent.State, any) (consent.State, any, bool), holds func(meta any) bool) (bool, *Ticket) {
	if c == nil {
		return false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.updateMetaOrDelta(key, gen, apply, holds)
}

// UpdateMetaIfCached is [Cache.UpdateMetaOrDelta] (with no generation)
// for a change another writer announced with its content: it acts only
// when key has a cached state with meta, and reports whether it did
// (handled); otherwise it changes nothing, and the caller announces the
// change as it would without the content (an invalidation).
func (c *Cache) UpdateMetaIfCached(key string, apply func(consent.State, any) (consent.State, any, bool), holds func(meta any) bool) (handled, updated bool, t *Ticket) {
	if c == nil {
		return false, false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; !ok || e.meta == nil {
		return false, false, nil
	}
	updated, t = c.updateMetaOrDelta(key, 0, apply, holds)
	return true, updated, t
}

// updateMetaOrDelta is UpdateMetaOrDelta; c.mu must be held.
func (c *Cache) updateMetaOrDelta(key string, gen uint64, apply func(consent.State, any) (consent.State, any, bool), holds func(meta any) bool) (bool, *Ticket) {
	if e, ok := c.items[key]; ok {
		held := e.meta != nil && holds(e.meta)
		switch {
		case held && !e.stale():
			c.voidTicket(key, e.tag)
			c.noteFills(key, "")
			return false, nil
		case held:
			if t := c.restale(e, e.st, e.meta); t != nil {
				return false, t
			}
		case e.meta != nil || (gen != 0 && e.gen == gen):
			if st, meta, ok := apply(e.st, e.meta); ok {
				if !e.stale() {
					c.voidTicket(key, e.tag)
					c.gen++
					e.st, e.meta, e.gen = st, meta, c.gen
					c.noteFills(key, "")
					return true, nil
				}
				if t := c.restale(e, st, meta); t != nil {
					return true, t
				}
			}
		}
	}
	c.noteFills(key, "")
	return false, c.invalidateForDelta(key, holds, false, false)
}

// Base returns the state a delta refresh's ticket t brings forward and
// its meta, while t is live; meta is nil for a plain refresh (which
// reads the state whole) and once t was voided or used.
func (c *Cache) Base(t *Ticket) (consent.State, any) {
	if c == nil || t == nil {
		return consent.State{}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return t.base, t.baseMeta
}

// GetMeta returns key's cached state and its meta without counting a hit
// or moving it in the LRU (for tests and monitoring).
func (c *Cache) GetMeta(key string) (consent.State, any, bool) {
	if c == nil {
		return consent.State{}, nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return consent.State{}, nil, false
	}
	return e.st, e.meta, true
}
