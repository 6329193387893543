package regtest

import (
	"context"
	"io/fs"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/pgtest"
)

// PG describes one PostgreSQL register: S is its store, O its option.
type PG[S any, O any] struct {
	// New, WithMigrate, Migrate and Migrations are the package's own.
	New         func(context.Context, *pgxpool.Pool, ...O) (S, error)
	WithMigrate func() O
	Migrate     func(context.Context, *pgxpool.Pool, ...O) error
	Migrations  func() fs.FS
	// Behind is the package's ErrSchemaBehind.
	Behind error
	// Grants are what the DML-only role gets.
	Grants []pgtest.Grant
	// Table is the append-only table a DML-only role may not DELETE from.
	Table string
}

// Migrated returns a pool on a fresh schema with the files applied.
func (r PG[S, O]) Migrated(t *testing.T) (*pgxpool.Pool, string) {
	t.Helper()
	pool, schema := pgtest.New(t)
	require.NoError(t, r.Migrate(context.Background(), pool))
	return pool, schema
}

// Fresh returns a store that migrated a fresh schema itself.
func (r PG[S, O]) Fresh(t *testing.T) S {
	t.Helper()
	pool, _ := pgtest.New(t)
	s, err := r.New(context.Background(), pool, r.WithMigrate())
	require.NoError(t, err)
	return s
}

// DMLOnly returns a store logged in as a role that may only read, insert
// and update a migrated schema: New runs no DDL and needs none.
func (r PG[S, O]) DMLOnly(t *testing.T) S {
	t.Helper()
	_, schema := r.Migrated(t)
	app := pgtest.DMLRole(t, schema, r.Grants)
	s, err := r.New(context.Background(), app)
	require.NoError(t, err)
	return s
}

// DMLRoleCannotMigrateOrDelete shows that a DML-only role gets
// ErrSchemaBehind, not DDL, from New on a fresh schema, cannot migrate
// it, and cannot DELETE from Table once it is migrated.
func (r PG[S, O]) DMLRoleCannotMigrateOrDelete(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	fresh := pgtest.Schema(t)
	_, err := r.New(ctx, pgtest.DMLRole(t, fresh, nil))
	require.ErrorIs(t, err, r.Behind, "without WithMigrate New only checks")
	_, err = r.New(ctx, pgtest.DMLRole(t, fresh, nil), r.WithMigrate())
	require.Error(t, err, "a role without CREATE applied the schema")

	_, schema := r.Migrated(t)
	app := pgtest.DMLRole(t, schema, r.Grants)
	_, err = app.Exec(ctx, "DELETE FROM "+r.Table)
	assert.Error(t, err)
}

// SchemaBehind shows New failing with Behind before Migrate, Migrate
// running twice, and New working after.
func (r PG[S, O]) SchemaBehind(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	pool, _ := pgtest.New(t)
	_, err := r.New(ctx, pool)
	require.ErrorIs(t, err, r.Behind)
	assert.Contains(t, err.Error(), "run Migrate")
	require.NoError(t, r.Migrate(ctx, pool))
	require.NoError(t, r.Migrate(ctx, pool), "migrations run twice")
	_, err = r.New(ctx, pool)
	require.NoError(t, err)
}

// MigrationsRunAloneAgain applies every file by hand over a migrated
// schema.
func (r PG[S, O]) MigrationsRunAloneAgain(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	pool, _ := r.Migrated(t)
	b, err := ReadAll(r.Migrations())
	require.NoError(t, err)
	for _, sql := range b {
		_, err := pool.Exec(ctx, sql)
		require.NoError(t, err, "a file applied twice by hand")
	}
}

// ReadAll returns the text of every *.up.sql file of fsys, in name
// order.
func ReadAll(fsys fs.FS) ([]string, error) {
	names, err := fs.Glob(fsys, "*.up.sql")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	return out, nil
}
