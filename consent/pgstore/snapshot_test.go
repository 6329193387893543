package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

func TestParseSnapshot(t *testing.T) {
	for _, tc := range []struct {
		text    string
		ok      bool
		visible []uint64
		not     []uint64
	}{
		{"10:10:", true, []uint64{1, 9}, []uint64{10, 11}},
		{"10:20:12,15", true, []uint64{9, 10, 11, 19}, []uint64{12, 15, 20, 21}},
		{"", false, nil, nil},
		{"10:20", false, nil, nil},
		{"20:10:", false, nil, nil},
		{"10:20:25", false, nil, nil},
		{"10:20:5", false, nil, nil},
		{"a:20:", false, nil, nil},
		{"10:20:12,,15", false, nil, nil},
	} {
		t.Run(tc.text, func(t *testing.T) {
			p, err := parseSnapshot(tc.text)
			if !tc.ok {
				assert.Error(t, err)
				assert.Nil(t, metaOf(tc.text))
				return
			}
			require.NoError(t, err)
			for _, x := range tc.visible {
				assert.True(t, p.visible(x), "xid %d", x)
			}
			for _, x := range tc.not {
				assert.False(t, p.visible(x), "xid %d", x)
			}
		})
	}
}

func FuzzParseSnapshot(f *testing.F) {
	for _, s := range []string{"10:10:", "10:20:12,15", "1:2:", "0:0:", "10:20:25", ":::", "18446744073709551615:18446744073709551615:"} {
		f.Add(s, uint64(12))
	}
	f.Fuzz(func(t *testing.T, text string, xid uint64) {
		p, err := parseSnapshot(text)
		if err != nil {
			return
		}
		// What the snapshot sees agrees with its bounds.
		switch {
		case xid < p.xmin:
			assert.True(t, p.visible(xid))
		case xid >= p.xmax:
			assert.False(t, p.visible(xid))
		}
		for _, x := range p.xip {
			assert.False(t, p.visible(x))
		}
	})
}

func TestStateMetaHolds(t *testing.T) {
	m := metaOf("10:20:12")
	require.NotNil(t, m)
	assert.False(t, m.holds(0), "an unknown transaction counts as held")
	assert.True(t, m.holds(11))
	assert.False(t, m.holds(12))
	m2 := m.withOwn(12)
	assert.True(t, m2.holds(12))
	assert.False(t, m.holds(12), "withOwn changed the original")
	assert.Equal(t, []string{"12"}, m2.ownArg())
	for i := range maxOwn - 1 {
		m2 = m2.withOwn(uint64(30 + i))
		require.NotNil(t, m2)
	}
	assert.Nil(t, m2.withOwn(99), "own list grew past its bound")
}

// xidOf returns the transaction a token names.
func xidOf(t *testing.T, tok consent.Token) uint64 {
	t.Helper()
	i := strings.LastIndexByte(string(tok), '.')
	x, err := strconv.ParseUint(string(tok)[i+1:], 10, 64)
	require.NoError(t, err)
	return x
}

// cachedMeta waits until user is cached in s and returns its state and
// meta.
func cachedMeta(t *testing.T, s *Store, user string) (consent.State, *stateMeta) {
	t.Helper()
	var st consent.State
	var meta any
	require.Eventually(t, func() bool {
		var ok bool
		st, meta, ok = s.cache.GetMeta(user)
		return ok
	}, 5*time.Second, time.Millisecond, "not cached again")
	m, _ := meta.(*stateMeta)
	return st, m
}

