package pgstore_test

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/consenttest"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/internal/cpuclock"
	"github.com/yasam/privacy/purpose"
)

// notifyPerTag makes the benchmarks' stores send one tag per
// notification, as before the fleet is finalized; by default they run
// finalized (batched notifications), the fleet's steady state.
var notifyPerTag = flag.Bool("pgstore.notify-per-tag", false, "benchmarks: do not finalize the notification upgrade (one tag per NOTIFY)")

// newBenchStore returns a store on fresh tables, finalized for batched
// notifications unless perTag, and its pool.
func newBenchStore(b *testing.B, perTag bool, opts ...pgstore.Option) (*pgstore.Store, *pgxpool.Pool) {
	b.Helper()
	schema := pgstore.NewTestSchema(b)
	pool := pgstore.NewTestPool(b, schema)
	if err := pgstore.Migrate(b.Context(), pool); err != nil {
		b.Fatal(err)
	}
	if !perTag {
		if err := pgstore.FinalizeNotifyUpgrade(b.Context(), pool); err != nil {
			b.Fatal(err)
		}
	}
	s, err := pgstore.New(b.Context(), pool, append([]pgstore.Option{pgstore.WithChannel(schema)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	if s.Stats().NotifyBatched == perTag {
		b.Fatalf("notify batched = %v", s.Stats().NotifyBatched)
	}
	return s, pool
}

// serverCPU returns the CPU time that the server backends of pool's
// connections and of s's listener ran since before (see cpuclock.All): the
// server's work for the store, which depends far less on the machine's
// load than the wall time. ok is false where it cannot be measured (the
// server is not on this machine, or not Linux).
func serverCPU(ctx context.Context, s *pgstore.Store, pool *pgxpool.Pool, before map[int]time.Duration) (time.Duration, bool) {
	pids := []int{int(s.ListenerPID())}
	conns := pool.AcquireAllIdle(ctx)
	for _, c := range conns {
		pids = append(pids, int(c.Conn().PgConn().PID()))
		c.Release()
	}
	var sum time.Duration
	for _, pid := range pids {
		now, ok := cpuclock.Named(pid, "postgres")
		if !ok {
			return 0, false
		}
		sum += now - before[pid] // a backend started since: from 0
	}
	return sum, true
}

// BenchmarkStore runs the consent.Store benchmarks shared by every backend
// (finalized, unless -pgstore.notify-per-tag).
func BenchmarkStore(b *testing.B) {
	consenttest.Bench(b, func(b *testing.B, cached bool) consent.Store {
		var opts []pgstore.Option
		if !cached {
			opts = append(opts, pgstore.WithCacheSize(0))
		}
		s, _ := newBenchStore(b, *notifyPerTag, opts...)
		return s
	})
}

// BenchmarkNotifyLatency measures how long after instance B's Append
// returns instance A stops serving the state it had cached: the staleness
// bound in normal operation.
func BenchmarkNotifyLatency(b *testing.B) {
	a, schema := newStore(b)
	bb := openOn(b, schema)
	ctx := context.Background()
	t0 := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		user := fmt.Sprintf("lat-%d", i)
		at := t0.Add(time.Duration(i) * time.Second)
		if err := bb.Append(ctx, consent.Grant(user, purpose.Payments, "bank", at)); err != nil {
			b.Fatal(err)
		}
		for { // until A has it cached
			if st, err := a.State(ctx, user); err != nil {
				b.Fatal(err)
			} else if st.Granted(purpose.Payments, "bank", at) {
				break
			}
		}
		if err := bb.Append(ctx, consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Millisecond))); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for {
			st, err := a.State(ctx, user)
			if err != nil {
				b.Fatal(err)
			}
			if !st.Granted(purpose.Payments, "bank", at.Add(time.Second)) {
				break
			}
			if time.Since(start) > 5*time.Second {
				b.Fatal("no notification within 5s")
			}
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs-stale/op")
}

// BenchmarkGroupCommit appends one-event batches from 1 and 16 goroutines
// (as BenchmarkStore/Writers does) and reports, besides appends/s, the
// group commits' figures that do not depend on the machine's load:
// appends per commit and database round trips per commit, and the CPU
// time per append of this process and of the store's server backends
// (where the server runs on this machine); and the mean commit time. Each runs with the fleet finalized
// (notify=batch, the steady state) and then not (notify=tag), side by
// side.
func BenchmarkGroupCommit(b *testing.B) {
	for _, n := range []int{1, 16} {
		for _, perTag := range []bool{false, true} {
			b.Run(fmt.Sprintf("Writers=%d/notify=%s", n, map[bool]string{false: "batch", true: "tag"}[perTag]), func(b *testing.B) {
				s, pool := newBenchStore(b, perTag)
				benchGroupCommit(b, s, pool, n)
			})
		}
	}
}

func benchGroupCommit(b *testing.B, s *pgstore.Store, pool *pgxpool.Pool, n int) {
	ctx := context.Background()
	srv0, cli0 := cpuclock.All(), cpuclock.Self()
	t0 := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	var seq atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	per := (b.N + n - 1) / n
	for w := range n {
		wg.Go(func() {
			user := fmt.Sprintf("gc-%d", w)
			for range per {
				k := seq.Add(1)
				if err := s.Append(ctx, consent.Grant(user, purpose.Payments, fmt.Sprintf("r-%d", k%16), t0.Add(time.Duration(k)*time.Millisecond))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	cli := cpuclock.Self() - cli0
	st := s.Stats()
	b.ReportMetric(float64(per*n)/el.Seconds(), "appends/s")
	b.ReportMetric(float64(cli.Nanoseconds())/1e3/float64(per*n), "cli-cpu-µs/append")
	if srv, ok := serverCPU(ctx, s, pool, srv0); ok {
		b.ReportMetric(float64(srv.Nanoseconds())/1e3/float64(per*n), "srv-cpu-µs/append")
	}
	if st.Commits > 0 {
		b.ReportMetric(float64(st.Batches)/float64(st.Commits), "appends/commit")
		b.ReportMetric(float64(st.CommitRoundTrips)/float64(st.Commits), "rt/commit")
		b.ReportMetric(float64(st.CommitTime.Microseconds())/float64(st.Commits), "µs/commit")
	}
}
