package policy_test

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

var minorsFS = fstest.MapFS{"minors.rego": {Data: []byte(`package privacy.host

deny contains {"code": "host_minor_location", "clause": "host 3"} if {
	input.attributes["subject.age_group"] == "minor"
	"geolocation" in input.categories
}
`)}}

func attributeFixture(t testing.TB) fixture {
	t.Helper()
	f := newFixture(t,
		policy.WithHostRego(minorsFS),
		policy.WithAttribute("subject.age_group", "minor", "adult"),
		policy.WithAttribute("channel", "web", "app", "branch"),
	)
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	return f
}

// TestAttributes: a host rule decides by a declared attribute ("deny
// location for minors"), decisions stay memoised, and an undeclared
// attribute or value is an error and a denial.
func TestAttributes(t *testing.T) {
	ctx := context.Background()
	f := attributeFixture(t)
	tests := []struct {
		name    string
		opts    []policy.CheckOption
		allowed bool
		reason  string
		err     error
	}{
		{"minor: location denied by the host rule", []policy.CheckOption{policy.WithAttr("subject.age_group", "minor")}, false, "host_minor_location@host 3", nil},
		{"adult: allowed", []policy.CheckOption{policy.WithAttr("subject.age_group", "adult")}, true, "operator_processing@2.1", nil},
		{"not given: allowed", nil, true, "operator_processing@2.1", nil},
		{"two attributes", []policy.CheckOption{policy.WithAttr("channel", "branch"), policy.WithAttr("subject.age_group", "minor")}, false, "host_minor_location@host 3", nil},
		{"the last value given wins", []policy.CheckOption{policy.WithAttr("subject.age_group", "minor"), policy.WithAttr("subject.age_group", "adult")}, true, "operator_processing@2.1", nil},
		{"undeclared attribute", []policy.CheckOption{policy.WithAttr("subject.height", "tall")}, false, "invalid_request@", policy.ErrInvalidRequest},
		{"value outside the domain", []policy.CheckOption{policy.WithAttr("subject.age_group", "teen")}, false, "invalid_request@", policy.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second is served from the cache
				d, err := f.engine.Check(ctx, "u", purpose.Location, policy.Operator, tt.opts...)
				if tt.err != nil {
					assert.ErrorIs(t, err, tt.err)
				} else {
					require.NoError(t, err)
				}
				assert.Equal(t, tt.allowed, d.Allowed, d.Explain("en"))
				assert.Contains(t, codes(d), tt.reason)
			}
		})
	}
}

// Declarations are checked at New: their domains must pack into the
// decision key's 64 bits.
func TestAttributeDeclarations(t *testing.T) {
	values := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("v%d", i)
		}
		return out
	}
	tests := []struct {
		name string
		opts []policy.Option
		ok   bool
	}{
		{"fits", []policy.Option{policy.WithAttribute("a", values(255)...), policy.WithAttribute("b", values(3)...)}, true},
		{"64 bits exactly", []policy.Option{policy.WithAttribute("a", values(65535)...), policy.WithAttribute("b", values(65535)...), policy.WithAttribute("c", values(65535)...), policy.WithAttribute("d", values(65535)...)}, true},
		{"65 bits", []policy.Option{policy.WithAttribute("a", values(65535)...), policy.WithAttribute("b", values(65535)...), policy.WithAttribute("c", values(65535)...), policy.WithAttribute("d", values(65535)...), policy.WithAttribute("e", "x")}, false},
		{"declared twice", []policy.Option{policy.WithAttribute("a", "x"), policy.WithAttribute("a", "y")}, false},
		{"no values", []policy.Option{policy.WithAttribute("a")}, false},
		{"empty value", []policy.Option{policy.WithAttribute("a", "")}, false},
		{"repeated value", []policy.Option{policy.WithAttribute("a", "x", "x")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.New(tt.opts...)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, policy.ErrInvalidConfig)
		})
	}
}

// BenchmarkCheckAttributes is a warm Check with two attributes: still no
// allocation.
func BenchmarkCheckAttributes(b *testing.B) {
	f := attributeFixture(b)
	ctx := context.Background()
	check := func() (policy.Decision, error) {
		return f.engine.Check(ctx, "u", purpose.Location, policy.Operator,
			policy.WithAttr("subject.age_group", "adult"), policy.WithAttr("channel", "app"))
	}
	d, err := check()
	require.NoError(b, err)
	require.True(b, d.Allowed)
	b.ReportAllocs()
	for b.Loop() {
		if d, err := check(); err != nil || !d.Allowed {
			b.Fatal(d, err)
		}
	}
}