// TestDeltaRefresh shows the delta refresh: when another instance changes
// a cached user, the instance reads only the rows its state lacks and
// ends with the log's state, event count included, so nothing is applied
// twice: not the rows its snapshot saw, not its own appends applied by
// write-through; a row dated at an instant the state holds sends it to a
// whole read.
func TestDeltaRefresh(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema, WithNotifyEvents(false))
	b := open(t, schema, WithNotifyEvents(false))
	ctx := t.Context()
	user := "user-dr"
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	var evs []consent.Event
	evs = append(evs, consent.AcceptPolicy(user, "v1", at))
	for i := range 40 {
		evs = append(evs, consent.Grant(user, purpose.Payments, fmt.Sprint("r-", i%5), at.Add(time.Duration(i+1)*time.Second)))
	}
	tok, err := a.AppendToken(ctx, evs...)
	require.NoError(t, err)
	seenToken(t, a, tok)
	_, err = a.State(ctx, user)
	require.NoError(t, err)
	_, meta := cachedMeta(t, a, user)
	require.NotNil(t, meta, "a miss read noted no snapshot")

	step := func(name string, s *Store, ev consent.Event, whole bool) {
		t.Helper()
		before := a.Stats()
		tok, err := s.AppendToken(ctx, ev)
		require.NoError(t, err)
		seenToken(t, a, tok)
		st, meta := cachedMeta(t, a, user)
		sameState(t, fresh(t, a, user), st, name)
		after := a.Stats()
		if s == b {
			assert.Equal(t, before.Deltas+1, after.Deltas, name+": delta refreshes")
			assert.Equal(t, before.DeltaWhole+map[bool]uint64{true: 1}[whole], after.DeltaWhole, name+": whole reads")
			if !whole {
				require.NotNil(t, meta, name)
				assert.True(t, meta.holds(xidOf(t, tok)), name+": the new snapshot does not see the change")
			}
		} else {
			require.NotNil(t, meta, name)
			assert.True(t, meta.holds(xidOf(t, tok)), name+": write-through did not note its transaction")
		}
		assert.Equal(t, before.CacheMisses, after.CacheMisses, name+": misses")
	}
	step("the other instance withdraws", b, consent.Withdraw(user, purpose.Payments, "r-1", at.Add(time.Hour)), false)
	step("own append, by write-through", a, consent.Grant(user, purpose.Payments, "r-9", at.Add(2*time.Hour)), false)
	step("the other instance again", b, consent.Grant(user, purpose.Payments, "r-1", at.Add(3*time.Hour)), false)
	step("a row at an instant the state holds", b, consent.Withdraw(user, purpose.Payments, "r-9", at.Add(2*time.Hour)), true)

	// A change the cached state already holds (its snapshot saw the
	// transaction) leaves it cached; one it lacks drops it.
	tok, err = b.AppendToken(ctx, consent.Grant(user, purpose.Payments, "r-2", at.Add(4*time.Hour)))
	require.NoError(t, err)
	seenToken(t, a, tok)
	_, meta = cachedMeta(t, a, user)
	require.NotNil(t, meta)
	seen := xidOf(t, tok)
	for _, tc := range []struct {
		name  string
		xid   uint64
		stays bool
	}{
		{"held", seen, true},
		{"not held", meta.snap.xmax + 1000, false},
	} {
		gen := a.cache.Version(user)
		conn, err := a.pool.Acquire(ctx)
		require.NoError(t, err)
		tx, err := conn.Begin(ctx)
		require.NoError(t, err)
		for _, p := range []string{signedHead(t, a, tc.xid, foreignMark), a.tag(user), fmt.Sprintf("%s%d", xidPrefix, tc.xid)} {
			_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", schema, p)
			require.NoError(t, err)
		}
		require.NoError(t, tx.Commit(context.WithoutCancel(ctx)))
		conn.Release()
		require.Eventually(t, func() bool { return a.seen.has(tc.xid) }, 5*time.Second, time.Millisecond)
		if tc.stays {
			assert.Equal(t, gen, a.cache.Version(user), tc.name+": dropped")
		} else {
			assert.NotEqual(t, gen, a.cache.Version(user), tc.name+": kept")
		}
		st, _ := cachedMeta(t, a, user)
		sameState(t, fresh(t, a, user), st, tc.name)
	}
}

