package sqlitebreaches_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/breaches/breachestest"
	"github.com/yasam/privacy/subject/breaches/sqlitebreaches"
	"github.com/yasam/privacy/subject/internal/regtest"
)

func open(t testing.TB, path string) *sqlitebreaches.Store {
	t.Helper()
	s, err := sqlitebreaches.Open(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	breachestest.Run(t, func(t *testing.T) breaches.Store {
		return open(t, filepath.Join(t.TempDir(), "breaches.db"))
	})
}

func TestForgetLeavesNoTrace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "breaches.db")
	s := open(t, path)
	reg := breaches.New(s)
	const who = "subject-brc-77aa-unique"
	i, err := reg.Record(ctx, time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC), []string{who, "someone-else"})
	require.NoError(t, err)
	require.NoError(t, reg.NotifySubjects(ctx, i.ID, time.Date(2025, 2, 3, 12, 0, 0, 0, time.UTC), "out://s"))
	n, err := reg.Forget(ctx, who)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, s.Close())
	regtest.NoTrace(t, path, who)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.Contains(b, []byte("someone-else")), "the other subject went too")
}

func TestTriggersGuardTheRegister(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "breaches.db")
	reg := breaches.New(open(t, path))
	i, err := reg.Record(ctx, time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC), []string{"user-1"})
	require.NoError(t, err)
	require.NoError(t, reg.NotifyAuthority(ctx, i.ID, time.Date(2025, 2, 3, 11, 0, 0, 0, time.UTC), "out://a"))
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	for name, q := range map[string]string{
		"erase a subject still owed a notice": `UPDATE breach_subjects SET subject = 'erased:X' WHERE breach_id = ?`,
		"delete a subject":                    `DELETE FROM breach_subjects WHERE breach_id = ?`,
		"delete the incident":                 `DELETE FROM breaches WHERE id = ?`,
		"rewrite the notice":                  `UPDATE breaches SET authority_ref = 'other' WHERE id = ?`,
		"move the deadline":                   `UPDATE breaches SET authority_due_us = authority_due_us + 86400000000 WHERE id = ?`,
	} {
		_, err := db.ExecContext(ctx, q, i.ID)
		assert.Error(t, err, name)
	}
}

// TestForgetWhileAnotherReads: as for claims, a reader in the way of the
// checkpoint fails Forget with ErrNotScrubbed, and a retry once it is
// done leaves no trace of the subject on disk.
func TestForgetWhileAnotherReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "breaches.db")
	s, err := sqlitebreaches.Open(ctx, path, sqlitebreaches.WithBusyTimeout(50*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	reg := breaches.New(s)
	const who = "subject-brc-wal-unique"
	at := time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)
	i, err := reg.Record(ctx, at, []string{who})
	require.NoError(t, err)
	require.NoError(t, reg.NotifySubjects(ctx, i.ID, at.Add(time.Hour), "out://s"))

	done := regtest.ReadElsewhere(t, path, "breaches")
	_, err = reg.Forget(ctx, who)
	require.ErrorIs(t, err, sqlitebreaches.ErrNotScrubbed)
	assert.ErrorIs(t, err, breaches.ErrUnavailable)
	assert.NotContains(t, err.Error(), who)

	done()
	n, err := reg.Forget(ctx, who)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Empty(t, regtest.Traces(t, path, who))
}
