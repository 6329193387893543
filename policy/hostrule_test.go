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

// New and Reload refuse a host rule named deny or obligations that is not
// a set, and host data under those names, naming the module, the line and
// the rule: the decision reads only sets there, so the denial its author
// meant would be lost.
func TestHostRuleNotASetRefused(t *testing.T) {
	rego := func(src string) policy.Option {
		return policy.WithHostRego(fstest.MapFS{"dir/h.rego": {Data: []byte(src)}})
	}
	bundle := func(files map[string]string) policy.Option {
		fsys := fstest.MapFS{}
		for name, src := range files {
			fsys[name] = &fstest.MapFile{Data: []byte(src)}
		}
		return policy.WithBundle(fsys)
	}
	tests := []struct {
		name string
		opt  policy.Option
		want []string // in the error
	}{
		{"boolean", rego("package privacy.host\n\ndeny if input.purpose == \"location\"\n"),
			[]string{"host/dir/h.rego:3:", "privacy.host.deny is not a set"}},
		{"object, Rego v1 deny[x]", rego("package privacy.host\n\ndeny[{\"code\": \"x\", \"clause\": \"h\"}] if input.purpose == \"location\"\n"),
			[]string{"host/dir/h.rego:3:", "puts a document under privacy.host.deny"}},
		{"single object", rego("package privacy.host\n\ndeny := {\"code\": \"x\", \"clause\": \"h\"} if input.purpose == \"location\"\n"),
			[]string{"host/dir/h.rego:3:", "privacy.host.deny is not a set"}},
		{"empty object", rego("package privacy.host\n\ndeny := {}\n"),
			[]string{"privacy.host.deny is not a set"}},
		{"default boolean obligations", rego("package privacy.host.audit\n\ndefault obligations := false\n"),
			[]string{"host/dir/h.rego:3:", "privacy.host.audit.obligations is not a set"}},
		{"a value of unknown type", rego("package privacy.host\n\ndeny := x if x := input.attributes.rule\n"),
			[]string{"privacy.host.deny is not a set"}},
		{"a set below deny", rego("package privacy.host\n\ndeny.more contains {\"code\": \"x\", \"clause\": \"h\"} if true\n"),
			[]string{"host/dir/h.rego:3:", "puts a document under privacy.host.deny"}},
		{"a package named deny", rego("package privacy.host.deny\n\nlocation contains {\"code\": \"x\", \"clause\": \"h\"} if true\n"),
			[]string{"host/dir/h.rego:3:", "puts a document under privacy.host.deny"}},
		{"bundle rule", bundle(map[string]string{"privacy/host/h.rego": "package privacy.host\n\nobligations if true\n"}),
			[]string{"privacy/host/h.rego:3:", "privacy.host.obligations is not a set"}},
		{"bundle data", bundle(map[string]string{
			"privacy/host/h.rego":    "package privacy.host\n\nx := 1\n",
			"privacy/host/data.json": `{"deny": [{"code": "x", "clause": "h"}]}`,
		}), []string{"host data privacy.host.deny is not a set"}},
		{"bundle data, nested", bundle(map[string]string{
			"privacy/host/h.rego":        "package privacy.host\n\nx := 1\n",
			"privacy/host/a/b/data.json": `{"list": {"obligations": true}}`,
		}), []string{"host data privacy.host.a.b.list.obligations is not a set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.New(policy.WithRecipients(testRecipients...), tt.opt)
			require.ErrorIs(t, err, policy.ErrInvalidConfig)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}

			f := newFixture(t)
			err = f.engine.Reload(policy.WithConsentStore(f.store), policy.WithRecipients(testRecipients...), tt.opt)
			require.ErrorIs(t, err, policy.ErrInvalidConfig)
			f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
			d, err := f.engine.Check(context.Background(), "u", purpose.Location, policy.Operator)
			require.NoError(t, err)
			assert.True(t, d.Allowed, "the policy in force stays: %s", d.Explain("en"))
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

// A host's helper values are not rules: a configuration object with a
// "deny" list, or a list of objects saying "deny", loads, and leaves what
// the policy allows allowed.
func TestHostHelpersNamedDenyAreNotRules(t *testing.T) {
	for name, tt := range map[string]struct {
		opt policy.Option
	}{
		"object helper": {policy.WithHostRego(fstest.MapFS{"h.rego": {Data: []byte(`package privacy.host.geo

countries := {"deny": ["DE"], "allow": ["KZ"]}

deny contains {"code": "geo", "clause": "host 1"} if input.recipient.country in countries.deny
`)}})},
		"list helper": {policy.WithHostRego(fstest.MapFS{"h.rego": {Data: []byte(`package privacy.host.flags

rules := [{"purpose": "marketing", "deny": true}]
`)}})},
		"list in bundle data": {policy.WithBundle(fstest.MapFS{
			"privacy/host/h.rego":        {Data: []byte("package privacy.host\n\nx := 1\n")},
			"privacy/host/a/b/data.json": {Data: []byte(`{"list": [{"obligations": true}]}`)},
		})},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, tt.opt)
			f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
			d, err := f.engine.Check(context.Background(), "u", purpose.Security, policy.Operator)
			require.NoError(t, err)
			assert.True(t, d.Allowed, d.Explain("en"))
		})
	}
}
