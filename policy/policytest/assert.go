package policytest

import (
	"errors"
	"slices"
	"testing"

	"github.com/yasam/privacy/policy"
)

// The assertions stop the test with t.Fatalf when they fail, and print the
// decision's explanation (in English, with clauses and codes) so the
// failure says why the engine decided as it did.

// RequireAllowed fails the test unless d allows and err is nil.
func RequireAllowed(t testing.TB, d policy.Decision, err error) {
	t.Helper()
	switch {
	case err != nil:
		t.Fatalf("policytest: want allowed, got error: %v\n%s", err, d.Explain("en"))
	case !d.Allowed:
		t.Fatalf("policytest: want allowed, got:\n%s", d.Explain("en"))
	}
}

// RequireDenied fails the test unless d is a denial by the policy (err is
// nil) citing clause among its reasons; an empty clause accepts any. A
// denial that comes with an error is a failure to decide, not a rule:
// test it with [RequireFailClosed].
func RequireDenied(t testing.TB, d policy.Decision, err error, clause string) {
	t.Helper()
	switch {
	case err != nil:
		t.Fatalf("policytest: want denied by clause %q, got error: %v\n%s", clause, err, d.Explain("en"))
	case d.Allowed:
		t.Fatalf("policytest: want denied by clause %q, got:\n%s", clause, d.Explain("en"))
	case clause != "" && !slices.Contains(d.Clauses(), clause):
		t.Fatalf("policytest: want denied by clause %q, got denied by %q:\n%s", clause, d.Clauses(), d.Explain("en"))
	}
}

// RequireObligation fails the test unless d allows with the obligation
// code, e.g. "record_disclosure".
func RequireObligation(t testing.TB, d policy.Decision, code policy.Code) {
	t.Helper()
	switch {
	case !d.Allowed:
		t.Fatalf("policytest: want obligation %q, got a denial (obligations come with an allow):\n%s", code, d.Explain("en"))
	case !d.Obliges(code):
		t.Fatalf("policytest: want obligation %q, got:\n%s", code, d.Explain("en"))
	}
}

// RequireFailClosed fails the test unless err is non-nil, wraps target
// (any error if target is nil) and comes with a denying d that gives a
// reason: what every failure to decide must look like.
func RequireFailClosed(t testing.TB, d policy.Decision, err, target error) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatalf("policytest: want an error wrapping %v, got none:\n%s", target, d.Explain("en"))
	case target != nil && !errors.Is(err, target):
		t.Fatalf("policytest: want an error wrapping %v, got: %v\n%s", target, err, d.Explain("en"))
	case d.Allowed:
		t.Fatalf("policytest: an error came with an allow (must deny): %v\n%s", err, d.Explain("en"))
	case len(d.Reasons) == 0:
		t.Fatalf("policytest: a denial on error gives no reason: %v\n%s", err, d.Explain("en"))
	}
}
