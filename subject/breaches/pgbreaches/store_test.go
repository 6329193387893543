package pgbreaches_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/breaches/breachestest"
	"github.com/yasam/privacy/subject/breaches/pgbreaches"
	"github.com/yasam/privacy/subject/internal/regtest"
)

var pg = regtest.PG[*pgbreaches.Store, pgbreaches.Option]{
	New:         pgbreaches.New,
	WithMigrate: pgbreaches.WithMigrate,
	Migrate:     pgbreaches.Migrate,
	Migrations:  pgbreaches.Migrations,
	Behind:      pgbreaches.ErrSchemaBehind,
	Grants: []pgtest.Grant{
		{Privileges: "SELECT, INSERT, UPDATE", Object: "breaches"},
		{Privileges: "SELECT, INSERT, UPDATE", Object: "breach_subjects"},
		{Privileges: "SELECT", Object: "privacy_schema"},
	},
	Table: "breaches",
}

func TestConformance(t *testing.T) {
	t.Parallel()
	breachestest.Run(t, func(t *testing.T) breaches.Store { return pg.Fresh(t) })
}

func TestConformanceDMLOnly(t *testing.T) {
	t.Parallel()
	breachestest.Run(t, func(t *testing.T) breaches.Store { return pg.DMLOnly(t) })
}

func TestSchemaBehindAndNoDDL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fresh := pgtest.Schema(t)
	_, err := pgbreaches.New(ctx, pgtest.DMLRole(t, fresh, nil))
	require.ErrorIs(t, err, pgbreaches.ErrSchemaBehind)
	_, err = pgbreaches.New(ctx, pgtest.DMLRole(t, fresh, nil), pgbreaches.WithMigrate())
	require.Error(t, err, "a role without CREATE applied the schema")

	pool, schema := pg.Migrated(t)
	require.NoError(t, pgbreaches.Migrate(ctx, pool), "twice")
	b, err := regtest.ReadAll(pgbreaches.Migrations())
	require.NoError(t, err)
	for _, sql := range b {
		_, err := pool.Exec(ctx, sql)
		require.NoError(t, err, "a file applied again by hand")
	}
	app := pgtest.DMLRole(t, schema, pg.Grants)
	_, err = app.Exec(ctx, "DELETE FROM breaches")
	assert.Error(t, err)
}

func TestForgetLeavesNoLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := pg.Migrated(t)
	s, err := pgbreaches.New(ctx, pool)
	require.NoError(t, err)
	reg := breaches.New(s)
	const who = "subject-pg-brc-19fe"
	at := time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)
	i, err := reg.Record(ctx, at, []string{who, "other"})
	require.NoError(t, err)
	_, err = reg.Forget(ctx, who)
	require.ErrorIs(t, err, breaches.ErrRetained)
	require.NoError(t, reg.NotifySubjects(ctx, i.ID, at.Add(time.Hour), "out://s"))
	_, err = reg.Forget(ctx, who)
	require.NoError(t, err)
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM breach_subjects s WHERE row_to_json(s)::text LIKE '%' || $1 || '%'`, who).Scan(&n))
	assert.Zero(t, n)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM breach_subjects WHERE breach_id = $1`, i.ID).Scan(&n))
	assert.Equal(t, 2, n)
	_, err = pool.Exec(ctx, `UPDATE breach_subjects SET subject = 'erased:again' WHERE subject LIKE 'erased:%'`)
	assert.Error(t, err, "a tombstone was rewritten")
}
