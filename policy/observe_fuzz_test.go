package policy_test

import (
	"testing"

	"github.com/yasam/privacy/policy"
)

// FuzzParseDecisionID: any text parses to an ID whose String gives the
// text back (in lower case), or fails with ErrInvalidDecisionID.
func FuzzParseDecisionID(f *testing.F) {
	for _, s := range []string{"", "0193f2a4-7b8c-8d9e-af01-23456789abcd", "0193F2A4-7B8C-8D9E-AF01-23456789ABCD", "0193f2a4-7b8c-8d9e-af01-23456789abcg", "--------------------------------", "0193f2a4+7b8c-8d9e-af01-23456789abcd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := policy.ParseDecisionID(s)
		if err != nil {
			if id != (policy.DecisionID{}) {
				t.Fatal("an ID with an error")
			}
			return
		}
		back, err := policy.ParseDecisionID(id.String())
		if err != nil || back != id {
			t.Fatalf("%q does not round-trip: %v", s, err)
		}
		var u policy.DecisionID
		if err := u.UnmarshalText([]byte(s)); err != nil || u != id {
			t.Fatalf("UnmarshalText disagrees on %q", s)
		}
	})
}
