package sqliterequests_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/subject/internal/regtest"
	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/requests/requeststest"
	"github.com/yasam/privacy/subject/requests/sqliterequests"
)

func open(t testing.TB, path string) *sqliterequests.Store {
	t.Helper()
	s, err := sqliterequests.Open(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	requeststest.Run(t, func(t *testing.T) requests.Store {
		return open(t, filepath.Join(t.TempDir(), "requests.db"))
	})
}

func TestClosed(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "requests.db"))
	require.NoError(t, s.Close())
	_, err := s.Get(context.Background(), "req_x")
	assert.ErrorIs(t, err, requests.ErrClosed)
}

func TestForgetLeavesNoTrace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "requests.db")
	s := open(t, path)
	reg := requests.New(s)
	const who = "subject-req-5d21-unique"
	at := time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)
	for _, k := range []requests.Kind{requests.KindAccess, requests.KindDestruction} {
		r, err := reg.File(ctx, who, k, at, requests.WithTextRef("edo://in/"+who))
		require.NoError(t, err)
		require.NoError(t, reg.Answer(ctx, r.ID, at.Add(time.Hour), "edo://out/"+who))
	}
	n, err := reg.Forget(ctx, who)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	require.NoError(t, s.Close())
	regtest.NoTrace(t, path, who)
}

func TestTriggersGuardErasure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "requests.db")
	r, err := requests.New(open(t, path)).File(ctx, "user-1", requests.KindAccess, time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	for name, q := range map[string]string{
		"erase a pending request": `UPDATE requests SET subject = 'erased:X', text_ref = '' WHERE id = ?`,
		"move to another subject": `UPDATE requests SET subject = 'user-2' WHERE id = ?`,
		"delete":                  `DELETE FROM requests WHERE id = ?`,
		"rewrite the due date":    `UPDATE requests SET due_us = 0 WHERE id = ?`,
		"change the kind":         `UPDATE requests SET kind = 'access' WHERE id = ?`,
	} {
		_, err := db.ExecContext(ctx, q, r.ID)
		assert.Error(t, err, name)
	}
}

// TestForgetWhileAnotherReads: as for claims, a reader in the way of the
// checkpoint fails Forget with ErrNotScrubbed, and a retry once it is
// done leaves no trace of the subject on disk.
func TestForgetWhileAnotherReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "requests.db")
	s, err := sqliterequests.Open(ctx, path, sqliterequests.WithBusyTimeout(50*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	reg := requests.New(s)
	const who = "subject-req-wal-unique"
	at := time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)
	r, err := reg.File(ctx, who, requests.KindAccess, at)
	require.NoError(t, err)
	require.NoError(t, reg.Answer(ctx, r.ID, at.Add(time.Hour), "edo://out/1"))

	done := regtest.ReadElsewhere(t, path, "requests")
	_, err = reg.Forget(ctx, who)
	require.ErrorIs(t, err, sqliterequests.ErrNotScrubbed)
	assert.ErrorIs(t, err, requests.ErrUnavailable)
	assert.NotContains(t, err.Error(), who)

	done()
	n, err := reg.Forget(ctx, who)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Empty(t, regtest.Traces(t, path, who))
}
