package checkbench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/internal/cpuclock"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// The realistic workload (issue 12): many subjects, most of them cold,
// drawn Zipf(s = 1.1); 8 purposes × 12 recipients; 5 % of operations are
// consent writes; two processes share the PostgreSQL database; the memory
// store runs the same workload in one process for comparison.
//
//	PRIVACY_WORKLOAD=1 go test -run TestWorkload -v -timeout 30m ./internal/checkbench
//
// runs it with 1,000,000 subjects for 20 s per phase; without it a small
// version (20,000 subjects, 1 s) runs with the tests. Each process runs 32
// goroutines that call Check and queue a write for 5 % of their
// operations, and 32 that append; the PostgreSQL stores cache 65,536
// users' states.
// PRIVACY_WORKLOAD_PROFILE=dir writes a CPU profile of each process's
// steady phase (parent.pprof, child.pprof), and heap profiles at its
// start and end (parent.heap0, parent.heap1, ...), into dir.
const (
	EnvWorkload      = "PRIVACY_WORKLOAD"
	envWorkloadChild = "PRIVACY_WORKLOAD_CHILD" // schema,subjects,seconds
	workloadWorkers  = 32                       // goroutines calling Check (and queueing writes)
	workloadWriters  = 32                       // goroutines appending
	// workloadCache is the PostgreSQL stores' cache size: every subject
	// of the full workload fits (1,048,576 ≥ 1,000,000); a state costs
	// about 2.5 KiB of heap (measured and printed by the run), so the
	// cache bounds each process's heap at about 2.6 GiB. Override with
	// PRIVACY_WORKLOAD_CACHE=n.
	workloadCache    = 1 << 20
	envWorkloadCache = "PRIVACY_WORKLOAD_CACHE"
	workloadConns    = 16 // each process's pool
	writeShare       = 0.05
	zipfS            = 1.1
)

var workloadPurposes = []purpose.ID{
	purpose.Security, purpose.Identification, purpose.ServiceAccess, purpose.Feedback,
	purpose.Location, purpose.Verification, purpose.Payments, purpose.Support,
}

func workloadRecipients() []disclosure.Recipient {
	out := make([]disclosure.Recipient, 12)
	for i := range out {
		out[i] = disclosure.Recipient{ID: fmt.Sprintf("recipient-%02d", i), Kind: disclosure.ThirdParty}
	}
	return out
}

func subjectID(i int) string { return "subject-" + strconv.Itoa(i) }

// seedEvents returns subject i's events at start: acceptance and two
// grants, the same for every store.
func seedEvents(i int, version string) []consent.Event {
	rng := rand.New(rand.NewPCG(uint64(i), 1))
	u := subjectID(i)
	rs := workloadRecipients()
	at := t0.Add(time.Duration(i) * time.Millisecond)
	return []consent.Event{
		consent.AcceptPolicy(u, version, at, consent.WithID(u+"-a")),
		consent.Grant(u, workloadPurposes[rng.IntN(8)], rs[rng.IntN(12)].ID, at, consent.WithID(u+"-g1")),
		consent.Grant(u, workloadPurposes[rng.IntN(8)], rs[rng.IntN(12)].ID, at, consent.WithID(u+"-g2")),
	}
}

