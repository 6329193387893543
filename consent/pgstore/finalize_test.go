package pgstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/consenttest"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/purpose"
)

// TestFinalizeNotifyUpgradeRoles: the application role (the grants the
// docs list) cannot finalize, and nothing is written; the role that
// migrates can, and a store under the application role then reads the
// setting and batches.
func TestFinalizeNotifyUpgradeRoles(t *testing.T) {
	t.Parallel()
	schema := migrated(t)
	app := pgtest.DMLRole(t, schema, appGrants)
	err := pgstore.FinalizeNotifyUpgrade(t.Context(), app)
	require.ErrorIs(t, err, consent.ErrUnavailable)
	assert.ErrorContains(t, err, "permission denied")
	s, err := pgstore.New(t.Context(), app, pgstore.WithChannel(schema))
	require.NoError(t, err)
	assert.False(t, s.Stats().NotifyBatched, "a refused finalize wrote the setting")
	s.Close()

	require.NoError(t, pgstore.FinalizeNotifyUpgrade(t.Context(), pgtest.Admin(t), pgstore.WithSchema(schema)))
	s, err = pgstore.New(t.Context(), app, pgstore.WithChannel(schema))
	require.NoError(t, err)
	defer s.Close()
	assert.True(t, s.Stats().NotifyBatched)
	require.NoError(t, s.Append(t.Context(), consent.Grant("u", purpose.Payments, "bank", t0), consent.Grant("v", purpose.Payments, "bank", t0)))
	st, err := s.State(t.Context(), "v")
	require.NoError(t, err)
	assert.True(t, st.Granted(purpose.Payments, "bank", t0))
}

// finalizedStore returns a store on fresh tables whose fleet is
// finalized (batched notifications), and the schema.
func finalizedStore(t *testing.T) (*pgstore.Store, string) {
	t.Helper()
	schema := migrated(t)
	require.NoError(t, pgstore.FinalizeNotifyUpgrade(t.Context(), pgtest.Admin(t), pgstore.WithSchema(schema)))
	s := openOn(t, schema)
	require.True(t, s.Stats().NotifyBatched)
	return s, schema
}

// TestConformanceFinalized runs the conformance suites with batched
// notifications, the fleet's steady state after the upgrade.
func TestConformanceFinalized(t *testing.T) {
	t.Parallel()
	consenttest.Run(t, func(t *testing.T) consent.Store {
		s, _ := finalizedStore(t)
		return s
	})
	consenttest.RunInstances(t, func(t *testing.T) (consent.TokenStore, consent.TokenStore) {
		a, schema := finalizedStore(t)
		return a, openOn(t, schema)
	})
}

// TestAppendTxFinalized: a host transaction's consent events, batched,
// reach another instance's cache when the host commits.
func TestAppendTxFinalized(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, schema := finalizedStore(t)
	b := openOn(t, schema)
	require.NoError(t, a.Append(ctx, consent.Grant("u1", purpose.Payments, "bank", t0), consent.Grant("u2", purpose.Payments, "bank", t0)))
	require.Eventually(t, func() bool {
		for _, u := range []string{"u1", "u2"} {
			if st, err := b.State(ctx, u); err != nil || !st.Granted(purpose.Payments, "bank", t0) {
				return false
			}
		}
		return b.Stats().CacheLen == 2
	}, 5*time.Second, time.Millisecond, "cached on b")
	tx, err := pgstore.NewTestPool(t, schema).Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	later := t0.Add(time.Minute)
	tok, err := a.AppendTx(ctx, tx, consent.Withdraw("u1", purpose.Payments, "bank", later), consent.Withdraw("u2", purpose.Payments, "bank", later))
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	for _, u := range []string{"u1", "u2"} {
		require.Eventually(t, func() bool {
			st, err := b.State(ctx, u)
			return err == nil && !st.Granted(purpose.Payments, "bank", later.Add(time.Second))
		}, 5*time.Second, time.Millisecond, "b never saw the withdrawal of %s", u)
		st, err := b.StateAtLeast(ctx, u, tok)
		require.NoError(t, err)
		assert.False(t, st.Granted(purpose.Payments, "bank", later.Add(time.Second)))
	}
}
