package ledgertest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// Bench runs the standard benchmarks of a [ledger.Store] through a
// [ledger.Ledger], so that every backend is measured the same way:
//
//   - Record, serial and parallel (b.RunParallel with 8 goroutines per
//     GOMAXPROCS, as a service serves many requests at once; Records
//     arriving together share an append);
//   - Verify of a chain of 10,000 entries;
//   - Subject, one subject's 100 entries out of those 10,000.
//
// newStore returns a new, empty store.
func Bench(b *testing.B, newStore func(b *testing.B) ledger.Store) {
	allows := banks(b)
	// Every decision the loops record, made before they are timed.
	for g := range 100 {
		for i := range 4 {
			if _, err := allows.Allow(fmt.Sprintf("user-%d", g), fmt.Sprintf("bank-%d", i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("Record", func(b *testing.B) {
		b.Run("serial", func(b *testing.B) {
			l := ledger.New(newStore(b))
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := record(ctx, l, allows, i%100, i); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run("parallel", func(b *testing.B) {
			l := ledger.New(newStore(b))
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(8)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1))
					if err := record(ctx, l, allows, i%100, i); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	})
	b.Run("Verify/10000", func(b *testing.B) {
		l := ledger.New(filled(b, newStore(b), 10000))
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if err := l.Verify(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Subject of 10,000 entries, 100 of them the subject's, and ByDecision
	// of one entry's decision among them: with the
	// verified index (the default: after a first call, outside the timing,
	// that walks the chain, a call reads the subject's entries and what is
	// new) and without it (every call walks the chain).
	for _, mode := range []struct {
		name string
		opts []ledger.Option
	}{{"index", nil}, {"walk", []ledger.Option{ledger.WithVerifiedIndex(0)}}} {
		b.Run("Subject/10000/"+mode.name, func(b *testing.B) {
			l := ledger.New(filled(b, newStore(b), 10000), mode.opts...)
			ctx := context.Background()
			if _, err := l.Subject(ctx, "user-0"); err != nil { // the first call walks
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				es, err := l.Subject(ctx, "user-7")
				if err != nil {
					b.Fatal(err)
				}
				if len(es) != 100 {
					b.Fatalf("got %d entries, want 100", len(es))
				}
			}
		})
		b.Run("ByDecision/10000/"+mode.name, func(b *testing.B) {
			l := ledger.New(filled(b, newStore(b), 10000), mode.opts...)
			ctx := context.Background()
			id, err := policy.ParseDecisionID(entry("user-7", 7007).DecisionID)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := l.ByDecision(ctx, id); err != nil { // the first call walks
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				es, err := l.ByDecision(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				if len(es) != 1 {
					b.Fatalf("got %d entries, want 1", len(es))
				}
			}
		})
	}
}

// filled appends n entries, for subjects user-0 to user-99 in turn, in
// batches of 1000.
func filled(b *testing.B, s ledger.Store, n int) ledger.Store {
	b.Helper()
	var head ledger.Head
	for done := 0; done < n; {
		k := min(1000, n-done)
		es := make([]ledger.Entry, k)
		for i := range es {
			e := entry(fmt.Sprintf("user-%d", (done+i)%100), done+i)
			e.RecipientKind = disclosure.ThirdParty
			e.Categories = []purpose.Category{purpose.Identity, purpose.PaymentDetails}
			es[i] = e
		}
		es = link(head, es...)
		if err := s.Append(context.Background(), es); err != nil {
			b.Fatal(err)
		}
		head = es[k-1].Head()
		done += k
	}
	return s
}