// BenchmarkRefresh measures bringing a cached user with a long history
// (500 events) forward after another instance's change, by a delta
// refresh and by a whole read: time until the instance has the new state
// cached again, and the allocations of the whole process meanwhile
// (mostly the refresh's decoding and folding), which do not depend on the
// machine's load.
func BenchmarkRefresh(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{{"delta", nil}, {"whole", []Option{withoutDelta()}}} {
		b.Run(tc.name, func(b *testing.B) {
			schema := NewTestSchema(b)
			pool := NewTestPool(b, schema)
			a, err := New(b.Context(), pool, append([]Option{WithChannel(schema), WithMigrate()}, tc.opts...)...)
			require.NoError(b, err)
			b.Cleanup(a.Close)
			w, err := New(b.Context(), NewTestPool(b, schema), WithChannel(schema))
			require.NoError(b, err)
			b.Cleanup(w.Close)
			ctx := b.Context()
			user := "user-bench-refresh"
			at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
			var evs []consent.Event
			evs = append(evs, consent.AcceptPolicy(user, "v1", at))
			for i := range 499 {
				evs = append(evs, consent.Grant(user, purpose.Payments, fmt.Sprint("r-", i%12), at.Add(time.Duration(i+1)*time.Second)))
			}
			require.NoError(b, w.Append(ctx, evs...))
			// Cached, with the append's notification behind it.
			require.Eventually(b, func() bool {
				_, err := a.State(ctx, user)
				_, _, ok := a.cache.GetMeta(user)
				return err == nil && ok && a.Stats().CacheHits > 0
			}, 5*time.Second, time.Millisecond)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				tok, err := w.AppendToken(ctx, consent.Grant(user, purpose.Payments, "r-x", at.Add(time.Hour+time.Duration(i)*time.Second)))
				if err != nil {
					b.Fatal(err)
				}
				x, _ := strconv.ParseUint(string(tok)[strings.LastIndexByte(string(tok), '.')+1:], 10, 64)
				for {
					if _, meta, ok := a.cache.GetMeta(user); ok && a.seen.has(x) {
						if m, _ := meta.(*stateMeta); m == nil || m.holds(x) || tc.name == "whole" {
							break
						}
					}
					time.Sleep(50 * time.Microsecond)
				}
			}
			st := a.Stats()
			b.ReportMetric(float64(st.Deltas)/float64(b.N), "deltas/op")
		})
	}
}

// TestWarmNotesSnapshot shows that a warm-up keeps each state's snapshot,
// so that another instance's change to a warmed user is read as a delta,
// and that the result equals the log's fold.
func TestWarmNotesSnapshot(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	w := open(t, schema, WithCacheSize(0), WithNotifyEvents(false))
	users := seedUsers(t, w, 20)
	a := open(t, schema, withWarmChunk(7), WithNotifyEvents(false))
	b := open(t, schema, WithNotifyEvents(false))
	n, err := a.Warm(t.Context(), 0)
	require.NoError(t, err)
	require.Equal(t, len(users), n)
	for _, u := range users[1:] { // users[0] has more events than a chunk: read alone, no snapshot noted
		_, meta, ok := a.cache.GetMeta(u)
		require.True(t, ok, u)
		assert.NotNil(t, meta, "%s: warmed without a snapshot", u)
	}
	user := users[5]
	before := a.Stats()
	tok, err := b.AppendToken(t.Context(), consent.WithdrawAcceptance(user, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)))
	require.NoError(t, err)
	seenToken(t, a, tok)
	st, meta := cachedMeta(t, a, user)
	sameState(t, fresh(t, a, user), st, "warmed user after another instance's change")
	require.NotNil(t, meta)
	assert.True(t, meta.holds(xidOf(t, tok)))
	assert.Equal(t, before.Deltas+1, a.Stats().Deltas)
	assert.Equal(t, before.CacheMisses, a.Stats().CacheMisses)
}

// TestDeltaRefreshOneInstantOutOfCommitOrder: a row the cached state's
// snapshot missed may sort, within one instant, before a row it saw (seq
// is taken at insert, not at commit). A host transaction inserts a grant
// at t1 and stays open; another instance withdraws the acceptance at t1
// (a later seq), then accepts again; this instance caches the user
// without the grant; the host commits. Folded in log order the
// withdrawal voids the grant; applied after it, the grant would stand.
// The delta refresh must read the user whole and end denying.
func TestDeltaRefreshOneInstantOutOfCommitOrder(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema)
	b := open(t, schema)
	ctx := t.Context()
	user := "user-oo"
	t0 := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	t1, t3 := t0.Add(time.Hour), t0.Add(3*time.Hour)
	tok, err := b.AppendToken(ctx, consent.AcceptPolicy(user, "v1", t0))
	require.NoError(t, err)
	seenToken(t, a, tok)

	host, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	defer host.Rollback(context.WithoutCancel(ctx))
	hostTok, err := b.AppendTx(ctx, host, consent.Grant(user, purpose.Payments, "bank", t1))
	require.NoError(t, err)

	tok, err = b.AppendToken(ctx, consent.WithdrawAcceptance(user, t1), consent.AcceptPolicy(user, "v1", t3))
	require.NoError(t, err)
	seenToken(t, a, tok)
	_, err = a.State(ctx, user)
	require.NoError(t, err)
	_, meta := cachedMeta(t, a, user)
	require.NotNil(t, meta)

	before := a.Stats()
	require.NoError(t, host.Commit(ctx))
	settle(t, a, b)
	st, _ := cachedMeta(t, a, user)
	want := fresh(t, a, user)
	require.False(t, want.Granted(purpose.Payments, "bank", t3.Add(time.Minute)),
		"the log's fold: the withdrawal at t1 voids the grant at t1")
	sameState(t, want, st, "after the host's commit")
	assert.Equal(t, want.Granted(purpose.Payments, "bank", t3.Add(time.Minute)),
		st.Granted(purpose.Payments, "bank", t3.Add(time.Minute)))
	after := a.Stats()
	assert.Equal(t, before.DeltaWhole+1, after.DeltaWhole, "read whole")
	// The host transaction's token is honoured, by a read: an AppendTx's
	// "x:" does not count (two in one host transaction send identical
	// ones, which PostgreSQL delivers once, before the second's tags).
	assert.False(t, a.seen.has(xidOf(t, hostTok)), "an AppendTx's x: counted for tokens")
	st, err = a.StateAtLeast(ctx, user, hostTok)
	require.NoError(t, err)
	sameState(t, want, st, "at the host's token")
}

