package pgrequests_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/subject/internal/regtest"
	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/requests/pgrequests"
	"github.com/yasam/privacy/subject/requests/requeststest"
)

var pg = regtest.PG[*pgrequests.Store, pgrequests.Option]{
	New:         pgrequests.New,
	WithMigrate: pgrequests.WithMigrate,
	Migrate:     pgrequests.Migrate,
	Migrations:  pgrequests.Migrations,
	Behind:      pgrequests.ErrSchemaBehind,
	Grants: []pgtest.Grant{
		{Privileges: "SELECT, INSERT, UPDATE", Object: "requests"},
		{Privileges: "SELECT", Object: "privacy_schema"},
	},
	Table: "requests",
}

func TestConformance(t *testing.T) {
	t.Parallel()
	requeststest.Run(t, func(t *testing.T) requests.Store { return pg.Fresh(t) })
}

// TestConformanceDMLOnly runs the suite as a role that may only read,
// insert and update: New runs no DDL and needs none.
func TestConformanceDMLOnly(t *testing.T) {
	t.Parallel()
	requeststest.Run(t, func(t *testing.T) requests.Store { return pg.DMLOnly(t) })
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
