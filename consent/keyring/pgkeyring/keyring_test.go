package pgkeyring_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent/keyring/keyringtest"
	"github.com/yasam/privacy/consent/keyring/pgkeyring"
	"github.com/yasam/privacy/internal/pgtest"
)

var pepper = []byte("the-host-keeps-this-pepper-0123456789")

func TestConformance(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.New(t)
	k, err := pgkeyring.New(context.Background(), pool, pepper, pgkeyring.WithMigrate(), pgkeyring.WithVacuum())
	require.NoError(t, err)
	keyringtest.Run(t, k)
}

// TestDMLOnlyRole: with the privileges the docs list, New without
// WithMigrate works and the keyring passes its suite; before the schema
// is migrated New fails with ErrSchemaBehind.
func TestDMLOnlyRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, schema := pgtest.New(t)
	_, err := pgkeyring.New(ctx, owner, pepper)
	require.ErrorIs(t, err, pgkeyring.ErrSchemaBehind)
	require.NoError(t, pgkeyring.Migrate(ctx, owner))
	app := pgtest.DMLRole(t, schema, []pgtest.Grant{
		{Privileges: "SELECT, INSERT, DELETE", Object: "privacy_keyring"},
		{Privileges: "SELECT", Object: "privacy_schema"},
	})
	k, err := pgkeyring.New(ctx, app, pepper)
	require.NoError(t, err)
	keyringtest.Run(t, k)
	_, err = app.Exec(ctx, "CREATE TABLE keyring_probe (x int)")
	assert.Error(t, err, "the application role must not be able to run DDL, or the test proves nothing")
}

// TestMigrationFilesRunAloneTwice: every file is idempotent.
func TestMigrationFilesRunAloneTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := pgtest.New(t)
	files, err := fs.Glob(pgkeyring.Migrations(), "*.up.sql")
	require.NoError(t, err)
	require.Len(t, files, pgkeyring.SchemaVersion)
	for range 2 {
		for _, f := range files {
			b, err := fs.ReadFile(pgkeyring.Migrations(), f)
			require.NoError(t, err)
			_, err = pool.Exec(ctx, string(b))
			require.NoError(t, err, f)
		}
	}
	_, err = pgkeyring.New(ctx, pool, pepper)
	require.NoError(t, err)
}
