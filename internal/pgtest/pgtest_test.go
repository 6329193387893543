package pgtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/pgtest"
)

func TestSchemaAndRoleAreDropped(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.Admin(t)
	var schema, role string
	t.Run("inner", func(t *testing.T) {
		var pool = pgtest.Pool(t, pgtest.Schema(t))
		require.NoError(t, pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema))
		_, err := pool.Exec(ctx, "CREATE TABLE notes (body text)")
		require.NoError(t, err)
		app := pgtest.DMLRole(t, schema, []pgtest.Grant{{Privileges: "SELECT, INSERT", Object: "notes"}})
		require.NoError(t, app.QueryRow(ctx, "SELECT current_user").Scan(&role))
		_, err = app.Exec(ctx, "INSERT INTO notes VALUES ('x')")
		require.NoError(t, err)
		_, err = app.Exec(ctx, "UPDATE notes SET body = 'y'")
		assert.Error(t, err, "UPDATE was not granted")
		_, err = app.Exec(ctx, "CREATE TABLE other (x int)")
		assert.Error(t, err, "CREATE was not granted")
	})
	require.NotEmpty(t, schema)
	require.NotEmpty(t, role)
	var n int
	require.NoError(t, admin.QueryRow(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n))
	assert.Zero(t, n, "schema left behind")
	require.NoError(t, admin.QueryRow(ctx, "SELECT count(*) FROM pg_roles WHERE rolname = $1", role).Scan(&n))
	assert.Zero(t, n, "role left behind")
}
