package pgclaims_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/claims/claimstest"
	"github.com/yasam/privacy/subject/claims/pgclaims"
	"github.com/yasam/privacy/subject/internal/regtest"
)

var pg = regtest.PG[*pgclaims.Store, pgclaims.Option]{
	New:         pgclaims.New,
	WithMigrate: pgclaims.WithMigrate,
	Migrate:     pgclaims.Migrate,
	Migrations:  pgclaims.Migrations,
	Behind:      pgclaims.ErrSchemaBehind,
	Grants: []pgtest.Grant{
		{Privileges: "SELECT, INSERT, UPDATE", Object: "claims"},
		{Privileges: "SELECT", Object: "privacy_schema"},
	},
	Table: "claims",
}

func TestConformance(t *testing.T) {
	t.Parallel()
	claimstest.Run(t, func(t *testing.T) claims.Store { return pg.Fresh(t) })
}

// TestConformanceDMLOnly runs the suite as a role that may only read,
// insert and update: New runs no DDL and needs none.
func TestConformanceDMLOnly(t *testing.T) {
	t.Parallel()
	claimstest.Run(t, func(t *testing.T) claims.Store { return pg.DMLOnly(t) })
}

func TestDMLRoleCannotMigrateOrDelete(t *testing.T) {
	t.Parallel()
	pg.DMLRoleCannotMigrateOrDelete(t)
}

func TestSchemaBehind(t *testing.T) {
	t.Parallel()
	pg.SchemaBehind(t)
}

func TestMigrationsRunAloneAgain(t *testing.T) {
	t.Parallel()
	pg.MigrationsRunAloneAgain(t)
}

// TestForgetLeavesNoLink forgets a subject, then searches every column of
// every row as text for the subject's ID.
func TestForgetLeavesNoLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := pg.Migrated(t)
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