// TestDeltaQueryConvertsItsParametersOnce looks at the delta query's
// generic plan (the one a prepared statement settles on): the snapshot
// and the list of applied transactions must be converted once per query,
// not once per row of the user, which made a hot user's refresh cost
// tens of milliseconds of the server's CPU.
func TestDeltaQueryConvertsItsParametersOnce(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	s := open(t, schema)
	ctx := t.Context()
	conn := genericDelta(t, s, "delta_plan")
	rows, err := conn.Query(ctx, "EXPLAIN (VERBOSE, COSTS OFF) EXECUTE delta_plan('u', '10:20:12', '{11,13}')", pgx.QueryExecModeSimpleProtocol)
	require.NoError(t, err)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	plan := strings.Join(lines, "\n")
	perRow := regexp.MustCompile(`\(\$\d+\)::(text::)?(pg_snapshot|xid8\[\])`)
	for _, l := range lines {
		if strings.Contains(l, "Filter:") {
			assert.False(t, perRow.MatchString(l), "a filter converts a parameter for each row:\n%s", plan)
		}
	}
	assert.Contains(t, plan, "hashed SubPlan", "the applied transactions are looked up in a hash:\n%s", plan)
}

// genericDelta returns a connection of s's pool on which the delta query
// is prepared as name under a generic plan, as PostgreSQL settles on for
// a statement run more than five times; the test's end undoes both.
func genericDelta(t *testing.T, s *Store, name string) *pgxpool.Conn {
	t.Helper()
	ctx := t.Context()
	conn, err := s.pool.Acquire(ctx)
	require.NoError(t, err)
	t.Cleanup(func() {
		conn.Exec(context.Background(), "DEALLOCATE "+name+"; RESET plan_cache_mode", pgx.QueryExecModeSimpleProtocol)
		conn.Release()
	})
	for _, q := range []string{
		"SET plan_cache_mode = force_generic_plan",
		"PREPARE " + name + "(text, text, text[]) AS " + s.sql.delta,
	} {
		_, err := conn.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol)
		require.NoError(t, err, q)
	}
	return conn
}

