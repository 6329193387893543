package policy_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

func TestReload(t *testing.T) {
	store := consent.NewMemoryStore()
	ctx := context.Background()
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0)))
	base := []policy.Option{policy.WithConsentStore(store), policy.WithRecipients(testRecipients...)}
	e, err := policy.New(base...)
	require.NoError(t, err)

	d, err := e.Check(ctx, "u", purpose.Support, "freelancer")
	require.NoError(t, err)
	assert.False(t, d.Allowed, "6.3: no confidentiality yet")
	require.Positive(t, e.CacheLen())

	// The operator signs an NDA with the freelancer and publishes a new
	// version of the policy.
	v2 := policy.Version{ID: "2027-ru-2"}
	recipients := append([]disclosure.Recipient(nil), testRecipients...)
	for i := range recipients {
		if recipients[i].ID == "freelancer" {
			recipients[i].Confidentiality = true
		}
	}
	require.NoError(t, e.Reload(policy.WithConsentStore(store), policy.WithRecipients(recipients...), policy.WithVersion(v2)))
	assert.Zero(t, e.CacheLen(), "a reload starts with an empty decision cache")
	assert.Equal(t, v2, e.Version())

	d, err = e.Check(ctx, "u", purpose.Support, "freelancer")
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.Equal(t, v2.ID, d.PolicyVersion)
	assert.True(t, d.Obliges("show_current_version"), "9.5: the user accepted the earlier version")

	// A failed reload keeps the policy in force.
	err = e.Reload(policy.WithRego(fstestMap("bad.rego", "package privacy\ndecision := {")))
	require.ErrorIs(t, err, policy.ErrInvalidConfig)
	assert.Equal(t, v2, e.Version())
	d, err = e.Check(ctx, "u", purpose.Support, "freelancer")
	require.NoError(t, err)
	assert.True(t, d.Allowed)
}

// Checks running while the policy is reloaded each see one whole policy:
// the version they report and the verdict they give belong together.
func TestReloadConcurrentWithChecks(t *testing.T) {
	store := consent.NewMemoryStore()
	ctx := context.Background()
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u", "A", t0)))
	opts := func(v string, confidential bool) []policy.Option {
		return []policy.Option{
			policy.WithConsentStore(store),
			policy.WithVersion(policy.Version{ID: v}),
			policy.WithRecipients(disclosure.Recipient{ID: "c", Kind: disclosure.Contractor, Confidentiality: confidential}),
		}
	}
	e, err := policy.New(opts("A", false)...)
	require.NoError(t, err)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				d, err := e.Check(ctx, "u", purpose.Support, "c")
				if err != nil {
					t.Error(err)
					return
				}
				if want := d.PolicyVersion == "B"; d.Allowed != want {
					t.Errorf("version %s gave allowed=%v", d.PolicyVersion, d.Allowed)
					return
				}
			}
		}()
	}
	for i := range 20 {
		if i%2 == 0 {
			require.NoError(t, e.Reload(opts("B", true)...))
		} else {
			require.NoError(t, e.Reload(opts("A", false)...))
		}
	}
	stop.Store(true)
	wg.Wait()
}

// A reload without a consent store keeps the one in use: consent is not
// part of the policy, and losing it would deny everyone.
func TestReloadKeepsConsentStore(t *testing.T) {
	store := consent.NewMemoryStore()
	ctx := context.Background()
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0)))
	e, err := policy.New(policy.WithConsentStore(store))
	require.NoError(t, err)
	require.NoError(t, e.Reload(policy.WithVersion(policy.Version{ID: "2027-ru-2"})))
	d, err := e.Check(ctx, "u", purpose.Support, policy.Operator)
	require.NoError(t, err)
	assert.True(t, d.Allowed, "acceptance still on record after the reload")
	assert.True(t, d.Obliges("show_current_version"))
}
