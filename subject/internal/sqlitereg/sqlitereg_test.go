package sqlitereg_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/subject/internal/sqlitereg"
)

func TestNullTimeRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		t    time.Time
	}{
		{"zero is NULL", time.Time{}},
		{"nanoseconds survive", time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.UTC)},
		{"before the epoch", time.Date(1969, 12, 31, 23, 59, 59, 999, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			us, ns := sqlitereg.NullTime(tt.t)
			assert.Equal(t, !tt.t.IsZero(), us.Valid)
			got := sqlitereg.JoinNull(us, sql.Null[int16]{V: int16(ns.V), Valid: ns.Valid})
			assert.True(t, tt.t.Equal(got), "%v != %v", tt.t, got)
		})
	}
}

var (
	errClosed      = errors.New("test: closed")
	errUnavailable = errors.New("test: unavailable")
	errTooNew      = errors.New("test: too new")
)

func open(t *testing.T) *sqlitereg.DB {
	t.Helper()
	db, err := sqlitereg.Open(context.Background(), filepath.Join(t.TempDir(), "r.db"), sqlitereg.Spec{
		Errs:         sqlutil.Errs{Pkg: "test", Closed: errClosed, Unavailable: errUnavailable},
		Migrations:   fstest.MapFS{"migrations/0001_init.sql": {Data: []byte("CREATE TABLE r (id TEXT PRIMARY KEY, v TEXT NOT NULL) STRICT;")}},
		VersionTable: "r_schema_version",
		SchemaTooNew: errTooNew,
	}, sqlitereg.Configure[func(*sqlitereg.Config)](nil))
	require.NoError(t, err)
	return db
}

// TestEraseCommitsOrRollsBack: what erase writes is kept only when it
// returns no error, and its error comes back as it is.
func TestEraseCommitsOrRollsBack(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	defer db.Close()
	_, err := db.W.ExecContext(ctx, "INSERT INTO r VALUES ('a', 'old')")
	require.NoError(t, err)
	scan := func(row sqlutil.Scanner) (string, error) {
		var v string
		return v, row.Scan(&v)
	}
	refuse := errors.New("refused")
	n, err := db.Erase(ctx, "forget", func(tx *sql.Tx) (int, error) {
		if _, err := tx.ExecContext(ctx, "UPDATE r SET v = 'new'"); err != nil {
			return 0, err
		}
		return 0, refuse
	})
	require.ErrorIs(t, err, refuse)
	assert.Zero(t, n)
	got, err := sqlitereg.Query(ctx, db, "get", scan, "SELECT v FROM r")
	require.NoError(t, err)
	assert.Equal(t, []string{"old"}, got)

	n, err = db.Erase(ctx, "forget", func(tx *sql.Tx) (int, error) {
		vs, err := sqlitereg.QueryTx(ctx, tx, scan, "SELECT v FROM r")
		if err != nil {
			return 0, err
		}
		_, err = tx.ExecContext(ctx, "UPDATE r SET v = 'new'")
		return len(vs), err
	})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, err = sqlitereg.Query(ctx, db, "get", scan, "SELECT v FROM r")
	require.NoError(t, err)
	assert.Equal(t, []string{"new"}, got)

	require.NoError(t, db.Close())
	require.NoError(t, db.Close(), "a second Close returns what the first did")
	_, err = sqlitereg.Query(ctx, db, "get", scan, "SELECT v FROM r")
	assert.ErrorIs(t, err, errClosed)
	_, err = db.Erase(ctx, "forget", func(*sql.Tx) (int, error) { return 0, nil })
	assert.ErrorIs(t, err, errClosed)
}
