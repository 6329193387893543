package policy_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// A host's deny written as a boolean rule or an object rule must not be
// silently ignored: either New refuses it or it denies.
func TestHostDenyNotASetNeverIgnored(t *testing.T) {
	for name, src := range map[string]string{
		"boolean": `package privacy.host
deny if { input.purpose == "location" }
`,
		"object": `package privacy.host
deny[{"code": "no_location", "clause": "host 1"}] if { input.purpose == "location" }
`,
		"single": `package privacy.host
deny := {"code": "no_location", "clause": "host 1"} if { input.purpose == "location" }
`,
	} {
		t.Run(name, func(t *testing.T) {
			store := consent.NewMemoryStore()
			e, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(testRecipients...),
				policy.WithHostRego(fstest.MapFS{"h.rego": {Data: []byte(src)}}))
			if err != nil {
				t.Logf("refused at New: %v", err)
				return
			}
			if err := store.Append(context.Background(), consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0)); err != nil {
				t.Fatal(err)
			}
			d, err := e.Check(context.Background(), "u", purpose.Location, policy.Operator)
			if err == nil && d.Allowed {
				t.Errorf("host rule %q denies location, yet Check allows: %s", name, d.Explain("en"))
			}
		})
	}
}

// The forms of a set the decision reads load and deny: a multi-value rule,
// a single value that is a set, in a nested package too.
func TestHostRuleSetFormsDeny(t *testing.T) {
	for name, src := range map[string]string{
		"contains":          "package privacy.host\n\ndeny contains {\"code\": \"no_location\", \"clause\": \"host 1\"} if input.purpose == \"location\"\n",
		"set comprehension": "package privacy.host.loc\n\ndeny := {r | r := {\"code\": \"no_location\", \"clause\": \"host 1\"}; input.purpose == \"location\"}\n",
		"set literal":       "package privacy.host\n\ndeny := {{\"code\": \"no_location\", \"clause\": \"host 1\"}} if input.purpose == \"location\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, policy.WithHostRego(fstest.MapFS{"h.rego": {Data: []byte(src)}}))
			f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
			d, err := f.engine.Check(context.Background(), "u", purpose.Location, policy.Operator)
			require.NoError(t, err)
			assert.False(t, d.Allowed)
			assert.Equal(t, []string{"no_location@host 1"}, codes(d))
			d, err = f.engine.Check(context.Background(), "u", purpose.Support, policy.Operator)
			require.NoError(t, err)
			assert.True(t, d.Allowed, d.Explain("en"))
		})
	}
}

// A value named deny or obligations that New cannot see, because its
// path is computed, is no set: the decision denies, with a code of its
// own and its message, rather than skip it.
func TestHostRuleNotASetDeniesAtDecision(t *testing.T) {
	src := `package privacy.host

rules[name] := true if some name in ["deny"]
`
	f := newFixture(t, policy.WithHostRego(fstest.MapFS{"h.rego": {Data: []byte(src)}}))
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	for _, p := range []purpose.ID{purpose.Location, purpose.Support} {
		d, err := f.engine.Check(context.Background(), "u", p, policy.Operator)
		require.NoError(t, err)
		assert.False(t, d.Allowed, d.Explain("en"))
		require.Equal(t, []string{"host_rule_malformed@"}, codes(d))
		assert.Equal(t, policy.CodeHostRuleMalformed, policy.Code(d.Reasons[0].Code))
		msg, ok := policy.Message(string(policy.CodeHostRuleMalformed))
		require.True(t, ok)
		assert.Equal(t, msg, d.Reasons[0].Message)
	}
}
