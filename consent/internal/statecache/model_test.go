package statecache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yasam/privacy/consent"
)

// TestCacheModel drives the cache as pgstore does, in random
// interleavings, against a model of the database: other instances'
// commits announced with their events (applyEvents: UpdateMetaIfCached)
// or by tag alone (changed: InvalidateTagForDelta), this instance's own
// commits (Version before, UpdateMetaOrDelta after: writeThrough),
// Loads whose reads block until the model lets them land (so that reads
// overlap, join each other's flights, and are voided), StateAtLeast's
// reads under a ticket of their own (Begin, PutMeta or Abandon),
// background refreshes (MarkQueued, RefreshLatest), warm-up fills, drops
// and reconnects (Clear). A state's meta is the set of transactions it
// holds: those its snapshot saw and those applied on top of it.
//
// After every step it checks the property a consent withdrawal rests on:
// no fresh cached state lacks a transaction this instance has been told
// of (an announcement delivered, or its own commit written through), and
// no Load answers without one it had been told of when it was called.
// Under SetMaxStale a stale state may answer, but never one lacking this
// instance's own commits. And no meta claims a transaction its state
// lacks, or a delta refresh from it would never bring that one in.
//
// The interleavings do not depend on timing: the model waits after each
// step until every call it started has returned, is reading, or waits
// for another's read, so a seed replays the same run: rerun a failing
// one alone with -run 'TestCacheModel/^N$'. Set PRIVACY_STATECACHE_SEEDS
// to run more seeds than the default.
func TestCacheModel(t *testing.T) {
	seeds := 1500
	if testing.Short() {
		seeds = 150
	}
	if s := os.Getenv("PRIVACY_STATECACHE_SEEDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			t.Fatalf("PRIVACY_STATECACHE_SEEDS=%q: want a number of seeds", s)
		}
		seeds = n
	}
	for seed := range uint64(seeds) {
		if !t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) { runModel(t, seed) }) {
			break
		}
	}
}

// modelSteps is how many random steps one seed takes.
const modelSteps = 120

// modelKeys are the model's users: few, so that their changes, loads and
// refreshes overlap often.
var modelKeys = []string{"a", "b", "c"}

func modelTag(key string) string { return "tag-" + key }

// modelEvent is the one event of transaction xid, which changed key.
func modelEvent(key string, xid int) consent.Event {
	return consent.Grant(key, "p", "r"+strconv.Itoa(xid), time.Unix(int64(xid), 0))
}

// holdsXID reports whether st holds transaction xid's event.
func holdsXID(st consent.State, xid int) bool {
	g, ok := st.Grant("p", "r"+strconv.Itoa(xid))
	return ok && g.Granted
}

// modelMeta is the model's meta of a state: the transactions committed
// when its snapshot was taken, and those applied to it since (a writer's
// own, or announced with their events).
type modelMeta struct {
	snap    map[int]bool // never changed once taken
	applied []int
}

func (m *modelMeta) holds(xid int) bool { return m.snap[xid] || slices.Contains(m.applied, xid) }

func (m *modelMeta) with(xid int) *modelMeta {
	return &modelMeta{snap: m.snap, applied: append(slices.Clone(m.applied), xid)}
}

// holdsFunc is the holds argument of the cache's delta methods for xid.
func holdsFunc(xid int) func(any) bool {
	return func(m any) bool { return m.(*modelMeta).holds(xid) }
}

// readPlan is a read's random choices, drawn on the test goroutine
// before the read runs on another: whether a delta read falls back to a
// whole one (as pgstore's does when a new row shares an instant with
// another), and whether a whole read comes without meta (no snapshot).
type readPlan struct{ whole, noMeta bool }

// modelCall is a Load or a RefreshLatest running on a goroutine of its
// own; its read blocks until the model releases it (or the seed ends).
type modelCall struct {
	name  string // "Load" or "Refresh", for the log
	key   string
	known []int // transactions a Load's answer must hold
	plan  readPlan
	// pause and resume are set for a Load that stops after it missed,
	// before it looks for a read to join: it closes pause and waits for
	// resume.
	pause, resume chan struct{}
	entered       chan struct{} // closed once the read is done; it then waits for release
	joined        chan struct{} // closed when a Load waits for another's read
	release       chan struct{}
	finished      chan struct{}
	st            consent.State // a Load's answer, once finished
	err           error
	// Kept by the test goroutine alone.
	paused, released bool
}

