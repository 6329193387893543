// Package ledgertest checks that a [ledger.Store] implementation behaves as
// the ledger package promises, the way consent/consenttest checks a
// consent.Store.
//
// # Usage
//
// Call [Run] from a test of the implementation, with a function that returns
// a new, empty store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		ledgertest.Run(t, func(t *testing.T) ledger.Store {
//			s, err := mystore.Open(t.Context(), filepath.Join(t.TempDir(), "l.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite covers: an empty store; append then head, scan and subject;
// exact round-trip of every field; compare-and-append ([ledger.ErrConflict]
// for a batch that does not continue the head, one winner among racing
// appends); atomic batches (an invalid entry, a gap or a wrong hash writes
// nothing, [ledger.ErrInvalidEntry]); scans from a sequence number and
// stopped early; entries handed out as copies; 16 goroutines recording 50
// entries each through one ledger, and two ledgers sharing the store, with
// the chain verified after; and context cancellation.
//
// [Bench] is the matching set of benchmarks (Record serial and parallel,
// Verify of 10,000 entries, Subject), so that backends are measured alike.
//
// # Concurrency
//
// Subtests run one after the other, each on its own store, so newStore need
// not be safe for concurrent use; the stores it returns must be.
//
// # Storage
//
// Times must round-trip exactly, to the nanosecond, since they are hashed;
// they may come back in another location (UTC) as the same instant.
package ledgertest