// workloadResult is one process's report.
type workloadResult struct {
	Checks, Writes, Errors int64
	Seconds                float64
	P50, P90, P99, P999    time.Duration
	SlowShare              float64 // share of checks slower than 1 ms
	WriteBlocked           float64 // share of the workers' time spent waiting to queue a write
	CacheHits, CacheMisses uint64
	// Of the PostgreSQL store: queries that read misses' (and
	// refreshes') states, the users they read, background refreshes.
	MissReads, MissUsers, Refreshes uint64
	Commits, Batches                uint64
	CommitTime                      time.Duration
	// Of the group commits: exchanges with the database, and commits
	// that took the careful path (see pgstore.Stats).
	CommitRoundTrips, Fallbacks uint64
	// Refreshes that read only what the cached state lacked, and those
	// of them that read the user whole after all.
	Deltas, DeltaWhole uint64
	// Hits answered, under WithMaxStaleness, by a state whose change
	// another process announced but this one had not yet read.
	StaleHits uint64
	// States brought forward from the other process's notified events,
	// with no read (pgstore.WithNotifyEvents).
	NotifyApplied uint64
	RSSMiB        float64
	// Of the Go runtime during the run: collections, the CPU they took
	// (of it, assists: time allocating goroutines spent marking), and
	// the process's CPU in all.
	GCs                          uint64
	GCCPU, GCAssistCPU, TotalCPU float64 // seconds
	// Of the runtime's scheduler: how long runnable goroutines waited
	// for a thread (a reply read from the network waits so too).
	SchedP50, SchedP99, SchedP999 time.Duration
	// The process's user and system CPU during the run over its wall
	// time: how many cores it kept busy on average.
	Cores float64
	// Of the PostgreSQL pool: acquires that found no idle connection,
	// of all acquires, and their mean wait.
	Acquires, EmptyAcquires int64
	AcquireWait             time.Duration
}

// poolStats fills r's pool figures from pool.
func (r *workloadResult) poolStats(pool *pgxpool.Pool) {
	st := pool.Stat()
	r.Acquires, r.EmptyAcquires = st.AcquireCount(), st.EmptyAcquireCount()
	if r.Acquires > 0 {
		r.AcquireWait = st.AcquireDuration() / time.Duration(r.Acquires)
	}
}

func (r workloadResult) String() string {
	hit := "n/a"
	if r.CacheHits+r.CacheMisses > 0 {
		hit = fmt.Sprintf("%.1f %%", 100*float64(r.CacheHits)/float64(r.CacheHits+r.CacheMisses))
	}
	pool := ""
	if r.Acquires > 0 {
		pool = fmt.Sprintf(", pool: %d of %d acquires waited, mean acquire %v", r.EmptyAcquires, r.Acquires, r.AcquireWait)
	}
	reads := ""
	if r.MissReads+r.Refreshes+r.NotifyApplied > 0 {
		reads = fmt.Sprintf(", %.3f misses per check, %d miss queries for %d users (%.1f users per round trip), %d refreshes queued (%d read as deltas, %d of them whole after all), %d stale hits, %d states brought forward from notified events",
			float64(r.CacheMisses)/float64(max(r.Checks, 1)), r.MissReads, r.MissUsers, float64(r.MissUsers)/float64(max(r.MissReads, 1)), r.Refreshes, r.Deltas, r.DeltaWhole, r.StaleHits, r.NotifyApplied)
	}
	if r.Commits > 0 {
		reads += fmt.Sprintf(", %d group commits of %.1f appends each, mean commit %v, %.2f round trips per commit, %d fallbacks",
			r.Commits, float64(r.Batches)/float64(r.Commits), (r.CommitTime / time.Duration(r.Commits)).Round(time.Microsecond),
			float64(r.CommitRoundTrips)/float64(r.Commits), r.Fallbacks)
	}
	gc := fmt.Sprintf(", %d GCs", r.GCs)
	if r.TotalCPU > 0 { // the runtime's CPU classes move at collections only
		gc += fmt.Sprintf(" taking %.0f %% of GOMAXPROCS × time (assists %.0f %%)", 100*r.GCCPU/r.TotalCPU, 100*r.GCAssistCPU/r.TotalCPU)
	}
	if r.Cores > 0 {
		gc += fmt.Sprintf(", %.2f cores busy", r.Cores)
	}
	if r.SchedP50 > 0 {
		gc += fmt.Sprintf(", goroutines waited for a thread p50 %v p99 %v p999 %v", r.SchedP50, r.SchedP99, r.SchedP999)
	}
	return fmt.Sprintf("%.0f checks/s, %.0f writes/s, p50 %v p90 %v p99 %v p999 %v, %.1f %% of checks > 1 ms, workers blocked on writes %.0f %% of the time, cache hits %s%s, RSS %.0f MiB%s, %d errors%s",
		float64(r.Checks)/r.Seconds, float64(r.Writes)/r.Seconds, r.P50, r.P90, r.P99, r.P999, 100*r.SlowShare, 100*r.WriteBlocked, hit, reads, r.RSSMiB, gc, r.Errors, pool)
}

