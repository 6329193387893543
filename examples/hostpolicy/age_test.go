package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// A Check that does not give the subject's age group must not skip the
// operator's rule: the attribute left out is undefined in Rego, and a rule
// that asks "is this a minor" would then let a minor's geolocation
// through. An unknown age counts as a minor's.
func TestMinorsRuleAgeNotGivenCountsAsMinor(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()

	d, err := e.Check(ctx, "u", purpose.Location, "kgd")
	require.NoError(t, err)
	assert.False(t, d.Allowed, d.Explain("en"))
	assert.Equal(t, []string{"minor_location"}, codes(d.Reasons))

	d, err = e.Check(ctx, "u", purpose.Verification, "kgd")
	require.NoError(t, err)
	assert.True(t, d.Allowed, d.Explain("en"))
	assert.True(t, d.Obliges("guardian_consent"), "obligations: %v", d.Obligations)

	d, err = e.Check(ctx, "u", purpose.Verification, "kgd", policy.WithAttr(AgeGroup, "adult"))
	require.NoError(t, err)
	assert.False(t, d.Obliges("guardian_consent"), "an adult: obligations: %v", d.Obligations)
}
