package pgclaims_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/claims/claimstest"
	"github.com/yasam/privacy/subject/claims/pgclaims"
)

var grants = []pgtest.Grant{
	{Privileges: "SELECT, INSERT, UPDATE", Object: "claims"},
	{Privileges: "SELECT", Object: "privacy_schema"},
}

func migrated(t *testing.T) (*pgxpool.Pool, string) {
	t.Helper()
	pool, schema := pgtest.New(t)
	require.NoError(t, pgclaims.Migrate(context.Background(), pool))
	return pool, schema
}

func TestConformance(t *testing.T) {
	t.Parallel()
	claimstest.Run(t, func(t *testing.T) claims.Store {
		pool, _ := pgtest.New(t)
		s, err := pgclaims.New(context.Background(), pool, pgclaims.WithMigrate())
		require.NoError(t, err)
		return s
	})
}

// TestConformanceDMLOnly runs the suite as a role that may only read,
// insert and update: New runs no DDL and needs none.
func TestConformanceDMLOnly(t *testing.T) {
	t.Parallel()
	claimstest.Run(t, func(t *testing.T) claims.Store {
		_, schema := migrated(t)
		app := pgtest.DMLRole(t, schema, grants)
		s, err := pgclaims.New(context.Background(), app)
		require.NoError(t, err)
		return s
	})
}

func TestDMLRoleCannotMigrateOrDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fresh := pgtest.Schema(t)
	_, err := pgclaims.New(ctx, pgtest.DMLRole(t, fresh, nil))
	require.ErrorIs(t, err, pgclaims.ErrSchemaBehind, "without WithMigrate New only checks")
	_, err = pgclaims.New(ctx, pgtest.DMLRole(t, fresh, nil), pgclaims.WithMigrate())
	require.Error(t, err, "a role without CREATE applied the schema")

	_, schema := migrated(t)
	app := pgtest.DMLRole(t, schema, grants)
	_, err = app.Exec(ctx, "DELETE FROM claims")
	assert.Error(t, err)
}

func TestSchemaBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := pgtest.New(t)
	_, err := pgclaims.New(ctx, pool)
	require.ErrorIs(t, err, pgclaims.ErrSchemaBehind)
	assert.Contains(t, err.Error(), "run Migrate")
	require.NoError(t, pgclaims.Migrate(ctx, pool))
	require.NoError(t, pgclaims.Migrate(ctx, pool), "migrations run twice")
	_, err = pgclaims.New(ctx, pool)
	require.NoError(t, err)
}

func TestMigrationsRunAloneAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := migrated(t)
	b, err := readAll(pgclaims.Migrations())
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
	s, err := pgclaims.New(ctx, pool)
	require.NoError(t, err)
	reg := claims.New(s)
	const who = "subject-pg-31c7"
	at := time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)
	c, err := reg.File(ctx, who, at, claims.WithTextRef("edo://in/"+who))
	require.NoError(t, err)
	require.NoError(t, reg.Answer(ctx, c.ID, at.Add(time.Hour), "edo://out/"+who))
	_, err = reg.File(ctx, "other", at)
	require.NoError(t, err)
	_, err = reg.Forget(ctx, who)
	require.NoError(t, err)

	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM claims c WHERE row_to_json(c)::text LIKE '%' || $1 || '%'`, who).Scan(&n))
	assert.Zero(t, n)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM claims`).Scan(&n))
	assert.Equal(t, 2, n, "erasure deleted rows")

	_, err = pool.Exec(ctx, `UPDATE claims SET subject = 'erased:again' WHERE id = $1`, c.ID)
	assert.Error(t, err, "a tombstone was rewritten")
}