// storeStats fills r's cache figures from s.
func (r *workloadResult) storeStats(s *pgstore.Store) {
	st := s.Stats()
	r.CacheHits, r.CacheMisses = st.CacheHits, st.CacheMisses
	r.MissReads, r.MissUsers, r.Refreshes = st.MissReads, st.MissUsers, st.Refreshes
	r.Commits, r.Batches, r.CommitTime = st.Commits, st.Batches, st.CommitTime
	r.CommitRoundTrips, r.Fallbacks = st.CommitRoundTrips, st.Fallbacks
	r.Deltas, r.DeltaWhole, r.StaleHits = st.Deltas, st.DeltaWhole, st.StaleHits
	r.NotifyApplied = st.NotifyApplied
}

// warmResult is one process's warm-up.
type warmResult struct {
	States        int
	Seconds       float64
	BytesPerState float64 // heap growth (after GC) per cached state
	// ObjectsPerState is the growth in live heap objects per cached
	// state: what each collection has to mark, whatever the load.
	ObjectsPerState float64
	RSSMiB          float64
	Err             string
}

func (w warmResult) String() string {
	e := ""
	if w.Err != "" {
		e = ", error: " + w.Err
	}
	return fmt.Sprintf("%d states in %.1f s (%.0f states/s), %.0f bytes and %.1f objects of heap per cached state, RSS %.0f MiB%s",
		w.States, w.Seconds, float64(w.States)/max(w.Seconds, 1e-9), w.BytesPerState, w.ObjectsPerState, w.RSSMiB, e)
}

// heapFigures collects, and returns the live heap's bytes and objects
// after it.
func heapFigures() (bytes, objects uint64) {
	runtime.GC()
	ss := []metrics.Sample{{Name: "/gc/heap/objects:objects"}}
	metrics.Read(ss)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, ss[0].Value.Uint64()
}

func cacheSize() int {
	if n, err := strconv.Atoi(os.Getenv(envWorkloadCache)); err == nil && n > 0 {
		return n
	}
	return workloadCache
}

// maxStale is the stores' WithMaxStaleness: PRIVACY_WORKLOAD_MAXSTALE
// (a duration), else 0, the default.
func maxStale() time.Duration {
	d, _ := time.ParseDuration(os.Getenv("PRIVACY_WORKLOAD_MAXSTALE"))
	return d
}

// openWorkloadStore opens a PostgreSQL store over schema for the
// workload, on pool.
func openWorkloadStore(t testing.TB, pool *pgxpool.Pool, schema string) *pgstore.Store {
	s, err := pgstore.New(context.Background(), pool, pgstore.WithChannel(schema), pgstore.WithCacheSize(cacheSize()),
		pgstore.WithRefresh(os.Getenv("PRIVACY_WORKLOAD_REFRESH") != "0"), pgstore.WithMaxStaleness(maxStale()),
		pgstore.WithNotifyEvents(os.Getenv("PRIVACY_WORKLOAD_NOTIFY_EVENTS") != "0"))
	require.NoError(t, err)
	return s
}

// warm opens a fresh store and warms it.
func warmStore(t testing.TB, pool *pgxpool.Pool, schema string) (*pgstore.Store, warmResult) {
	before, objects := heapFigures()
	s := openWorkloadStore(t, pool, schema)
	start := time.Now()
	n, err := s.Warm(context.Background(), 0)
	w := warmResult{States: n, Seconds: time.Since(start).Seconds()}
	if err != nil {
		w.Err = err.Error()
	}
	if l := s.Stats().CacheLen; l > 0 {
		after, objectsAfter := heapFigures()
		w.BytesPerState = float64(int64(after)-int64(before)) / float64(l)
		w.ObjectsPerState = float64(int64(objectsAfter)-int64(objects)) / float64(l)
	}
	w.RSSMiB = rssMiB()
	return s, w
}

