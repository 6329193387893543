// Package claimstest is the conformance suite for implementations of
// [claims.Store]: every store, in memory or in a database, must pass
// [Run].
//
// # Usage
//
//	func TestConformance(t *testing.T) {
//		claimstest.Run(t, func(t *testing.T) claims.Store {
//			return open(t) // a new, empty store
//		})
//	}
//
// # Concurrency
//
// Each subtest gets its own store; some of them use it from many
// goroutines at once, as a service would.
//
// # Storage
//
// The suite checks what a store keeps (every field, times to the
// nanosecond), what it refuses (invalid claims, taken IDs, stale status
// changes) and the order of its answers. It also drives a
// [claims.Registry] over the store, so the status rules and the deadline
// are checked end to end against the real backend.
package claimstest
