package sqlitestore_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// TestUpgradeKeepsOldRows: a file written at schema version 2 (before the
// art. 8 columns) opens, is migrated, and its rows read back as they were
// recorded, with the same IDs, so a retried append stays a repeat.
func TestUpgradeKeepsOldRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v2.db")
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE consent_schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us INTEGER NOT NULL) STRICT`)
	require.NoError(t, err)
	for i, f := range []string{"0001_init.sql", "0002_append_only.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", f))
		require.NoError(t, err)
		_, err = db.Exec(string(b))
		require.NoError(t, err, f)
		_, err = db.Exec("INSERT INTO consent_schema_version VALUES (?, ?, 0)", i+1, f[:len(f)-4])
		require.NoError(t, err)
	}
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	old := consent.Grant("user-1", purpose.Payments, "bank", at, consent.WithEvidence("form 1"),
		consent.WithFlags(consent.Flags{ThirdPartyTransfer: true}))
	_, err = db.Exec(`INSERT INTO consent_events (id, subject, action, purpose, recipient, at_us, at_ns, evidence,
		third_party_transfer, recorded_us) VALUES (?, ?, 'grant', 'payments', 'bank', ?, 0, 'form 1', 1, 0)`,
		old.ID, old.Subject, at.UnixMicro())
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s := open(t, path)
	h, err := s.History(ctx, "user-1")
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.True(t, h[0].Equal(old), "an old row reads back as recorded")
	assert.True(t, h[0].Operator.IsZero())
	assert.Empty(t, h[0].Categories)
	require.NoError(t, s.Append(ctx, old), "a retried old event is a repeat")
	withContent := consent.Grant("user-1", purpose.Payments, "bank", at.Add(time.Minute),
		consent.WithOperator("Yasam LLP", "123456789012"), consent.WithData(purpose.Identity))
	require.NoError(t, s.Append(ctx, withContent))
	h, err = s.History(ctx, "user-1")
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.True(t, h[1].Equal(withContent))
}