// runWorkload drives e (over store) for dur with workloadWorkers
// goroutines.
func runWorkload(ctx context.Context, e *policy.Engine, store consent.Store, subjects int, dur time.Duration, seed uint64) workloadResult {
	rs := workloadRecipients()
	gcBefore := readGC()
	schedBefore := readSched()
	cpuBefore, wallBefore := cpuclock.Self(), time.Now()
	var mu sync.Mutex
	var lat []time.Duration
	var res workloadResult
	var wg sync.WaitGroup
	deadline := time.Now().Add(dur)
	// Writes go to writer goroutines, as a service's consent endpoints
	// run beside its checks: a slow commit holds up its own request, not
	// the checks of others. The queue is bounded, so writes that cannot
	// keep up slow the workers down (backpressure) rather than pile up.
	writes := make(chan consent.Event, 4*workloadWriters)
	var writers sync.WaitGroup
	var wrote, wfail, blocked atomic.Int64
	for range workloadWriters {
		writers.Go(func() {
			for ev := range writes {
				if err := store.Append(ctx, ev); err != nil {
					wfail.Add(1)
				}
				wrote.Add(1)
			}
		})
	}
	for w := range workloadWorkers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			zipf := rand.NewZipf(rng, zipfS, 1, uint64(subjects-1))
			my := make([]time.Duration, 0, 1<<16)
			var checks, errs int64
			for n := 0; ; n++ {
				if n%64 == 0 && time.Now().After(deadline) {
					break
				}
				u := subjectID(int(zipf.Uint64()))
				p := workloadPurposes[rng.IntN(8)]
				r := rs[rng.IntN(12)].ID
				if rng.Float64() < writeShare {
					// Dated by the clock, as a service dates a user's
					// choice: stepping every worker's dates alike made
					// hot users' events collide at one instant (or repeat
					// an event on record), which a store must then read
					// again rather than bring forward.
					at := time.Now()
					ev := consent.Grant(u, p, r, at)
					if rng.IntN(2) == 0 {
						ev = consent.Withdraw(u, p, r, at)
					}
					select {
					case writes <- ev:
					default: // the writers are behind: backpressure
						t := time.Now()
						writes <- ev
						blocked.Add(int64(time.Since(t)))
					}
					continue
				}
				start := time.Now()
				_, err := e.Check(ctx, u, p, r)
				my = append(my, time.Since(start))
				checks++
				if err != nil {
					errs++
				}
			}
			mu.Lock()
			lat = append(lat, my...)
			res.Checks += checks
			res.Errors += errs
			mu.Unlock()
		})
	}
	wg.Wait()
	close(writes)
	writers.Wait()
	res.Writes, res.Errors = wrote.Load(), res.Errors+wfail.Load()
	res.Seconds = dur.Seconds()
	res.WriteBlocked = float64(blocked.Load()) / float64(workloadWorkers*dur)
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		res.P50, res.P90, res.P99, res.P999 = lat[n/2], lat[n*9/10], lat[n*99/100], lat[n*999/1000]
		slow, _ := slices.BinarySearch(lat, time.Millisecond)
		res.SlowShare = float64(n-slow) / float64(n)
	}
	res.RSSMiB = rssMiB()
	g := readGC()
	res.GCs = uint64(g[0] - gcBefore[0])
	res.GCCPU, res.GCAssistCPU, res.TotalCPU = g[1]-gcBefore[1], g[2]-gcBefore[2], g[3]-gcBefore[3]
	res.SchedP50, res.SchedP99, res.SchedP999 = schedQuantiles(schedBefore, readSched())
	res.Cores = (cpuclock.Self() - cpuBefore).Seconds() / time.Since(wallBefore).Seconds()
	return res
}

