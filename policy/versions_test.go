package policy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

func TestPriorVersions(t *testing.T) {
	v1 := policy.Version{ID: "2023-ru-1"}
	v2 := policy.Version{ID: "2025-ru-2"}
	tests := []struct {
		name     string
		opts     []policy.Option
		accepted string
		allowed  bool
		reason   string
		obliges  bool
	}{
		{"lenient: any other version is an earlier one", nil, "typo", true, "operator_processing", true},
		{"strict: a listed earlier version stands (9.2, 9.5)", []policy.Option{policy.WithPriorVersions(v1)}, v1.ID, true, "operator_processing", true},
		{"strict: the version in force", []policy.Option{policy.WithPriorVersions(v1)}, v2.ID, true, "operator_processing", false},
		{"strict: an unknown version is no acceptance (2.1)", []policy.Option{policy.WithPriorVersions(v1)}, "typo", false, "acceptance_missing", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := consent.NewMemoryStore()
			ctx := context.Background()
			require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u", tt.accepted, t0)))
			e, err := policy.New(append([]policy.Option{policy.WithConsentStore(store), policy.WithVersion(v2)}, tt.opts...)...)
			require.NoError(t, err)
			d, err := e.Check(ctx, "u", purpose.Support, policy.Operator)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, d.Allowed)
			assert.True(t, d.Has(tt.reason), d.Explain("en"))
			assert.Equal(t, tt.obliges, d.Obliges("show_current_version"))
		})
	}
	_, err := policy.New(policy.WithVersion(v2), policy.WithPriorVersions(v2))
	assert.ErrorIs(t, err, policy.ErrInvalidConfig, "the version in force is not a prior one")
}

// Decisions share their slices with the cache: a caller that appends to
// one must not change what the next Check returns.
func TestCachedDecisionsAreNotAliased(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	d, err := f.engine.Check(ctx, "u", purpose.Verification, "kgd")
	require.NoError(t, err)
	want := obligationCodes(d)
	_ = append(d.Obligations, policy.Obligation{Code: "host_added"})
	_ = append(d.Reasons, policy.Reason{Code: "host_added"})
	again, err := f.engine.Check(ctx, "u", purpose.Verification, "kgd")
	require.NoError(t, err)
	assert.Equal(t, want, obligationCodes(again))
	assert.Equal(t, len(again.Reasons), cap(again.Reasons))
	assert.Equal(t, len(again.Obligations), cap(again.Obligations))
}
