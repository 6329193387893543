// Package breachestest is the conformance suite for implementations of
// [breaches.Store].
//
// # Usage
//
//	func TestConformance(t *testing.T) {
//		breachestest.Run(t, func(t *testing.T) breaches.Store { return newStore(t) })
//	}
package breachestest
