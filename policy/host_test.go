package policy_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// hostFS is a host's layered policy: a denial in the root package, an
// obligation in a nested one, a test file that must be skipped.
var hostFS = fstest.MapFS{
	"location.rego": {Data: []byte(`package privacy.host

# Location never goes to state bodies, says this operator.
deny contains {"code": "host_no_location_to_state", "clause": "host 1"} if {
	input.recipient.kind == "state_body"
	"geolocation" in input.categories
}
`)},
	"audit/audit.rego": {Data: []byte(`package privacy.host.audit

obligations contains {"code": "host_audit", "clause": "host 2"} if {
	input.recipient.kind == "partner"
}
`)},
	"location_test.rego": {Data: []byte(`package privacy.host_test

test_nothing if { true }
`)},
}

// TestHostRego: a host's rules layered on the seed add denials and
// obligations, in nested packages too, and decisions stay memoised.
func TestHostRego(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, policy.WithHostRego(hostFS), policy.WithMessages(map[string]purpose.Text{
		"host_no_location_to_state": {RU: "Местоположение не передаётся госорганам", EN: "No location to state bodies"},
	}))
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	tests := []struct {
		name       string
		p          purpose.ID
		recipient  string
		cats       []purpose.Category
		allowed    bool
		reason     string
		obligation string
	}{
		{"host denial", purpose.Location, "kgd", []purpose.Category{purpose.GeoLocation}, false, "host_no_location_to_state@host 1", ""},
		{"host denial with the purpose's own categories", purpose.Location, "kgd", nil, false, "host_no_location_to_state@host 1", ""},
		{"seed allow untouched elsewhere", purpose.Verification, "kgd", []purpose.Category{purpose.Identity}, true, "shared_with_affiliated@5.1", ""},
		{"host obligation from a nested package", purpose.Payments, "kaspi", []purpose.Category{purpose.PaymentDetails}, true, "shared_with_affiliated@5.1", "host_audit@host 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second is served from the cache
				d, err := f.engine.Check(ctx, "u", tt.p, tt.recipient, policy.WithCategories(tt.cats...))
				require.NoError(t, err)
				assert.Equal(t, tt.allowed, d.Allowed, d.Explain("en"))
				assert.Contains(t, codes(d), tt.reason)
				if tt.obligation != "" {
					assert.Contains(t, obligationCodes(d), tt.obligation)
				}
			}
		})
	}
	assert.Positive(t, f.engine.CacheLen())
}

// A host's rules cannot relax a denial of the seed, however they try. (A
// deny or obligations that is no set is refused at New:
// TestHostRuleNotASetRefused.)
func TestHostRegoCannotRelax(t *testing.T) {
	ctx := context.Background()
	attempts := map[string]string{
		"grounds": `package privacy.host

allow contains {"code": "host_allow", "clause": "x"} if { true }
grounds contains {"code": "host_allow", "clause": "x"} if { true }
deny := set()
`,
		"nested allow": `package privacy.host.deep

decision := {"allow": true, "reasons": [{"code": "x", "clause": "x"}], "obligations": set()}
`,
	}
	for name, src := range attempts {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, policy.WithHostRego(fstest.MapFS{"relax.rego": {Data: []byte(src)}}))
			// No acceptance: the seed denies (2.1).
			d, err := f.engine.Check(ctx, "u", purpose.Support, policy.Operator)
			require.NoError(t, err)
			assert.False(t, d.Allowed)
			assert.Equal(t, []string{"acceptance_missing@2.1"}, codes(d))
			// 5.2 without a grant stays denied.
			f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
			d, err = f.engine.Check(ctx, "u", purpose.Support, "halyk")
			require.NoError(t, err)
			assert.False(t, d.Allowed)
		})
	}
}

// A host module outside privacy.host is refused at New with file and line.
func TestHostRegoPackageConfined(t *testing.T) {
	for name, src := range map[string]string{
		"seed package": "package privacy\n\ndecision := {\"allow\": true, \"reasons\": [], \"obligations\": []}\n",
		"consent":      "# comment\npackage privacy.consent\n\ndeny := set()\n",
		"look-alike":   "package privacy.hostile\n\nx := 1\n",
		"another root": "package other\n\nx := 1\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := policy.New(policy.WithHostRego(fstest.MapFS{"dir/bad.rego": {Data: []byte(src)}}))
			require.ErrorIs(t, err, policy.ErrInvalidConfig)
			assert.Contains(t, err.Error(), "host/dir/bad.rego:")
			assert.Contains(t, err.Error(), "outside privacy.host")
		})
	}
}

