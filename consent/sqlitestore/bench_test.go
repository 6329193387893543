package sqlitestore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/purpose"
)

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

func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{1, 10} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s := open(b, filepath.Join(b.TempDir(), "c.db"))
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := s.Append(ctx, benchEvents(fmt.Sprintf("u%d", i%1000), size)...); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("batch=%d/parallel", size), func(b *testing.B) {
			s := open(b, filepath.Join(b.TempDir(), "c.db"))
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

// readStore returns a store holding 100 users with 10 events each.
func readStore(b *testing.B, opts ...sqlitestore.Option) *sqlitestore.Store {
	s := open(b, filepath.Join(b.TempDir(), "c.db"), opts...)
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
		opts []sqlitestore.Option
	}{
		{"warm", nil},
		{"cold", []sqlitestore.Option{sqlitestore.WithCacheSize(0)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := readStore(b, tc.opts...)
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := s.State(ctx, fmt.Sprintf("u%d", i%100)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/parallel", func(b *testing.B) {
			s := readStore(b, tc.opts...)
			ctx := context.Background()
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
