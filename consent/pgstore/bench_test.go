package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/consenttest"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/purpose"
)

// BenchmarkStore runs the consent.Store benchmarks shared by every backend.
func BenchmarkStore(b *testing.B) {
	consenttest.Bench(b, func(b *testing.B, cached bool) consent.Store {
		var opts []pgstore.Option
		if !cached {
			opts = append(opts, pgstore.WithCacheSize(0))
		}
		s, _ := newStore(b, opts...)
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
// appends per commit and database round trips per commit; and the mean
// commit time.
func BenchmarkGroupCommit(b *testing.B) {
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprintf("Writers=%d", n), func(b *testing.B) {
			s, _ := newStore(b)
			ctx := context.Background()
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
			st := s.Stats()
			b.ReportMetric(float64(per*n)/el.Seconds(), "appends/s")
			if st.Commits > 0 {
				b.ReportMetric(float64(st.Batches)/float64(st.Commits), "appends/commit")
				b.ReportMetric(float64(st.CommitRoundTrips)/float64(st.Commits), "rt/commit")
				b.ReportMetric(float64(st.CommitTime.Microseconds())/float64(st.Commits), "µs/commit")
			}
		})
	}
}
