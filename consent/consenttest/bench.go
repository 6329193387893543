package consenttest

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// Bench runs the standard benchmarks of a [consent.Store], so that every
// backend is measured the same way:
//
//   - Append, a batch of 1 and of 10 events, serial and parallel, and
//     batches of 1 from 1 and from 16 concurrent writers (reported as
//     appends/s: a store with group commit should scale with writers);
//   - State, warm and cold, serial and parallel, over 100 users with 10
//     events each;
//   - History of one of those users, serial and parallel.
//
// newStore returns a new, empty store; cached tells whether the store may
// keep states in a cache (true for the warm case). A store without a cache
// ignores it.
func Bench(b *testing.B, newStore func(b *testing.B, cached bool) consent.Store) {
	b.Run("Append", func(b *testing.B) { benchAppend(b, newStore) })
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprintf("Writers=%d", n), func(b *testing.B) { benchWriters(b, newStore(b, true), n) })
	}
	b.Run("State", func(b *testing.B) {
		for _, tc := range []struct {
			name   string
			cached bool
		}{{"warm", true}, {"cold", false}} {
			b.Run(tc.name, func(b *testing.B) {
				s := readStore(b, newStore(b, tc.cached))
				benchRead(b, func(ctx context.Context, user string) error {
					_, err := s.State(ctx, user)
					return err
				})
			})
		}
	})
	b.Run("History", func(b *testing.B) {
		s := readStore(b, newStore(b, true))
		benchRead(b, func(ctx context.Context, user string) error {
			_, err := s.History(ctx, user)
			return err
		})
	})
}

var benchSeq atomic.Int64

// benchEvents returns n fresh events for one user.
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

func benchAppend(b *testing.B, newStore func(b *testing.B, cached bool) consent.Store) {
	for _, size := range []int{1, 10} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s := newStore(b, true)
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := s.Append(ctx, benchEvents(fmt.Sprintf("u%d", i%1000), size)...); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("batch=%d/parallel", size), func(b *testing.B) {
			s := newStore(b, true)
			ctx := context.Background()
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

// benchWriters appends batches of one event from n goroutines at once and
// reports appends per second.
func benchWriters(b *testing.B, s consent.Store, n int) {
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism((n + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	if n == 1 {
		b.SetParallelism(1)
	}
	start := time.Now()
	var users atomic.Int64
	run := func(pb *testing.PB) {
		u := fmt.Sprintf("w%d", users.Add(1))
		for pb.Next() {
			if err := s.Append(ctx, benchEvents(u, 1)...); err != nil {
				b.Error(err)
				return
			}
		}
	}
	if n == 1 {
		u := "w0"
		for b.Loop() {
			if err := s.Append(ctx, benchEvents(u, 1)...); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		b.RunParallel(run)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
}

// benchUsers are the user IDs of readStore, built once so that the read
// benchmarks measure the store, not fmt.
var benchUsers = func() []string {
	us := make([]string, 100)
	for i := range us {
		us[i] = fmt.Sprintf("u%d", i)
	}
	return us
}()

// readStore fills s with 100 users of 10 events each.
func readStore(b *testing.B, s consent.Store) consent.Store {
	for _, u := range benchUsers {
		if err := s.Append(context.Background(), benchEvents(u, 10)...); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func benchRead(b *testing.B, read func(ctx context.Context, user string) error) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := read(ctx, benchUsers[i%len(benchUsers)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if err := read(ctx, benchUsers[i%len(benchUsers)]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
