package pgstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
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
