package pgrequests_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/requests/pgrequests"
	"github.com/yasam/privacy/subject/requests/requeststest"
)

var grants = []pgtest.Grant{
	{Privileges: "SELECT, INSERT, UPDATE", Object: "requests"},
	{Privileges: "SELECT", Object: "privacy_schema"},
}

func migrated(t *testing.T) (*pgxpool.Pool, string) {
	t.Helper()
	pool, schema := pgtest.New(t)
	require.NoError(t, pgrequests.Migrate(context.Background(), pool))
	return pool, schema
}

func TestConformance(t *testing.T) {
	t.Parallel()
	requeststest.Run(t, func(t *testing.T) requests.Store {
		pool, _ := pgtest.New(t)
		s, err := pgrequests.New(context.Background(), pool, pgrequests.WithMigrate())
		require.NoError(t, err)
		return s
	})
}

// TestConformanceDMLOnly runs the suite as a role that may only read,
// insert and update: New runs no DDL and needs none.
func TestConformanceDMLOnly(t *testing.T) {
	t.Parallel()
	requeststest.Run(t, func(t *testing.T) requests.Store {
		_, schema := migrated(t)
		app := pgtest.DMLRole(t, schema, grants)
		s, err := pgrequests.New(context.Background(), app)
		require.NoError(t, err)
		return s
	})
}

func TestDMLRoleCannotMigrateOrDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fresh := pgtest.Schema(t)
	_, err := pgrequests.New(ctx, pgtest.DMLRole(t, fresh, nil))
	require.ErrorIs(t, err, pgrequests.ErrSchemaBehind, "without WithMigrate New only checks")
	_, err = pgrequests.New(ctx, pgtest.DMLRole(t, fresh, nil), pgrequests.WithMigrate())
	require.Error(t, err, "a role without CREATE applied the schema")

	_, schema := migrated(t)
	app := pgtest.DMLRole(t, schema, grants)
	_, err = app.Exec(ctx, "DELETE FROM requests")
	assert.Error(t, err)
}

func TestSchemaBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := pgtest.New(t)
	_, err := pgrequests.New(ctx, pool)
	require.ErrorIs(t, err, pgrequests.ErrSchemaBehind)
	assert.Contains(t, err.Error(), "run Migrate")
	require.NoError(t, pgrequests.Migrate(ctx, pool))
	require.NoError(t, pgrequests.Migrate(ctx, pool), "migrations run twice")
	_, err = pgrequests.New(ctx, pool)
	require.NoError(t, err)
}

func TestMigrationsRunAloneAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := migrated(t)
	b, err := readAll(pgrequests.Migrations())
	require.NoError(t, err)
	for _, sql := range b {
		_, err := pool.Exec(ctx, sql)
		require.NoError(t, err, "a file applied twice by hand")
	}
}

// TestForgetLeavesNoLink forgets a subject, then searches every column of
// every row as text for the subject's ID.
func TestForgetLeavesNoLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := migrated(t)
	s, err := pgrequests.New(ctx, pool)
	require.NoError(t, err)
	reg := requests.New(s)
	const who = "subject-pg-req-8e11"
	at := time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)
	r, err := reg.File(ctx, who, requests.KindAccess, at, requests.WithTextRef("edo://in/"+who))
	require.NoError(t, err)
	require.NoError(t, reg.Answer(ctx, r.ID, at.Add(time.Hour), "edo://out/"+who))
	_, err = reg.File(ctx, "other", requests.KindAccess, at)
	require.NoError(t, err)
	_, err = reg.Forget(ctx, who)
	require.NoError(t, err)

	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM requests r WHERE row_to_json(r)::text LIKE '%' || $1 || '%'`, who).Scan(&n))
	assert.Zero(t, n)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM requests`).Scan(&n))
	assert.Equal(t, 2, n, "erasure deleted rows")
	_, err = pool.Exec(ctx, `UPDATE requests SET subject = 'erased:again' WHERE id = $1`, r.ID)
	assert.Error(t, err, "a tombstone was rewritten")
}