// readSched returns the runtime's histogram of the time goroutines
// waited, runnable, for a thread to run them.
func readSched() *metrics.Float64Histogram {
	ss := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(ss)
	if ss[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return ss[0].Value.Float64Histogram()
}

// schedQuantiles returns the p50, p99 and p999 of the scheduling
// latencies recorded between before and after (each quantile as its
// bucket's upper bound).
func schedQuantiles(before, after *metrics.Float64Histogram) (p50, p99, p999 time.Duration) {
	if before == nil || after == nil || len(before.Counts) != len(after.Counts) {
		return 0, 0, 0
	}
	counts := make([]uint64, len(after.Counts))
	var total uint64
	for i := range counts {
		counts[i] = after.Counts[i] - before.Counts[i]
		total += counts[i]
	}
	q := func(f float64) time.Duration {
		want := uint64(math.Ceil(f * float64(total)))
		var sum uint64
		for i, c := range counts {
			sum += c
			if sum >= want && c > 0 {
				up := after.Buckets[i+1]
				if math.IsInf(up, 1) {
					up = after.Buckets[i]
				}
				return time.Duration(up * float64(time.Second))
			}
		}
		return 0
	}
	if total == 0 {
		return 0, 0, 0
	}
	return q(0.5), q(0.99), q(0.999)
}

// readGC returns the runtime's count of collections, the CPU seconds of
// GC and of its assists, and all CPU seconds.
func readGC() [4]float64 {
	ss := []metrics.Sample{
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/cpu/classes/gc/mark/assist:cpu-seconds"},
		{Name: "/cpu/classes/total:cpu-seconds"},
	}
	metrics.Read(ss)
	var out [4]float64
	for i, s := range ss {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			out[i] = float64(s.Value.Uint64())
		case metrics.KindFloat64:
			out[i] = s.Value.Float64()
		}
	}
	return out
}

func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// workloadSize is 1,000,000 subjects and 20 s per phase with
// PRIVACY_WORKLOAD=1, else 20,000 and 1 s; PRIVACY_WORKLOAD_SUBJECTS and
// PRIVACY_WORKLOAD_SECONDS override either (for a look between the two).
func workloadSize() (subjects int, dur time.Duration) {
	subjects, dur = 20_000, time.Second
	if os.Getenv(EnvWorkload) == "1" {
		subjects, dur = 1_000_000, 20*time.Second
	}
	if n, err := strconv.Atoi(os.Getenv("PRIVACY_WORKLOAD_SUBJECTS")); err == nil && n > 1 {
		subjects = n
	}
	if f, err := strconv.ParseFloat(os.Getenv("PRIVACY_WORKLOAD_SECONDS"), 64); err == nil && f > 0 {
		dur = time.Duration(f * float64(time.Second))
	}
	return subjects, dur
}

func workloadEngine(t testing.TB, store consent.Store) *policy.Engine {
	e, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(workloadRecipients()...))
	require.NoError(t, err)
	return e
}

// TestWorkloadChild is not a test: TestWorkload runs it as the second
// process over the same PostgreSQL schema. It runs the cold-start phase,
// prints its result ("cold {json}"), warms a fresh store ("warmed
// {json}"), waits for "go" on stdin, runs the steady phase and prints
// "result {json}".
func TestWorkloadChild(t *testing.T) {
	spec := os.Getenv(envWorkloadChild)
	if spec == "" {
		t.Skip("helper process for TestWorkload")
	}
	parts := strings.Split(spec, ",")
	schema := parts[0]
	subjects, _ := strconv.Atoi(parts[1])
	secs, _ := strconv.ParseFloat(parts[2], 64)
	dur := time.Duration(secs * float64(time.Second))
	ctx := context.Background()
	pool := pgtest.Pool(t, schema, pgtest.WithMaxConns(workloadConns))
	emit := func(kind string, v any) {
		b, _ := json.Marshal(v)
		fmt.Println(kind, string(b))
	}

	s := openWorkloadStore(t, pool, schema)
	fmt.Println("ready")
	r := runWorkload(ctx, workloadEngine(t, s), s, subjects, dur, 2)
	r.storeStats(s)
	r.poolStats(pool)
	s.Close()
	emit("cold", r)

	pool = pgtest.Pool(t, schema, pgtest.WithMaxConns(workloadConns)) // fresh pool figures
	s, w := warmStore(t, pool, schema)
	defer s.Close()
	emit("warmed", w)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() && in.Text() != "go" {
	}
	before := s.Stats()
	stop := cpuProfile(t, "child")
	r = runWorkload(ctx, workloadEngine(t, s), s, subjects, dur, 3)
	stop()
	r.storeStats(s)
	r.since(before)
	r.poolStats(pool)
	emit("result", r)
}

