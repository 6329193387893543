package pgstore_test

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/purpose"
)

// TestUpgradeKeepsOldRows: tables at schema version 2 (before the art. 8
// columns) are migrated by 0003, and their rows read back as they were
// recorded, with the same IDs, so a retried append stays a repeat.
func TestUpgradeKeepsOldRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	schema := pgstore.NewTestSchema(t)
	pool := pgstore.NewTestPool(t, schema)
	for _, f := range []string{"0001_init.up.sql", "0002_append_only.up.sql"} {
		b, err := fs.ReadFile(pgstore.Migrations(), f)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, string(b))
		require.NoError(t, err, f)
	}
	_, err := pgstore.New(ctx, pool, pgstore.WithChannel(schema))
	require.ErrorIs(t, err, pgstore.ErrSchemaBehind, "version 2 is behind")
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	old := consent.Grant("user-1", purpose.Payments, "bank", at, consent.WithEvidence("form 1"),
		consent.WithFlags(consent.Flags{ThirdPartyTransfer: true}))
	_, err = pool.Exec(ctx, `INSERT INTO consent_events (id, subject, action, purpose, recipient, at_time, evidence,
		third_party_transfer) VALUES ($1, $2, 'grant', 'payments', 'bank', $3, 'form 1', true)`, old.ID, old.Subject, at)
	require.NoError(t, err)

	s, err := pgstore.New(ctx, pool, pgstore.WithChannel(schema), pgstore.WithMigrate())
	require.NoError(t, err)
	t.Cleanup(s.Close)
	h, err := s.History(ctx, "user-1")
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.True(t, h[0].Equal(old), "an old row reads back as recorded")
	require.NoError(t, s.Append(ctx, old), "a retried old event is a repeat")
	withContent := consent.Grant("user-1", purpose.Payments, "bank", at.Add(time.Minute),
		consent.WithOperator("Yasam LLP", "123456789012"), consent.WithData(purpose.Identity))
	require.NoError(t, s.Append(ctx, withContent))
	h, err = s.History(ctx, "user-1")
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.True(t, h[1].Equal(withContent))
}
