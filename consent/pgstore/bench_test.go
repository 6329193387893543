package pgstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/purpose"
)

var benchSeq atomic.Int64

func benchEvents(user string, n int) []consent.Event {
	out := make([]consent.Event, n)
	for i := range out {
		k := benchSeq.Add(1)
		out[i] = consent.Grant(user, purpose.Payments, fmt.Sprintf("r-%d", k%16),
			time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(k)*time.Millisecond),
			consent.WithChannel(consent.ChannelMobileApp))
	}
	return out
}

func BenchmarkAppend(b *testing.B) {
	s, _ := newStore(b)
	ctx := context.Background()
	for _, size := range []int{1, 10} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := s.Append(ctx, benchEvents(fmt.Sprintf("u%d", i%1000), size)...); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("batch=%d/parallel", size), func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					if err := s.Append(ctx, benchEvents(fmt.Sprintf("u%d", i%1000), size)...); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// readStore returns a store holding 100 users with 10 events each.
func readStore(b *testing.B, opts ...pgstore.Option) *pgstore.Store {
	s, _ := newStore(b, opts...)
	for u := range 100 {
		if err := s.Append(context.Background(), benchEvents(fmt.Sprintf("u%d", u), 10)...); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func BenchmarkState(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []pgstore.Option
	}{
		{"warm", nil},
		{"cold", []pgstore.Option{pgstore.WithCacheSize(0)}},
	} {
		s := readStore(b, tc.opts...)
		ctx := context.Background()
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := s.State(ctx, fmt.Sprintf("u%d", i%100)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					if _, err := s.State(ctx, fmt.Sprintf("u%d", i%100)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkHistory(b *testing.B) {
	s := readStore(b)
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := s.History(ctx, fmt.Sprintf("u%d", i%100)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if _, err := s.History(ctx, fmt.Sprintf("u%d", i%100)); err != nil {
					b.Error(err)
					return
				}
			}
		})
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
