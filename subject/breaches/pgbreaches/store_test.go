package pgbreaches_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/breaches/breachestest"
	"github.com/yasam/privacy/subject/breaches/pgbreaches"
)

var grants = []pgtest.Grant{
	{Privileges: "SELECT, INSERT, UPDATE", Object: "breaches"},
	{Privileges: "SELECT, INSERT, UPDATE", Object: "breach_subjects"},
	{Privileges: "SELECT", Object: "privacy_schema"},
}

func migrated(t *testing.T) (*pgxpool.Pool, string) {
	t.Helper()
	pool, schema := pgtest.New(t)
	require.NoError(t, pgbreaches.Migrate(context.Background(), pool))
	return pool, schema
}

func TestConformance(t *testing.T) {
	t.Parallel()
	breachestest.Run(t, func(t *testing.T) breaches.Store {
		pool, _ := pgtest.New(t)
		s, err := pgbreaches.New(context.Background(), pool, pgbreaches.WithMigrate())
		require.NoError(t, err)
		return s
	})
}

func TestConformanceDMLOnly(t *testing.T) {
	t.Parallel()
	breachestest.Run(t, func(t *testing.T) breaches.Store {
		_, schema := migrated(t)
		s, err := pgbreaches.New(context.Background(), pgtest.DMLRole(t, schema, grants))
		require.NoError(t, err)
		return s
	})
}

func TestSchemaBehindAndNoDDL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fresh := pgtest.Schema(t)
	_, err := pgbreaches.New(ctx, pgtest.DMLRole(t, fresh, nil))
	require.ErrorIs(t, err, pgbreaches.ErrSchemaBehind)
	_, err = pgbreaches.New(ctx, pgtest.DMLRole(t, fresh, nil), pgbreaches.WithMigrate())
	require.Error(t, err, "a role without CREATE applied the schema")

	pool, schema := migrated(t)
	require.NoError(t, pgbreaches.Migrate(ctx, pool), "twice")
	b, err := readAll(pgbreaches.Migrations())
	require.NoError(t, err)
	for _, sql := range b {
		_, err := pool.Exec(ctx, sql)
		require.NoError(t, err, "a file applied again by hand")
	}
	app := pgtest.DMLRole(t, schema, grants)
	_, err = app.Exec(ctx, "DELETE FROM breaches")
	assert.Error(t, err)
}

func TestForgetLeavesNoLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := migrated(t)
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