// TestHostCannotRelaxAnySeedDenial tries allow-all host layers, as
// WithHostRego modules and as a bundle with data, against every purpose,
// recipient kind, consent setup and both outer category sets: every
// decision the seed denies stays denied with the same reasons, and every
// allow keeps the seed's grounds (issue 11: a host rule cannot relax a
// seed denial).
func TestHostCannotRelaxAnySeedDenial(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive: skipped with -short")
	}
	ctx := context.Background()
	attempts := map[string][]policy.Option{
		"allow and grounds": {policy.WithHostRego(fstest.MapFS{"a.rego": {Data: []byte(`package privacy.host

allow contains {"code": "operator_processing", "clause": "2.1"} if { true }

grounds contains {"code": "consent_granted", "clause": "5.2"} if { true }
`)}})},
		"a decision of its own, nested": {policy.WithHostRego(fstest.MapFS{"a/b.rego": {Data: []byte(`package privacy.host.a

decision := {"allow": true, "reasons": [{"code": "operator_processing", "clause": "2.1"}], "obligations": set()}

default allow := true
`)}})},
		"deny as an empty set, obligations claiming a ground": {policy.WithHostRego(fstest.MapFS{"c.rego": {Data: []byte(`package privacy.host.c

deny := set()

obligations contains {"code": "operator_processing", "clause": "2.1"} if { true }
`)}})},
		"bundle: data shaped like a decision": {policy.WithBundle(fstest.MapFS{
			"privacy/host/r.rego":      {Data: []byte("package privacy.host.r\n\nallow := true\n")},
			"privacy/host/data.json":   {Data: []byte(`{"decision": {"allow": true}, "grounds": [{"code": "operator_processing", "clause": "2.1"}]}`)},
			"privacy/host/x/data.json": {Data: []byte(`{"allow": true}`)},
		})},
	}
	seed := newFixture(t)
	engines := map[string]*policy.Engine{}
	for name, opts := range attempts {
		e, err := policy.New(append([]policy.Option{
			policy.WithConsentStore(seed.store),
			policy.WithRecipients(testRecipients...),
			policy.WithClock(func() time.Time { return t0.Add(time.Hour) }),
			policy.WithEvalTimeout(testEvalBudget),
		}, opts...)...)
		require.NoError(t, err, name)
		engines[name] = e
	}
	cat := purpose.Default()
	recipients := append([]disclosure.Recipient{{ID: policy.Operator, Kind: "operator"}}, testRecipients...)
	sets := categorySets(cat)[:2]
	denials, allows := 0, 0
	for _, p := range cat.Purposes() {
		for _, r := range recipients {
			for _, cs := range consentSetups() {
				user := fmt.Sprintf("%s|%s|%s", p.ID, r.ID, cs.name)
				seed.append(t, cs.events(user, p.ID, r.ID)...)
				for _, cats := range sets {
					want, err := seed.engine.Check(ctx, user, p.ID, r.ID, policy.WithCategories(cats...))
					require.NoError(t, err)
					if want.Allowed {
						allows++
					} else {
						denials++
					}
					for name, e := range engines {
						got, err := e.Check(ctx, user, p.ID, r.ID, policy.WithCategories(cats...))
						require.NoError(t, err)
						if got.Allowed != want.Allowed || !slices.Equal(codes(got), codes(want)) {
							t.Fatalf("%s: %s %s %s %v: seed %v %v, with host layer %v %v", name, p.ID, r.ID, cs.name, cats, want.Allowed, codes(want), got.Allowed, codes(got))
						}
					}
				}
			}
		}
	}
	require.Positive(t, denials)
	require.Positive(t, allows)
	t.Logf("%d seed denials and %d allows unchanged under %d allow-all host layers", denials, allows, len(attempts))
}