// since makes r's store counters count from before on.
func (r *workloadResult) since(before pgstore.Stats) {
	r.CacheHits -= before.CacheHits
	r.CacheMisses -= before.CacheMisses
	r.MissReads -= before.MissReads
	r.MissUsers -= before.MissUsers
	r.Refreshes -= before.Refreshes
	r.Commits -= before.Commits
	r.Batches -= before.Batches
	r.CommitTime -= before.CommitTime
	r.CommitRoundTrips -= before.CommitRoundTrips
	r.Fallbacks -= before.Fallbacks
	r.Deltas -= before.Deltas
	r.DeltaWhole -= before.DeltaWhole
	r.StaleHits -= before.StaleHits
	r.NotifyApplied -= before.NotifyApplied
}

// TestWorkload runs the realistic workload on the memory store (one
// process) and on PostgreSQL (two processes) and reports, for each
// process, throughput, Check latency p50/p99/p999, cache hit ratio and
// resident memory. It asserts nothing of speed.
func TestWorkload(t *testing.T) {
	if testing.Short() {
		t.Skip("workload; skipped with -short")
	}
	subjects, dur := workloadSize()
	ctx := context.Background()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))

	// PostgreSQL first: skip early without a server.
	admin := pgtest.Admin(t)
	schema := pgtest.Schema(t)
	require.NoError(t, pgstore.Migrate(ctx, admin, pgstore.WithSchema(schema)))
	version := workloadEngine(t, consent.NewMemoryStore()).Version().ID
	start := time.Now()
	loadSubjects(t, schema, subjects, version)
	t.Logf("loaded %d subjects (%d events) into PostgreSQL in %v", subjects, 3*subjects, time.Since(start).Round(time.Millisecond))

	t.Run("postgres", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWorkloadChild$", "-test.count=1", "-test.timeout=30m")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d,%f", envWorkloadChild, schema, subjects, dur.Seconds()))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		lines := make(chan string, 8)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		// next returns the payload of the child's next line of kind.
		next := func(kind string, v any) {
			t.Helper()
			for l := range lines {
				if kind == "ready" && l == "ready" {
					return
				}
				if j, ok := strings.CutPrefix(l, kind+" "); ok {
					require.NoError(t, json.Unmarshal([]byte(j), v))
					return
				}
			}
			t.Fatalf("child ended without %q", kind)
		}
		next("ready", nil)
		pool := pgtest.Pool(t, schema, pgtest.WithMaxConns(workloadConns))
		t.Logf("cache size %d states per process, %d connections per process, max staleness %v, notified events %v", cacheSize(), workloadConns, maxStale(), os.Getenv("PRIVACY_WORKLOAD_NOTIFY_EVENTS") != "0")

		// Phase 1: cold start, both processes with empty caches.
		s := openWorkloadStore(t, pool, schema)
		r := runWorkload(ctx, workloadEngine(t, s), s, subjects, dur, 1)
		r.storeStats(s)
		r.poolStats(pool)
		s.Close()
		var child workloadResult
		next("cold", &child)
		t.Logf("postgres, cold start (empty caches, %v), process 1: %v", dur, r)
		t.Logf("postgres, cold start (empty caches, %v), process 2: %v", dur, child)
		t.Logf("postgres, cold start, both: %.0f checks/s", float64(r.Checks)/r.Seconds+float64(child.Checks)/child.Seconds)

		// Phase 2: each process warms a fresh store, then both run.
		pool = pgtest.Pool(t, schema, pgtest.WithMaxConns(workloadConns)) // fresh pool figures
		s, w := warmStore(t, pool, schema)
		defer s.Close()
		var cw warmResult
		next("warmed", &cw)
		t.Logf("postgres, warm-up, process 1: %v", w)
		t.Logf("postgres, warm-up, process 2: %v", cw)
		_, err = fmt.Fprintln(stdin, "go")
		require.NoError(t, err)
		before := s.Stats()
		t.Logf("steady phase starts")
		stop := cpuProfile(t, "parent")
		r = runWorkload(ctx, workloadEngine(t, s), s, subjects, dur, 4)
		stop()
		r.storeStats(s)
		r.since(before)
		r.poolStats(pool)
		next("result", &child)
		require.NoError(t, cmd.Wait())
		t.Logf("postgres, after warm-up (%v), process 1: %v", dur, r)
		t.Logf("postgres, after warm-up (%v), process 2: %v", dur, child)
		t.Logf("postgres, after warm-up, both: %.0f checks/s", float64(r.Checks)/r.Seconds+float64(child.Checks)/child.Seconds)
	})

	// Last, so that its memory does not count in the first process's
	// resident set above.
	t.Run("memory", func(t *testing.T) {
		m := consent.NewMemoryStore()
		for i := range subjects {
			require.NoError(t, m.Append(ctx, seedEvents(i, version)...))
		}
		r := runWorkload(ctx, workloadEngine(t, m), m, subjects, dur, 1)
		t.Logf("memory, 1 process: %v", r)
	})
}

