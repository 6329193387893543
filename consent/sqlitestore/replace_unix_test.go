//go:build unix

package sqlitestore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/purpose"
)

// TestOpenedThroughASymlink: SQLite keeps its WAL index next to the file a
// symbolic link names, not next to the link. A store opened through the
// link watches that one, so it sees another store's withdrawal, even with
// a stale index file left next to the link (from before the file was
// moved behind it).
func TestOpenedThroughASymlink(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	target := filepath.Join(dir, "data", "c.db")
	require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
	link := filepath.Join(dir, "c.db")
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)

	b := open(t, target)
	require.NoError(t, b.Append(ctx, consent.Grant("u", purpose.Payments, "bank", at)))
	shm, err := os.ReadFile(target + "-shm")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(link+"-shm", shm, 0o600))
	require.NoError(t, os.Symlink(target, link))

	a := open(t, link)
	for range 2 { // the second from the cache
		st, err := a.State(ctx, "u")
		require.NoError(t, err)
		require.True(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)))
	}
	require.NoError(t, b.Append(ctx, consent.Withdraw("u", purpose.Payments, "bank", at.Add(time.Minute))))
	st, err := a.State(ctx, "u")
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), "the withdrawal through the file's own path")
}

// TestReplacedFileFailsClosed: the database file is deleted under a
// running store, and another store creates a new one at the path and
// records a withdrawal there. The first store's appends fail at once, and
// its States within a few milliseconds, with ErrReplaced, rather than
// serve the grant from, and acknowledge writes into, a file no one else
// reads.
func TestReplacedFileFailsClosed(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	a := open(t, path)
	require.NoError(t, a.Append(ctx, consent.Grant("u", purpose.Payments, "bank", at)))
	_, err := a.State(ctx, "u")
	require.NoError(t, err)

	for _, suffix := range []string{"", "-wal", "-shm"} {
		require.NoError(t, os.Remove(path+suffix))
	}
	err = a.Append(ctx, consent.Grant("v", purpose.Payments, "bank", at))
	require.ErrorIs(t, err, sqlitestore.ErrReplaced, "deleted: an append fails at once")
	require.ErrorIs(t, err, consent.ErrUnavailable)

	b := open(t, path)
	require.NoError(t, b.Append(ctx, consent.Withdraw("u", purpose.Payments, "bank", at.Add(time.Minute))))
	time.Sleep(20 * time.Millisecond) // more than the bound on States
	_, err = a.State(ctx, "u")
	require.ErrorIs(t, err, sqlitestore.ErrReplaced)
	require.ErrorIs(t, err, consent.ErrUnavailable)
	_, err = a.States(ctx, []string{"u"})
	require.ErrorIs(t, err, sqlitestore.ErrReplaced)
	_, err = a.History(ctx, "u")
	require.ErrorIs(t, err, sqlitestore.ErrReplaced)
	require.ErrorIs(t, a.Append(ctx, consent.Grant("v", purpose.Payments, "bank", at)), sqlitestore.ErrReplaced)

	st, err := b.State(ctx, "u")
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)))
	_, err = b.State(ctx, "v")
	require.NoError(t, err)
	h, err := b.History(ctx, "v")
	require.NoError(t, err)
	assert.Empty(t, h, "nothing of the first store's reached the new file")
}

// TestRelativePathSurvivesChdir: a store opened with a relative path
// keeps working after the process changes its working directory (the
// path was made absolute when opened, as SQLite makes it), rather than
// taking the file for replaced.
func TestRelativePathSurvivesChdir(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	s := open(t, "c.db")
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, s.Append(ctx, consent.Grant("u", purpose.Payments, "bank", at)))
	t.Chdir(t.TempDir())
	time.Sleep(20 * time.Millisecond) // past the bound on States
	require.NoError(t, s.Append(ctx, consent.Withdraw("u", purpose.Payments, "bank", at.Add(time.Minute))))
	st, err := s.State(ctx, "u")
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)))
}
