package storeurl_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/pgledger"
	"github.com/yasam/privacy/disclosure/ledger/sqliteledger"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/storeurl"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// roundTrip writes a grant and reads it back through the store.
func roundTrip(t *testing.T, s consent.Store) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.Append(ctx, consent.AcceptPolicy("u1", "2023-ru-1", t0), consent.Grant("u1", purpose.Payments, "halyk", t0)))
	st, err := s.State(ctx, "u1")
	require.NoError(t, err)
	g, ok := st.Grant(purpose.Payments, "halyk")
	require.True(t, ok)
	assert.True(t, g.Granted)
}

func TestOpenConsent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		url  string
		want func(consent.Store) bool
	}{
		{"memory", "memory:", is[*consent.MemoryStore]},
		{"memory with slashes", "memory://", is[*consent.MemoryStore]},
		{"sqlite absolute", "sqlite://" + filepath.Join(dir, "a.db"), is[*sqlitestore.Store]},
		{"sqlite with parameters", "sqlite://" + filepath.Join(dir, "b.db") + "?busy_timeout=2s&sole_writer=true", is[*sqlitestore.Store]},
		{"sqlite3 scheme", "sqlite3://" + filepath.Join(dir, "c.db"), is[*sqlitestore.Store]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := storeurl.OpenConsent(context.Background(), tt.url)
			require.NoError(t, err)
			defer func() { require.NoError(t, s.Close()) }()
			assert.True(t, tt.want(s.Unwrap()), "%T", s.Unwrap())
			roundTrip(t, s)
		})
	}
}

func TestOpenConsentRelativeSQLite(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s, err := storeurl.OpenConsent(context.Background(), "sqlite:rel.db")
	require.NoError(t, err)
	roundTrip(t, s)
	require.NoError(t, s.Close())
	_, err = os.Stat(filepath.Join(dir, "rel.db"))
	assert.NoError(t, err)
}

func is[T any](s consent.Store) bool { _, ok := s.(T); return ok }

func TestOpenLedger(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, u := range []string{"memory:", "sqlite://" + filepath.Join(dir, "ledger.db") + "?busy_timeout=1s"} {
		s, err := storeurl.OpenLedger(context.Background(), u)
		require.NoError(t, err, u)
		h, err := s.Head(context.Background())
		require.NoError(t, err)
		assert.Equal(t, ledger.Head{}, h)
		switch s.Unwrap().(type) {
		case *ledger.MemoryStore, *sqliteledger.Store:
		default:
			t.Errorf("%s opened %T", u, s.Unwrap())
		}
		require.NoError(t, s.Close())
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		url  string
		want error
	}{
		{"empty", "", storeurl.ErrInvalidURL},
		{"no scheme", "/var/lib/consent.db", storeurl.ErrInvalidURL},
		{"unknown scheme", "mysql://root:hunter2@db/consent", storeurl.ErrUnsupported},
		{"memory with a path", "memory:hunter2", storeurl.ErrInvalidURL},
		{"sqlite with a host", "sqlite://hunter2/consent.db", storeurl.ErrInvalidURL},
		{"sqlite with user", "sqlite://me:hunter2@/x.db", storeurl.ErrInvalidURL},
		{"sqlite without file", "sqlite:///", storeurl.ErrInvalidURL},
		{"sqlite unknown parameter", "sqlite://" + filepath.Join(dir, "x.db") + "?bogus=hunter2", storeurl.ErrInvalidURL},
		{"sqlite bad duration", "sqlite://" + filepath.Join(dir, "x.db") + "?busy_timeout=hunter2", storeurl.ErrInvalidURL},
		{"sqlite bad bool", "sqlite://" + filepath.Join(dir, "x.db") + "?sole_writer=hunter2", storeurl.ErrInvalidURL},
		{"postgres does not parse", "postgres://u:hunter2@[::1/db", storeurl.ErrInvalidURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := storeurl.OpenConsent(context.Background(), tt.url)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.ErrorIs(t, err, tt.want)
			assert.NotContains(t, err.Error(), "hunter2", "errors never quote the URL")
			assert.True(t, strings.HasPrefix(err.Error(), "storeurl: "), err.Error())
		})
	}
}

func TestOpenConsentSQLiteFailure(t *testing.T) {
	t.Parallel()
	// A directory where the file should be: the backend's error is wrapped.
	_, err := storeurl.OpenConsent(context.Background(), "sqlite://"+t.TempDir())
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "storeurl: open consent store: "), err.Error())
}

func TestOpenConsentPostgres(t *testing.T) {
	t.Parallel()
	url, schema, admin := pgURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := storeurl.OpenConsent(ctx, url, storeurl.WithPostgres(pgstore.WithChannel(schema)), storeurl.WithMigrate())
	require.NoError(t, err)
	assert.True(t, is[*pgstore.Store](s.Unwrap()))
	roundTrip(t, s)
	require.NoError(t, s.Close())

	var n int
	require.NoError(t, admin.QueryRow(ctx, "SELECT count(*) FROM "+schema+".consent_events").Scan(&n))
	assert.Equal(t, 2, n, "the events went to the schema the URL named")

	// The ledger on the same database: refused until migrated, then empty.
	_, err = storeurl.OpenLedger(ctx, url)
	assert.ErrorIs(t, err, pgledger.ErrSchemaBehind, "no DDL unless asked")
	l, err := storeurl.OpenLedger(ctx, url, storeurl.WithMigrate())
	require.NoError(t, err)
	assert.True(t, func() bool { _, ok := l.Unwrap().(*pgledger.Store); return ok }())
	h, err := l.Head(ctx)
	require.NoError(t, err)
	assert.Equal(t, ledger.Head{}, h)
	require.NoError(t, l.Close())
	require.NoError(t, admin.QueryRow(ctx, "SELECT count(*) FROM "+schema+".ledger_entries").Scan(&n))
	assert.Zero(t, n)
}

// pgURL returns a URL on PRIVACY_PG_DSN whose search_path is a schema of
// the test's own (dropped when it ends), the schema's name, and a pool to
// look into it; without a server the test skips, or fails under
// PRIVACY_PG_REQUIRED=1.
func pgURL(t *testing.T) (url, schema string, admin *pgxpool.Pool) {
	t.Helper()
	dsn := pgtest.DSN(t)
	admin = pgtest.Admin(t)
	schema = pgtest.Schema(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema, schema, admin
}
