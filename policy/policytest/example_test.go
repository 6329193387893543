package policytest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/policytest"
	"github.com/yasam/privacy/purpose"
)

func ExampleNew() {
	t := new(testing.T) // in a test, the t you are given

	f := policytest.New(t)
	f.Accept("user-1")
	d, err := f.Check("user-1", purpose.Payments, policytest.ThirdParty)
	policytest.RequireDenied(t, d, err, "5.2")
	fmt.Println(d.Explain("en"))

	f.Grant("user-1", purpose.Payments, policytest.ThirdParty)
	d, err = f.Check("user-1", purpose.Payments, policytest.ThirdParty)
	policytest.RequireAllowed(t, d, err)
	policytest.RequireObligation(t, d, "record_disclosure")
	fmt.Println(d.Explain("en"))
	// Output:
	// denied (payments → third-party, 2023-ru-1)
	//   - [clause 5.2] consent_required: Sharing with an unaffiliated company or a private individual needs the user's consent
	// allowed (payments → third-party, 2023-ru-1)
	//   - [clause 5.2] consent_granted: The user consented to sharing with this recipient for this purpose
	//   ! [clause 7.1] record_disclosure: Record the disclosure and its basis in the ledger
}

// A grant with a term, and the clock moved past it.
func ExampleFixture_Advance() {
	t := new(testing.T) // in a test, the t you are given

	f := policytest.New(t)
	f.Accept("user-1")
	f.Grant("user-1", purpose.Verification, policytest.Individual, consent.WithTerm(f.Now().Add(30*24*time.Hour)))
	for range 2 {
		d, err := f.Check("user-1", purpose.Verification, policytest.Individual)
		fmt.Println(f.Now().Format(time.DateOnly), d.Allowed, err)
		f.Advance(31 * 24 * time.Hour)
	}
	// Output:
	// 2024-01-15 true <nil>
	// 2024-02-15 false <nil>
}

// A Stub stands in for the engine where a test wants no policy at all,
// only its answers.
func ExampleStub() {
	ctx := context.Background()
	stub := policytest.NewStub(policytest.Deny("consent_required", "5.2"))
	stub.On(purpose.Payments, "halyk", policytest.Allow())
	stub.On(purpose.Support, "halyk", policytest.Fail(fmt.Errorf("%w: db down", policy.ErrConsentUnavailable)))

	for _, p := range []purpose.ID{purpose.Payments, purpose.Support, purpose.Feedback} {
		d, err := stub.Check(ctx, "user-1", p, "halyk")
		fmt.Println(p, d.Allowed, d.Reasons[0].Code, err)
	}
	fmt.Println(len(stub.Calls()), "calls")
	// Output:
	// payments true consent_granted <nil>
	// support false consent_unavailable policy: consent state unavailable: db down
	// feedback false consent_required <nil>
	// 3 calls
}
