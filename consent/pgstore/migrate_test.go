package pgstore_test

import (
	"context"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/consenttest"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/internal/pgmigrate"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/purpose"
)

// appGrants are the privileges the package documentation lists for the
// application role.
var appGrants = []pgtest.Grant{
	{Privileges: "SELECT, INSERT", Object: "consent_events"},
	{Privileges: "SELECT", Object: "consent_meta"},
	{Privileges: "SELECT", Object: "privacy_schema"},
}

// migrated returns a fresh schema with the consent tables, applied by the
// owner as a DBA would.
func migrated(t *testing.T) string {
	t.Helper()
	schema := pgtest.Schema(t)
	require.NoError(t, pgstore.Migrate(t.Context(), pgtest.Admin(t), pgstore.WithSchema(schema)))
	return schema
}

// TestDMLOnlyRole runs the conformance suite through a role that may only
// read and insert (USAGE on the schema, the grants the docs list): New
// without WithMigrate runs no DDL and works; asked to migrate, it fails.
func TestDMLOnlyRole(t *testing.T) {
	t.Parallel()
	consenttest.Run(t, func(t *testing.T) consent.Store {
		schema := migrated(t)
		app := pgtest.DMLRole(t, schema, appGrants)
		s, err := pgstore.New(t.Context(), app, pgstore.WithChannel(schema))
		require.NoError(t, err)
		t.Cleanup(s.Close)
		return s
	})

	// On an empty schema New, not asked to migrate, attempts no DDL: it
	// reports the schema behind, not a permission error. Asked to, it
	// fails for want of the right.
	empty := pgtest.Schema(t)
	role := pgtest.DMLRole(t, empty, nil)
	_, err := pgstore.New(t.Context(), role, pgstore.WithChannel(empty))
	require.ErrorIs(t, err, pgstore.ErrSchemaBehind)
	_, err = pgstore.New(t.Context(), role, pgstore.WithChannel(empty), pgstore.WithMigrate())
	require.ErrorIs(t, err, consent.ErrUnavailable)
	assert.ErrorContains(t, err, "permission denied")

	schema := migrated(t)
	app := pgtest.DMLRole(t, schema, appGrants)
	// On a schema that is up to date, WithMigrate has nothing to do.
	s, err := pgstore.New(t.Context(), app, pgstore.WithChannel(schema), pgstore.WithMigrate())
	require.NoError(t, err)
	s.Close()
	s, err = pgstore.New(t.Context(), app, pgstore.WithChannel(schema))
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Append(t.Context(), consent.Grant("u", purpose.Payments, "bank", t0)))
	for _, stmt := range []string{"DELETE FROM consent_events", "UPDATE consent_events SET subject = 'v'",
		"TRUNCATE consent_events", "CREATE TABLE x (y int)"} {
		_, err := app.Exec(t.Context(), stmt)
		assert.ErrorContains(t, err, "permission denied", stmt)
	}
}

// TestNewChecksSchema: New on a schema that is missing or behind fails
// with ErrSchemaBehind and says what to do; it creates nothing.
func TestNewChecksSchema(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schema := pgtest.Schema(t)
	pool := pgtest.Pool(t, schema)
	_, err := pgstore.New(ctx, pool, pgstore.WithChannel(schema))
	require.ErrorIs(t, err, pgstore.ErrSchemaBehind)
	assert.Contains(t, err.Error(), "run Migrate or apply migrations/")
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = $1", schema).Scan(&n))
	assert.Zero(t, n, "New created tables")

	// Only the first file applied, as a DBA might with psql.
	first, err := fs.ReadFile(pgstore.Migrations(), "0001_init.up.sql")
	require.NoError(t, err)
	_, err = pool.Exec(ctx, string(first))
	require.NoError(t, err)
	_, err = pgstore.New(ctx, pool, pgstore.WithChannel(schema))
	require.ErrorIs(t, err, pgstore.ErrSchemaBehind)
	assert.Contains(t, err.Error(), "version 1")

	require.NoError(t, pgstore.Migrate(ctx, pool))
	s, err := pgstore.New(ctx, pool, pgstore.WithChannel(schema))
	require.NoError(t, err)
	s.Close()
}

