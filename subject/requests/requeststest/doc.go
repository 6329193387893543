// Package requeststest is the conformance suite for implementations of
// [requests.Store]: every store in this module passes it, and a host's
// own store should too.
//
// # Usage
//
//	func TestConformance(t *testing.T) {
//		requeststest.Run(t, func(t *testing.T) requests.Store { return newStore(t) })
//	}
package requeststest
