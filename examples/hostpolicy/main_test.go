package main

import (
	"context"
	"io/fs"
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

var t0 = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

func newEngine(t testing.TB, extra ...policy.Option) *policy.Engine {
	t.Helper()
	store := consent.NewMemoryStore()
	require.NoError(t, store.Append(context.Background(),
		consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0),
		consent.Grant("u", purpose.Location, "courier", t0),
	))
	e, err := policy.New(append(append(Options(),
		policy.WithConsentStore(store),
		policy.WithRecipients(
			disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody},
			disclosure.Recipient{ID: "courier", Kind: disclosure.ThirdParty},
		),
	), extra...)...)
	require.NoError(t, err)
	return e
}

func codes(rs []policy.Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

// TestHostPolicy runs the host rule through the engine, on top of the
// seed: go test's half of "the same rule, tested by opa test and go test".
func TestHostPolicy(t *testing.T) {
	e := newEngine(t)
	tests := []struct {
		name      string
		p         purpose.ID
		recipient string
		opts      []policy.CheckOption
		allowed   bool
		reasons   []string
		obliges   policy.Code
	}{
		{"minor, location to a state body", purpose.Location, "kgd", []policy.CheckOption{policy.WithAttr(AgeGroup, "minor")}, false, []string{"minor_location"}, ""},
		{"minor, location by the operator", purpose.Location, policy.Operator, []policy.CheckOption{policy.WithAttr(AgeGroup, "minor")}, false, []string{"minor_location"}, ""},
		{"minor, location to a third party the user granted", purpose.Location, "courier", []policy.CheckOption{policy.WithAttr(AgeGroup, "minor")}, false, []string{"minor_location"}, ""},
		{"minor, only the device named", purpose.Location, "kgd", []policy.CheckOption{policy.WithAttr(AgeGroup, "minor"), policy.WithCategories(purpose.Device)}, true, []string{"shared_with_affiliated"}, "guardian_consent"},
		{"minor, verification", purpose.Verification, "kgd", []policy.CheckOption{policy.WithAttr(AgeGroup, "minor")}, true, []string{"shared_with_affiliated"}, "guardian_consent"},
		{"adult, location", purpose.Location, "kgd", []policy.CheckOption{policy.WithAttr(AgeGroup, "adult")}, true, []string{"shared_with_affiliated"}, policy.CodeRecordDisclosure},
		{"age not given, location", purpose.Location, "kgd", nil, false, []string{"minor_location"}, ""},
		{"age not given, verification", purpose.Verification, "kgd", nil, true, []string{"shared_with_affiliated"}, "guardian_consent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := e.Check(context.Background(), "u", tt.p, tt.recipient, tt.opts...)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, d.Allowed)
			assert.Equal(t, tt.reasons, codes(d.Reasons))
			if tt.obliges != "" {
				assert.True(t, d.Obliges(tt.obliges), "obligations: %v", d.Obligations)
			}
			if !tt.allowed {
				assert.NotEqual(t, "minor_location", d.Reasons[0].Message.EN, "the host's text is used")
			}
		})
	}
	_, err := e.Check(context.Background(), "u", purpose.Location, "kgd", policy.WithAttr(AgeGroup, "child"))
	assert.ErrorIs(t, err, policy.ErrInvalidRequest, "a value outside the declared domain")
	assert.Equal(t, "2026-11-30.1", e.BundleRevision())
}

// TestHostPolicyRegoTests runs the bundle's Rego tests through OPA's
// tester, as opa test does: CI runs both.
func TestHostPolicyRegoTests(t *testing.T) {
	results, err := policy.RunRegoTests(context.Background(), Bundle())
	require.NoError(t, err)
	var names []string
	for _, r := range results {
		names = append(names, r.Name)
		assert.True(t, r.Pass, "%s: %s", r.Name, r.Detail)
	}
	assert.Contains(t, names, "privacy.host.minors_test.test_minor_location_denied")
}

// The Rego tests can fail: a copy of the bundle whose rule never denies
// fails them.
func TestHostPolicyRegoTestsCatchABrokenRule(t *testing.T) {
	broken := fstest.MapFS{}
	require.NoError(t, fs.WalkDir(Bundle(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Bundle(), name)
		broken[name] = &fstest.MapFile{Data: b}
		return err
	}))
	broken["privacy/host/minors/minors.rego"] = &fstest.MapFile{Data: []byte("package privacy.host.minors\n\ndeny := set()\n\nobligations := set()\n")}
	results, err := policy.RunRegoTests(context.Background(), broken)
	require.NoError(t, err)
	failed := 0
	for _, r := range results {
		if !r.Pass {
			failed++
		}
	}
	assert.Positive(t, failed)
}

// BenchmarkCheckMinor: a warm Check through the host rule and its
// attribute costs no allocation: decisions stay cached.
func BenchmarkCheckMinor(b *testing.B) {
	e := newEngine(b)
	ctx := context.Background()
	minor := policy.WithAttr(AgeGroup, "minor")
	if d, err := e.Check(ctx, "u", purpose.Location, "kgd", minor); err != nil || d.Allowed {
		b.Fatal(d, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if d, _ := e.Check(ctx, "u", purpose.Location, "kgd", minor); d.Allowed {
			b.Fatal("allowed")
		}
	}
}
