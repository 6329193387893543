// Package policytest helps test code that asks the privacy policy: a real
// engine set up in one line, users put in a consent state in one line each,
// assertions that explain a failure by the decision's reasons, and a
// scripted [Stub] for tests that want no engine at all.
//
// # Usage
//
// With a real engine, a [Fixture]:
//
//	func TestShare(t *testing.T) {
//		f := policytest.New(t)
//		f.Accept("user-1")
//		d, err := f.Check("user-1", purpose.Payments, policytest.ThirdParty)
//		policytest.RequireDenied(t, d, err, "5.2") // consent_required
//
//		f.Grant("user-1", purpose.Payments, policytest.ThirdParty)
//		d, err = f.Check("user-1", purpose.Payments, policytest.ThirdParty)
//		policytest.RequireAllowed(t, d, err)
//		policytest.RequireObligation(t, d, "record_disclosure")
//
//		svc := NewService(f.Engine()) // the code under test
//		// ...
//	}
//
// The fixture registers one recipient of each disclosure.Kind under the IDs
// [StateBody], [Partner], [Affiliate], [ThirdParty], [Individual],
// [Employee] (with a confidentiality obligation) and [Contractor] (without);
// its clock stands at [Epoch] until [Fixture.Advance] moves it.
//
// Without an engine, a [Stub] answers as scripted and records the calls:
//
//	stub := policytest.NewStub(policytest.Deny("consent_required", "5.2"))
//	stub.On(purpose.Payments, "halyk", policytest.Allow())
//	stub.On(purpose.Support, "halyk", policytest.Fail(fmt.Errorf("%w: down", policy.ErrConsentUnavailable)))
//	h := httpguard.Require(stub, purpose.Payments, "halyk", opts)(handler)
//
// # Assertions
//
// [RequireAllowed], [RequireDenied], [RequireObligation] and
// [RequireFailClosed] stop the test with t.Fatalf and print the decision's
// explanation, so a failure says which clause decided.
//
// # Concurrency
//
// A Fixture's engine, store and clock are safe for concurrent use by
// multiple goroutines; its helpers, like t.Fatal, belong to the test's
// goroutine. A Stub is safe for concurrent use by multiple goroutines.
package policytest