// TestDeltaQueryReadsOnlyWhatItsSnapshotMissed: for a user with 2,003
// rows, of which the snapshot missed the last 3, the delta query reads 3
// rows through the (subject, xact) index and filters none out; without
// the index it read all 2,003 to test each row's transaction. (It reads
// the rows of every transaction at or above the snapshot's xmin: with
// another transaction open at the snapshot, or with applied transactions
// of this instance's own, it reads those rows too and filters them.)
func TestDeltaQueryReadsOnlyWhatItsSnapshotMissed(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	s := open(t, schema, WithCacheSize(0))
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	n := 0
	grants := func(k int) []consent.Event {
		evs := make([]consent.Event, k)
		for i := range evs {
			n++
			evs[i] = consent.Grant("u", purpose.Payments, fmt.Sprint("r-", n), at.Add(time.Duration(n)*time.Second))
		}
		return evs
	}
	for range 20 {
		require.NoError(t, s.Append(ctx, grants(100)...))
	}
	require.NoError(t, s.Append(ctx, grants(3)...))
	// The snapshot just before the last Append's transaction x, made by
	// hand ("x:x:"): a real one's xmin is the oldest transaction open on
	// the whole server, which another test or session may hold back.
	var x string
	require.NoError(t, s.pool.QueryRow(ctx, "SELECT max(xact)::text FROM "+s.sql.events+" WHERE subject = 'u'").Scan(&x))
	snap := x + ":" + x + ":"
	_, err := s.pool.Exec(ctx, "ANALYZE "+s.sql.events)
	require.NoError(t, err)
	conn := genericDelta(t, s, "delta_rows")
	var raw []byte
	require.NoError(t, conn.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON, TIMING OFF) EXECUTE delta_rows('u', '"+snap+"', '{}')",
		pgx.QueryExecModeSimpleProtocol).Scan(&raw))
	var out []struct{ Plan planNode }
	require.NoError(t, json.Unmarshal(raw, &out))
	require.Len(t, out, 1)
	scan := out[0].Plan.find(func(p *planNode) bool { return p.Alias == "e" })
	require.NotNil(t, scan, "no scan of the events in:\n%s", raw)
	index := scan.IndexName
	if b := scan.find(func(p *planNode) bool { return p.NodeType == "Bitmap Index Scan" }); index == "" && b != nil {
		index = b.IndexName
	}
	assert.Equal(t, "consent_events_subject_xact", index, "%s", raw)
	assert.Equal(t, 3, scan.ActualRows, "rows returned")
	assert.Zero(t, scan.RemovedByFilter, "rows read and filtered out")
}

// planNode is the part of a node of EXPLAIN (FORMAT JSON) the tests read.
type planNode struct {
	NodeType        string     `json:"Node Type"`
	Alias           string     `json:"Alias"`
	IndexName       string     `json:"Index Name"`
	ActualRows      int        `json:"Actual Rows"`
	RemovedByFilter int        `json:"Rows Removed by Filter"`
	Plans           []planNode `json:"Plans"`
}

// find returns the first node, depth first, that ok accepts.
func (p *planNode) find(ok func(*planNode) bool) *planNode {
	if ok(p) {
		return p
	}
	for i := range p.Plans {
		if f := p.Plans[i].find(ok); f != nil {
			return f
		}
	}
	return nil
}

// TestWithOwnSharesOnlyWhatNoOtherMetaUses: a chain of metas shares one
// array, and a meta made from an earlier link copies rather than write
// over a slot a later link uses; concurrent calls on one meta each get
// their own list (go test -race checks the slots are not written twice).
func TestWithOwnSharesOnlyWhatNoOtherMetaUses(t *testing.T) {
	t.Parallel()
	m0 := metaOf("1:1:") // sees no transaction of those below
	require.NotNil(t, m0)
	m1 := m0.withOwn(1)
	m2 := m1.withOwn(2)
	m3 := m2.withOwn(3)
	fork := m1.withOwn(9) // slot 1 is m2's
	assert.Equal(t, []uint64{1, 2, 3}, m3.own)
	assert.Equal(t, []uint64{1, 2}, m2.own)
	assert.Equal(t, []uint64{1}, m1.own)
	assert.Equal(t, []uint64{1, 9}, fork.own)
	assert.Same(t, &m1.own[0], &m3.own[0], "the chain shares its array")
	assert.True(t, m3.holds(3) && !m2.holds(3) && !m3.holds(9) && fork.holds(9))
	assert.Equal(t, []uint64{1, 2}, m2.own, "the fork left the chain as it was")

	m := m3
	for i := len(m3.own); i < maxOwn; i++ {
		m = m.withOwn(uint64(100 + i))
		require.NotNil(t, m)
	}
	assert.Len(t, m.own, maxOwn)
	assert.Nil(t, m.withOwn(1), "a full list")
	assert.Equal(t, []uint64{1, 2, 3}, m3.own, "growing the chain left m3 as it was")

	var wg sync.WaitGroup
	got := make([]*stateMeta, 8)
	for i := range got {
		wg.Go(func() { got[i] = m2.withOwn(uint64(1000 + i)) })
	}
	wg.Wait()
	for i, g := range got {
		assert.Equal(t, []uint64{1, 2, uint64(1000 + i)}, g.own)
	}
}