// unmigrated returns a pool on a new schema, the schema's name, and the
// package's migration files in order, for tests that apply them by hand
// as psql would; the first applied files are applied already.
func unmigrated(t *testing.T, applied int) (*pgxpool.Pool, string, []pgmigrate.File) {
	t.Helper()
	schema := pgtest.Schema(t)
	files, err := pgmigrate.Files(pgstore.Migrations())
	require.NoError(t, err)
	require.Greater(t, len(files), applied)
	pool := pgtest.Pool(t, schema)
	for _, f := range files[:applied] {
		_, err := pool.Exec(t.Context(), f.SQL)
		require.NoError(t, err, f.Name)
	}
	return pool, schema, files
}

// TestMigrationFilesRunAloneTwice applies every file twice with plain
// Exec, as psql would: they are idempotent, and the result is what
// Migrate makes.
func TestMigrationFilesRunAloneTwice(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool, schema, files := unmigrated(t, 0)
	require.Len(t, files, pgstore.SchemaVersion)
	for range 2 {
		for _, f := range files {
			_, err := pool.Exec(ctx, f.SQL)
			require.NoError(t, err, f.Name)
		}
	}
	v, err := pgmigrate.Version(ctx, pool, "", "consent")
	require.NoError(t, err)
	assert.Equal(t, pgstore.SchemaVersion, v)
	s, err := pgstore.New(ctx, pool, pgstore.WithChannel(schema))
	require.NoError(t, err)
	defer s.Close()
	consentRoundTrip(t, s)
}

// TestUpgradeFromSelfMigratingSchema: a database that an older version of
// the package set up by itself (table consent_schema_version, no
// privacy_schema) is brought up to date by Migrate, its events kept.
func TestUpgradeFromSelfMigratingSchema(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schema := pgtest.Schema(t)
	pool := pgtest.Pool(t, schema)
	old, err := os.ReadFile("testdata/v0_0001_init.sql")
	require.NoError(t, err)
	_, err = pool.Exec(ctx, string(old)+`;
		CREATE TABLE consent_schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
		INSERT INTO consent_schema_version (version, name) VALUES (1, '0001_init');
		INSERT INTO consent_meta (name, value) VALUES ('notify_key', '\x00112233445566778899aabbccddeeff');
		INSERT INTO consent_events (id, subject, action, purpose, recipient, at_time) VALUES ('e1', 'u', 'grant', 'payments', 'bank', now());`)
	require.NoError(t, err)
	_, err = pgstore.New(ctx, pool, pgstore.WithChannel(schema))
	require.ErrorIs(t, err, pgstore.ErrSchemaBehind)
	s, err := pgstore.New(ctx, pool, pgstore.WithChannel(schema), pgstore.WithMigrate())
	require.NoError(t, err)
	defer s.Close()
	h, err := s.History(ctx, "u")
	require.NoError(t, err)
	require.Len(t, h, 1)
	_, err = pool.Exec(ctx, "DELETE FROM consent_events")
	require.ErrorContains(t, err, "append-only")
}

// TestWithSchema: tables in a named schema, reached through a pool whose
// search_path does not name it.
func TestWithSchema(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schema := pgtest.Schema(t)
	pool := pgtest.Pool(t, "public")
	s, err := pgstore.New(ctx, pool, pgstore.WithSchema(schema), pgstore.WithChannel(schema), pgstore.WithMigrate())
	require.NoError(t, err)
	defer s.Close()
	consentRoundTrip(t, s)
	var n int
	require.NoError(t, pgtest.Admin(t).QueryRow(ctx, "SELECT count(*) FROM "+schema+".consent_events").Scan(&n))
	assert.Equal(t, 1, n)
}

func consentRoundTrip(t *testing.T, s *pgstore.Store) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.Append(ctx, consent.Grant("u", purpose.Payments, "bank", t0)))
	st, err := s.State(ctx, "u")
	require.NoError(t, err)
	assert.True(t, st.Granted(purpose.Payments, "bank", t0))
}

