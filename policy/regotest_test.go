package policy_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/policy"
)

// TestRunRegoTests runs a host bundle's Rego tests with the seed loaded
// beneath them: a test may query the host's package or the final decision.
func TestRunRegoTests(t *testing.T) {
	b := fstest.MapFS{
		"privacy/host/minors.rego": {Data: []byte(`package privacy.host

deny contains {"code": "minor_location", "clause": "host 1"} if input.attributes.age == "minor"
`)},
		"privacy/host/minors_test.rego": {Data: []byte(`package privacy.host_test

import data.privacy

req := {
	"purpose": "support",
	"recipient": {"kind": "operator", "confidentiality": false, "country": "KZ"},
	"categories": [],
	"acceptance": "current",
	"grant": false,
	"attributes": {"age": "minor"},
}

test_host_rule_denies if {
	some r in privacy.host.deny with input as req
	r.code == "minor_location"
}

test_final_decision_denies if {
	d := privacy.decision with input as req
	not d.allow
}

test_fails_on_purpose if {
	d := privacy.decision with input as req
	d.allow
}
`)},
	}
	results, err := policy.RunRegoTests(context.Background(), b)
	require.NoError(t, err)
	got := map[string]bool{}
	for _, r := range results {
		got[r.Name] = r.Pass
	}
	assert.Equal(t, map[string]bool{
		"privacy.host_test.test_host_rule_denies":      true,
		"privacy.host_test.test_final_decision_denies": true,
		"privacy.host_test.test_fails_on_purpose":      false,
	}, got)

	_, err = policy.RunRegoTests(context.Background(), fstest.MapFS{"x.rego": {Data: []byte("package privacy\n\ndecision := {}\n")}})
	assert.ErrorIs(t, err, policy.ErrInvalidConfig, "a module outside privacy.host")
}