// joinSignal is a modelled Load's context, which never ends: LoadMeta
// looks at its context only while it waits for another caller's read, so
// a call of Done tells that the Load joined a read in flight.
type joinSignal struct {
	context.Context
	once   sync.Once
	joined chan struct{}
}

func (j *joinSignal) Done() <-chan struct{} {
	j.once.Do(func() { close(j.joined) })
	return nil
}

// announcement is another instance's commit, on its way to this
// instance's listener.
type announcement struct {
	key    string
	xid    int
	events bool // its events come with it (applyEvents), else its tag alone
}

// ownWrite is this instance's commit under way: the version of the
// cached state taken before it, and its transaction once committed
// (0 before).
type ownWrite struct {
	key string
	gen uint64
	xid int
}

// manualRead is a StateAtLeast's read under a ticket of its own, read
// and waiting to be put.
type manualRead struct {
	t    *Ticket
	st   consent.State
	meta any
}

type readResult struct {
	st   consent.State
	meta any
}

type model struct {
	t     *testing.T
	seed  uint64
	rng   *rand.Rand // the test goroutine's alone
	c     *Cache
	stale bool // SetMaxStale is on

	// The database. Reads may run on other goroutines.
	mu        sync.Mutex
	rows      map[string][]int // each key's transactions, in commit order
	committed map[int]bool     // every committed transaction
	lastXID   int

	known map[string]map[int]bool // announcements delivered, own commits written through
	own   map[string]map[int]bool // own commits written through
	// Announcements not yet delivered, in commit order.
	pending []announcement
	queue   []*Ticket // refreshes queued and not yet taken up

	calls []*modelCall // not yet finished
	stop  chan struct{}
	wg    sync.WaitGroup

	write     *ownWrite
	manual    []manualRead
	fill      *Fill
	fillReads map[string]readResult // the fill's scan, once read
	log       []string
}

func runModel(t *testing.T, seed uint64) {
	size, stale := 1+int(seed%3), seed%2 == 1
	m := &model{
		t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 7)), c: New(size), stale: stale,
		rows: map[string][]int{}, committed: map[int]bool{},
		known: map[string]map[int]bool{}, own: map[string]map[int]bool{},
		stop: make(chan struct{}),
	}
	if stale {
		m.c.SetMaxStale(time.Hour)
	}
	for _, k := range modelKeys {
		m.known[k] = map[int]bool{}
		m.own[k] = map[int]bool{}
	}
	defer m.stopAll() // on a failure too
	for range modelSteps {
		k := modelKeys[m.rng.IntN(len(modelKeys))]
		switch r := m.rng.IntN(100); {
		case r < 14:
			m.startLoad(k)
		case r < 18:
			m.resume()
		case r < 28:
			m.land()
		case r < 37:
			m.otherCommit(k)
		case r < 50:
			m.deliver()
		case r < 62:
			m.ownStep()
		case r < 71:
			m.startRefresh()
		case r < 77:
			m.manualStart(k)
		case r < 83:
			m.manualEnd()
		case r < 88:
			m.fillStep()
		case r < 90:
			m.c.Invalidate(k)
			m.logf("drop %s", k)
		case r < 91:
			m.reconnect()
		default:
			_, hit := m.c.Get(k)
			m.logf("Get(%s) hit=%v", k, hit)
		}
		m.collect()
		m.check()
	}
	for m.resume() || m.land() {
		m.collect()
		m.check()
	}
	m.stopAll() // and the Loads that joined the last reads return
	m.collect()
}

// stopAll lets every read go, paused or not, and waits until every call
// has returned.
func (m *model) stopAll() {
	if !closed(m.stop) {
		close(m.stop)
	}
	m.wg.Wait()
}

func (m *model) logf(format string, args ...any) {
	m.log = append(m.log, fmt.Sprintf(format, args...))
}

// fail ends the seed with the steps that led to the failure.
func (m *model) fail(format string, args ...any) {
	m.t.Helper()
	steps := m.log[max(len(m.log)-60, 0):]
	m.t.Fatalf("seed %d (cache of %d, stale states kept: %v): %s\nlast %d steps:\n\t%s",
		m.seed, m.c.max, m.stale, fmt.Sprintf(format, args...), len(steps), strings.Join(steps, "\n\t"))
}