// xactIndex describes index consent_events_subject_xact of pool's schema:
// its oid, and whether it is valid and unique; pgx.ErrNoRows when there is
// none.
func xactIndex(ctx context.Context, pool *pgxpool.Pool) (oid uint32, valid, unique bool, err error) {
	err = pool.QueryRow(ctx, `SELECT i.indexrelid::oid, i.indisvalid, i.indisunique FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = 'consent_events'::regclass AND c.relname = 'consent_events_subject_xact'`).Scan(&oid, &valid, &unique)
	return oid, valid, unique, err
}

// TestXactIndexReplacesAFailedConcurrentBuild: the README has a DBA
// build version 5's index with CREATE INDEX CONCURRENTLY before
// migrating. A build that failed leaves an invalid index of that name,
// which IF NOT EXISTS alone would keep (and the planner would never use);
// 0005 drops it and builds it again.
func TestXactIndexReplacesAFailedConcurrentBuild(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool, schema, files := unmigrated(t, 4)
	// Two rows of one subject in one transaction share (subject, xact),
	// so a unique build of that name fails and leaves it invalid.
	_, err := pool.Exec(ctx, `INSERT INTO consent_events (id, subject, action, at_time)
		VALUES ('e-1', 'user-1', 'accept_policy', now()), ('e-2', 'user-1', 'accept_policy', now())`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "CREATE UNIQUE INDEX CONCURRENTLY consent_events_subject_xact ON consent_events (subject, xact)")
	require.Error(t, err, "the unique build should fail")
	_, valid, _, err := xactIndex(ctx, pool)
	require.NoError(t, err)
	require.False(t, valid, "the failed build left an invalid index")
	_, err = pgstore.New(ctx, pool, pgstore.WithChannel(schema))
	require.ErrorIs(t, err, pgstore.ErrSchemaBehind, "version 4 is behind")

	for range 2 {
		_, err = pool.Exec(ctx, files[4].SQL)
		require.NoError(t, err, files[4].Name)
		_, valid, unique, err := xactIndex(ctx, pool)
		require.NoError(t, err)
		assert.True(t, valid, "0005 leaves a valid index")
		assert.False(t, unique, "0005 leaves its own index, not the failed one")
	}
	v, err := pgmigrate.Version(ctx, pool, "", "consent")
	require.NoError(t, err)
	assert.Equal(t, 5, v)
}

// TestXactIndexWaitsForNoBuildInProgress: while a DBA's CREATE INDEX
// CONCURRENTLY of version 5's index is still running (here, waiting for
// an open append), its index is invalid too. 0005 must then neither drop
// it nor queue for the table behind it (the build waits for the
// migration's snapshot in turn: a deadlock PostgreSQL would break by
// killing one of them): it fails at once, asking to be run again, and
// the build goes on. Run again afterwards, it keeps the finished index.
func TestXactIndexWaitsForNoBuildInProgress(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool, _, files := unmigrated(t, 4)
	open, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer open.Rollback(context.WithoutCancel(ctx))
	_, err = open.Exec(ctx, `INSERT INTO consent_events (id, subject, action, at_time) VALUES ('e-1', 'user-1', 'accept_policy', now())`)
	require.NoError(t, err)
	built := make(chan error, 1)
	go func() {
		_, err := pool.Exec(ctx, "CREATE INDEX CONCURRENTLY consent_events_subject_xact ON consent_events (subject, xact)")
		built <- err
	}()
	require.Eventually(t, func() bool { _, _, _, err := xactIndex(ctx, pool); return err == nil }, 10*time.Second, 10*time.Millisecond,
		"the concurrent build never registered its index")
	building, valid, _, err := xactIndex(ctx, pool)
	require.NoError(t, err)
	require.False(t, valid, "the build is still waiting for the open append")

	// Bounded: a migration that queues behind the build would wait for
	// it, and the build for the open append, until the test ends.
	mctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = pool.Exec(mctx, files[4].SQL)
	cancel()
	require.Error(t, err, "0005 ran while the index was being built")
	assert.ErrorContains(t, err, "run this migration again")

	require.NoError(t, open.Rollback(ctx))
	require.NoError(t, <-built, "the concurrent build was disturbed")
	_, err = pool.Exec(ctx, files[4].SQL)
	require.NoError(t, err)
	oid, valid, _, err := xactIndex(ctx, pool)
	require.NoError(t, err)
	assert.True(t, valid)
	assert.Equal(t, building, oid, "0005 kept the index the DBA built")
}
