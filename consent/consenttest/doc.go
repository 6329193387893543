// Package consenttest checks that a [consent.Store] implementation behaves
// as the consent package promises, the way log/slog's testing/slogtest
// checks a slog.Handler.
//
// # Usage
//
// Call [Run] from a test of the implementation, with a function that returns
// a new, empty store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		consenttest.Run(t, func(t *testing.T) consent.Store {
//			s, err := mystore.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite covers: append then state and history; atomic batches (an
// invalid or conflicting event writes nothing); log order by time with ties
// in append order, and late events landing where they belong; grant terms;
// idempotent re-appends and [consent.ErrConflict] for a reused ID; exact
// round-trip of every field; concurrent appends; readers seeing a batch
// whole or not at all; context cancellation;
// [consent.ErrInvalidEvent]; unknown users; concurrent batches that stand
// or fail alone (for stores that group appends in one transaction); and,
// for a [consent.TokenStore], tokens. [RunInstances] checks
// read-your-writes across two instances sharing storage.
//
// [Bench] is the matching set of benchmarks (append, warm and cold state,
// history; serial and parallel), so that backends are measured alike:
//
//	func BenchmarkStore(b *testing.B) {
//		consenttest.Bench(b, func(b *testing.B, cached bool) consent.Store { ... })
//	}
//
// # Concurrency
//
// Subtests run one after the other, each on its own store, so newStore need
// not be safe for concurrent use; the stores it returns must be, since one
// subtest appends and reads from many goroutines at once.
//
// # Storage
//
// Times must round-trip at least to the microsecond (PostgreSQL's
// timestamptz keeps no more); the suite's fixtures carry microseconds, and
// an event whose times carry nanoseconds must still be recognised as a
// repeat of itself when appended again. The backends in this module keep
// nanoseconds exactly. A time may come back in another location (UTC) but
// must be the same instant.
package consenttest