func sorted(set map[int]bool) []int {
	out := make([]int, 0, len(set))
	for x := range set {
		out = append(out, x)
	}
	slices.Sort(out)
	return out
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func (m *model) plan() readPlan {
	return readPlan{whole: m.rng.IntN(5) == 0, noMeta: m.rng.IntN(10) == 0}
}

// read reads key as pgstore's reread does: from the base a delta ticket
// carries, only the rows its meta lacks; else whole.
func (m *model) read(key string, base consent.State, baseMeta any, p readPlan) (consent.State, any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if bm, ok := baseMeta.(*modelMeta); ok {
		var missing []int
		for _, x := range m.rows[key] {
			if !bm.holds(x) {
				missing = append(missing, x)
			}
		}
		if len(missing) == 0 {
			return base, bm
		}
		if !p.whole {
			st := base
			for _, x := range missing {
				st = st.Apply(modelEvent(key, x))
			}
			return st, m.snapshot()
		}
	}
	st := consent.NewState(key)
	for _, x := range m.rows[key] {
		st = st.Apply(modelEvent(key, x))
	}
	if p.noMeta {
		return st, nil
	}
	return st, m.snapshot()
}

// snapshot returns the meta of a read now. m.mu must be held.
func (m *model) snapshot() *modelMeta {
	snap := make(map[int]bool, len(m.committed))
	for x := range m.committed {
		snap[x] = true
	}
	return &modelMeta{snap: snap}
}

func (m *model) commit(key string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastXID++
	m.rows[key] = append(m.rows[key], m.lastXID)
	m.committed[m.lastXID] = true
	return m.lastXID
}

// newCall returns a call whose goroutine the caller starts.
func (m *model) newCall(name, key string, known []int) *modelCall {
	return &modelCall{
		name: name, key: key, known: known, plan: m.plan(),
		entered: make(chan struct{}), release: make(chan struct{}), finished: make(chan struct{}),
	}
}

// blockedRead is a call's read under t: it reads, then waits to be
// released.
func (m *model) blockedRead(call *modelCall, t *Ticket) (consent.State, any, error) {
	var (
		base     consent.State
		baseMeta any
	)
	if t != nil {
		base, baseMeta = m.c.Base(t)
	}
	st, meta := m.read(call.key, base, baseMeta, call.plan)
	close(call.entered)
	select {
	case <-call.release:
	case <-m.stop:
	}
	return st, meta, nil
}

// settle waits until call has returned, reads, or waits for another's
// read.
func (m *model) settle(call *modelCall) {
	select {
	case <-call.entered:
	case <-call.joined:
	case <-call.finished:
	}
}

func (m *model) startLoad(key string) {
	known := m.known[key]
	if m.stale {
		known = m.own[key] // it may answer stale
	}
	call := m.newCall("Load", key, sorted(known))
	call.joined = make(chan struct{})
	if m.rng.IntN(3) == 0 {
		call.pause, call.resume = make(chan struct{}), make(chan struct{})
	}
	m.calls = append(m.calls, call)
	ctx := &joinSignal{Context: context.Background(), joined: call.joined}
	tagOf := func() string {
		if call.pause != nil {
			close(call.pause)
			select {
			case <-call.resume:
			case <-m.stop:
			}
		}
		return modelTag(key)
	}
	m.wg.Go(func() {
		defer close(call.finished)
		call.st, call.err = m.c.LoadMeta(ctx, key, tagOf, func(t *Ticket) (consent.State, any, error) {
			return m.blockedRead(call, t)
		})
	})
	if call.pause == nil {
		m.settle(call)
		m.logf("Load(%s) must hold %v: %s", key, call.known, m.course(call))
		return
	}
	select {
	case <-call.pause:
		call.paused = true
		m.logf("Load(%s) must hold %v: missed, paused", key, call.known)
	case <-call.finished:
		m.logf("Load(%s) must hold %v: hit", key, call.known)
	}
}

// course says what a settled call does.
func (m *model) course(call *modelCall) string {
	switch {
	case closed(call.entered):
		return "reads"
	case closed(call.joined):
		return "joined a read"
	default:
		return "returned"
	}
}

// takeAny removes one element of *s, at random, and returns it; ok is
// false when *s is empty.
func takeAny[T any](rng *rand.Rand, s *[]T) (v T, ok bool) {
	if len(*s) == 0 {
		return v, false
	}
	i := rng.IntN(len(*s))
	v = (*s)[i]
	*s = slices.Delete(*s, i, i+1)
	return v, true
}

// pickCall returns one of the unfinished calls for which ok holds, at
// random, or nil if there is none.
func (m *model) pickCall(ok func(*modelCall) bool) *modelCall {
	var some []*modelCall
	for _, call := range m.calls {
		if ok(call) {
			some = append(some, call)
		}
	}
	if len(some) == 0 {
		return nil
	}
	return some[m.rng.IntN(len(some))]
}

// resume lets a paused Load go on, and reports whether there was one.
func (m *model) resume() bool {
	call := m.pickCall(func(call *modelCall) bool { return call.paused })
	if call == nil {
		return false
	}
	call.paused = false
	close(call.resume)
	m.settle(call)
	m.logf("Load(%s) resumed: %s", call.key, m.course(call))
	return true
}

// land lets a read return, waits for its call, and reports whether there
// was one.
func (m *model) land() bool {
	call := m.pickCall(func(call *modelCall) bool { return !call.released && closed(call.entered) })
	if call == nil {
		return false
	}
	call.released = true
	close(call.release)
	<-call.finished
	m.logf("%s(%s) lands", call.name, call.key)
	return true
}

// collect checks the answers of the calls that returned.
func (m *model) collect() {
	m.calls = slices.DeleteFunc(m.calls, func(call *modelCall) bool {
		if !closed(call.finished) {
			return false
		}
		if call.err != nil {
			m.fail("%s(%s): %v", call.name, call.key, call.err)
		}
		for _, x := range call.known {
			if !holdsXID(call.st, x) {
				m.fail("%s(%s) answered without transaction %d, told of before it was called (%v)", call.name, call.key, x, call.known)
			}
		}
		return true
	})
}

func (m *model) startRefresh() {
	t, ok := takeAny(m.rng, &m.queue)
	if !ok {
		return
	}
	call := m.newCall("Refresh", t.Key(), nil)
	m.calls = append(m.calls, call)
	m.wg.Go(func() {
		defer close(call.finished)
		m.c.RefreshLatest(t, func(cur *Ticket) (consent.State, any, error) { return m.blockedRead(call, cur) })
	})
	m.settle(call)
	m.logf("Refresh(%s): %s", t.Key(), m.course(call))
}

// schedule queues a refresh under t as pgstore's scheduleRefresh does,
// the queue full now and then.
func (m *model) schedule(t *Ticket) {
	if t == nil || !m.c.MarkQueued(t) {
		return
	}
	if m.rng.IntN(8) == 0 {
		m.c.Unqueued(t)
		m.logf("refresh of %s not queued: queue full", t.Key())
		return
	}
	m.queue = append(m.queue, t)
}

func (m *model) otherCommit(key string) {
	xid := m.commit(key)
	m.pending = append(m.pending, announcement{key: key, xid: xid, events: m.rng.IntN(2) == 0})
	m.logf("other instance commits %d on %s", xid, key)
}

// deliver hands the listener the next announcement, as pgstore's
// applyEvents and changed do.
func (m *model) deliver() {
	if len(m.pending) == 0 {
		return
	}
	a := m.pending[0]
	m.pending = m.pending[1:]
	handled := false
	if a.events {
		var (
			updated bool
			t       *Ticket
		)
		handled, updated, t = m.c.UpdateMetaIfCached(a.key, func(st consent.State, meta any) (consent.State, any, bool) {
			// Now and then the meta cannot list one more transaction.
			return st.Apply(modelEvent(a.key, a.xid)), meta.(*modelMeta).with(a.xid), m.rng.IntN(6) != 0
		}, holdsFunc(a.xid))
		m.schedule(t)
		m.logf("deliver %d on %s with events: handled=%v updated=%v refresh=%v", a.xid, a.key, handled, updated, t != nil)
	}
	if !handled {
		t := m.c.InvalidateTagForDelta(modelTag(a.key), holdsFunc(a.xid))
		m.schedule(t)
		m.logf("deliver %d on %s by tag: refresh=%v", a.xid, a.key, t != nil)
	}
	m.known[a.key][a.xid] = true
}

// ownStep takes this instance's commit one step further: the version
// before, the commit, the write-through after.
func (m *model) ownStep() {
	switch w := m.write; {
	case w == nil:
		key := modelKeys[m.rng.IntN(len(modelKeys))]
		m.write = &ownWrite{key: key, gen: m.c.Version(key)}
		m.logf("own write to %s: version %d", key, m.write.gen)
	case w.xid == 0:
		w.xid = m.commit(w.key)
		m.logf("own commit %d on %s", w.xid, w.key)
	default:
		updated, t := m.c.UpdateMetaOrDelta(w.key, w.gen, func(st consent.State, meta any) (consent.State, any, bool) {
			st = st.Apply(modelEvent(w.key, w.xid))
			if m.rng.IntN(6) == 0 {
				return st, nil, false // an event of an instant the state holds
			}
			if mm, ok := meta.(*modelMeta); ok {
				return st, mm.with(w.xid), true
			}
			return st, nil, true
		}, holdsFunc(w.xid))
		m.schedule(t)
		m.known[w.key][w.xid] = true
		m.own[w.key][w.xid] = true
		m.write = nil
		m.logf("own write-through %d on %s: updated=%v refresh=%v", w.xid, w.key, updated, t != nil)
	}
}

func (m *model) manualStart(key string) {
	t := m.c.Begin(key, modelTag(key))
	base, baseMeta := m.c.Base(t)
	st, meta := m.read(key, base, baseMeta, m.plan())
	m.manual = append(m.manual, manualRead{t: t, st: st, meta: meta})
	m.logf("StateAtLeast(%s) reads", key)
}

func (m *model) manualEnd() {
	r, ok := takeAny(m.rng, &m.manual)
	if !ok {
		return
	}
	if m.rng.IntN(5) == 0 {
		m.c.Abandon(r.t)
		m.logf("StateAtLeast(%s) abandons", r.t.Key())
		return
	}
	cached := m.c.PutMeta(r.t, r.st, r.meta)
	m.logf("StateAtLeast(%s) puts: cached=%v", r.t.Key(), cached)
}

// fillStep takes a warm-up one step further: begin, scan, put.
func (m *model) fillStep() {
	switch {
	case m.fill == nil:
		m.fill = m.c.BeginFill()
		m.logf("fill begins")
	case m.fillReads == nil:
		m.fillReads = map[string]readResult{}
		for _, k := range modelKeys {
			st, meta := m.read(k, consent.State{}, nil, m.plan())
			m.fillReads[k] = readResult{st, meta}
		}
		m.logf("fill scans")
	default:
		for _, k := range modelKeys {
			r := m.fillReads[k]
			ok := m.fill.PutMeta(k, modelTag(k), r.st, r.meta)
			m.logf("fill puts %s: cached=%v", k, ok)
		}
		m.fill.End()
		m.fill, m.fillReads = nil, nil
	}
}

// reconnect models a lost listener: the announcements on the way are
// lost, and the cache is cleared, so every commit counts as told of.
func (m *model) reconnect() {
	m.c.Clear()
	m.pending = nil
	m.mu.Lock()
	for _, k := range modelKeys {
		for _, x := range m.rows[k] {
			m.known[k][x] = true
		}
	}
	m.mu.Unlock()
	m.logf("listener reconnects: cache cleared")
}

// check checks every cached state against what this instance was told
// of, and every cached state and refresh base against its meta.
func (m *model) check() {
	type cached struct {
		st    consent.State
		meta  any
		stale bool
	}
	states, bases := map[string]cached{}, map[string]readResult{}
	m.c.mu.Lock()
	for k, e := range m.c.items {
		states[k] = cached{e.st, e.meta, e.stale()}
	}
	for k, t := range m.c.loading {
		bases[k] = readResult{t.base, t.baseMeta}
	}
	m.c.mu.Unlock()
	for _, k := range modelKeys {
		e, ok := states[k]
		if !ok {
			continue
		}
		must, what := m.known[k], "which this instance was told of"
		if e.stale {
			must, what = m.own[k], "this instance's own"
		}
		for _, x := range sorted(must) {
			if !holdsXID(e.st, x) {
				m.fail("the cached state of %s (stale: %v) lacks transaction %d, %s (told of %v, committed %v)", k, e.stale, x, what, sorted(m.known[k]), m.rows[k])
			}
		}
		m.checkMeta("cached state", k, e.st, e.meta)
	}
	for _, k := range modelKeys {
		if b, ok := bases[k]; ok {
			m.checkMeta("refresh base", k, b.st, b.meta)
		}
	}
}

// checkMeta checks that meta claims no transaction of key that st lacks.
func (m *model) checkMeta(what, key string, st consent.State, meta any) {
	mm, ok := meta.(*modelMeta)
	if !ok {
		return
	}
	for _, x := range m.rows[key] {
		if mm.holds(x) && !holdsXID(st, x) {
			m.fail("the meta of %s's %s claims transaction %d, which the state lacks", key, what, x)
		}
	}
}
