package regtest

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// NoTrace asserts that neither the SQLite file at path nor its
// write-ahead log, where there is one, holds the bytes of who: what an
// erasure must leave of a subject. Close the store first.
func NoTrace(t *testing.T, path, who string) {
	t.Helper()
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		assert.False(t, bytes.Contains(b, []byte(who)), "%s still holds the subject", filepath.Base(f))
	}
}

// Traces returns the names of the files, of the SQLite file at path and
// its write-ahead log, that hold the bytes of who. Unlike [NoTrace] it
// does not need the store closed: it shows what a running service leaves
// on disk.
func Traces(t *testing.T, path, who string) []string {
	t.Helper()
	var where []string
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		if bytes.Contains(b, []byte(who)) {
			where = append(where, filepath.Base(f))
		}
	}
	return where
}

// ReadElsewhere opens another connection to the SQLite file at path, as
// another process or a backup would, and holds a read transaction on it
// that has read table. The returned function ends it; so does the test's
// end.
func ReadElsewhere(t *testing.T, path, table string) (done func()) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	require.NoError(t, err)
	var n int
	require.NoError(t, tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n))
	var once sync.Once
	done = func() {
		once.Do(func() {
			assert.NoError(t, tx.Rollback())
			assert.NoError(t, db.Close())
		})
	}
	t.Cleanup(done)
	return done
}