// loadSubjects bulk-loads the seed events with COPY, as an existing
// deployment's history would be.
func loadSubjects(t *testing.T, schema string, subjects int, version string) {
	ctx := context.Background()
	pool := pgtest.Pool(t, schema, pgtest.WithMaxConns(2))
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	i, k := 0, 0
	var cur []consent.Event
	n, err := conn.Conn().CopyFrom(ctx, pgx.Identifier{"consent_events"},
		[]string{"id", "subject", "action", "purpose", "recipient", "policy_version", "at_time", "at_ns", "channel"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if k == len(cur) {
				if i == subjects {
					return nil, nil
				}
				cur, k = seedEvents(i, version), 0
				i++
			}
			e := cur[k]
			k++
			at, ns := sqlutil.SplitTime(e.At)
			return []any{e.ID, e.Subject, string(e.Action), string(e.Scope.Purpose), e.Scope.Recipient,
				e.PolicyVersion, at, ns, string(e.Channel)}, nil
		}))
	require.NoError(t, err)
	require.Equal(t, int64(3*subjects), n)
	_, err = conn.Exec(ctx, "ANALYZE consent_events")
	require.NoError(t, err)
	// Write the loaded pages out now rather than during the run (needs
	// superuser or pg_checkpoint; without, the run shares the box with
	// the checkpoint).
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		t.Logf("no CHECKPOINT after the load: %v", err)
	}
}

// cpuProfile writes a CPU profile of the steady phase to
// $PRIVACY_WORKLOAD_PROFILE/name.pprof when that variable names a
// directory, and heap profiles at its start and end (name.heap0,
// name.heap1: what it allocated is
// go tool pprof -sample_index=alloc_space -base name.heap0 name.heap1),
// and returns the function that ends it.
func cpuProfile(t testing.TB, name string) func() {
	dir := os.Getenv("PRIVACY_WORKLOAD_PROFILE")
	if dir == "" {
		return func() {}
	}
	heap := func(suffix string) {
		h, err := os.Create(dir + "/" + name + suffix)
		require.NoError(t, err)
		require.NoError(t, pprof.Lookup("allocs").WriteTo(h, 0))
		require.NoError(t, h.Close())
	}
	heap(".heap0")
	f, err := os.Create(dir + "/" + name + ".pprof")
	require.NoError(t, err)
	require.NoError(t, pprof.StartCPUProfile(f))
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		// The profile counts allocations as of the last collection:
		// heap0 follows the one that measured the warmed heap.
		runtime.GC()
		heap(".heap1")
	}
}
