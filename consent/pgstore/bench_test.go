package pgstore_test

import (
	"context"
	"fmt"
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
