package pgmigrate_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/pgmigrate"
	"github.com/yasam/privacy/internal/pgtest"
)

var errBehind = errors.New("test: schema behind")

const file1 = `CREATE TABLE IF NOT EXISTS privacy_schema (component text PRIMARY KEY, version integer NOT NULL);
CREATE TABLE IF NOT EXISTS widgets (id bigint PRIMARY KEY);
INSERT INTO privacy_schema (component, version) VALUES ('widgets', 1)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);`

const file2 = `ALTER TABLE widgets ADD COLUMN IF NOT EXISTS name text NOT NULL DEFAULT '';
INSERT INTO privacy_schema (component, version) VALUES ('widgets', 2)
	ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);`

func files(m map[string]string) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range m {
		out[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return out
}

func TestFiles(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []int
		err   bool
	}{
		{"ordered", map[string]string{"0002_b.up.sql": "b", "0001_a.up.sql": "a"}, []int{1, 2}, false},
		{"gap", map[string]string{"0001_a.up.sql": "a", "0003_c.up.sql": "c"}, nil, true},
		{"down file", map[string]string{"0001_a.up.sql": "a", "0001_a.down.sql": "x"}, nil, true},
		{"no number", map[string]string{"init.up.sql": "a"}, nil, true},
		{"no up", map[string]string{"0001_init.sql": "a"}, nil, true},
		{"empty", map[string]string{}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := pgmigrate.Files(files(tt.files))
			if tt.err {
				require.ErrorIs(t, err, pgmigrate.ErrBadFiles)
				return
			}
			require.NoError(t, err)
			var got []int
			for _, f := range fs {
				got = append(got, f.Version)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestApplyAndCheck(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.Admin(t)
	schema := pgtest.Schema(t)
	one := files(map[string]string{"0001_init.up.sql": file1})
	two := files(map[string]string{"0001_init.up.sql": file1, "0002_name.up.sql": file2})

	err := pgmigrate.Check(ctx, admin, schema, "widgets", 1, errBehind)
	require.ErrorIs(t, err, errBehind, "nothing applied yet")
	assert.Contains(t, err.Error(), "run Migrate")

	v, err := pgmigrate.Apply(ctx, admin, pgmigrate.Config{Component: "widgets", Files: one, Schema: schema})
	require.NoError(t, err)
	assert.Equal(t, 1, v)
	require.NoError(t, pgmigrate.Check(ctx, admin, schema, "widgets", 1, errBehind))
	require.ErrorIs(t, pgmigrate.Check(ctx, admin, schema, "widgets", 2, errBehind), errBehind)
	require.ErrorIs(t, pgmigrate.Check(ctx, admin, schema, "other", 1, errBehind), errBehind)

	// Concurrent instances starting together: the advisory lock
	// serialises them and every one ends at version 2.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			v, err := pgmigrate.Apply(ctx, admin, pgmigrate.Config{Component: "widgets", Files: two, Schema: schema})
			if err == nil && v != 2 {
				err = errors.New("not at version 2")
			}
			errs[i] = err
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.NoError(t, pgmigrate.Check(ctx, admin, schema, "widgets", 2, errBehind))
	// The table went into schema, not the admin's search_path.
	var n int
	require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = 'widgets'`, schema).Scan(&n))
	assert.Equal(t, 2, n)

	// Through a pool whose search_path is the schema, Schema may be empty.
	pool := pgtest.Pool(t, schema)
	v, err = pgmigrate.Apply(ctx, pool, pgmigrate.Config{Component: "widgets", Files: two})
	require.NoError(t, err)
	assert.Equal(t, 2, v)
	require.NoError(t, pgmigrate.Check(ctx, pool, "", "widgets", 2, errBehind))
}

func TestApplyRefusesFileThatDoesNotRecordItself(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.Admin(t)
	schema := pgtest.Schema(t)
	bad := files(map[string]string{
		"0001_init.up.sql":   file1,
		"0002_silent.up.sql": `CREATE TABLE IF NOT EXISTS gadgets (id int);`,
	})
	v, err := pgmigrate.Apply(ctx, admin, pgmigrate.Config{Component: "widgets", Files: bad, Schema: schema})
	require.ErrorIs(t, err, pgmigrate.ErrBadFiles)
	assert.Equal(t, 1, v)
	var reg *string
	require.NoError(t, admin.QueryRow(ctx, "SELECT to_regclass($1)::text", schema+".gadgets").Scan(&reg))
	assert.Nil(t, reg, "the failed file's transaction was rolled back")
}

func TestDMLRoleChecksButCannotMigrate(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.Admin(t)
	schema := pgtest.Schema(t)
	one := files(map[string]string{"0001_init.up.sql": file1})
	_, err := pgmigrate.Apply(ctx, admin, pgmigrate.Config{Component: "widgets", Files: one, Schema: schema})
	require.NoError(t, err)

	app := pgtest.DMLRole(t, schema, []pgtest.Grant{
		{Privileges: "SELECT", Object: "privacy_schema"},
		{Privileges: "SELECT, INSERT", Object: "widgets"},
	})
	require.NoError(t, pgmigrate.Check(ctx, app, "", "widgets", 1, errBehind))
	_, err = app.Exec(ctx, "INSERT INTO widgets (id) VALUES (1)")
	require.NoError(t, err)
	_, err = app.Exec(ctx, "DELETE FROM widgets")
	require.Error(t, err, "DELETE was not granted")
	_, err = app.Exec(ctx, "CREATE TABLE gadgets (id int)")
	require.Error(t, err, "the role may not create tables")
	two := files(map[string]string{"0001_init.up.sql": file1, "0002_name.up.sql": file2})
	_, err = pgmigrate.Apply(ctx, app, pgmigrate.Config{Component: "widgets", Files: two})
	require.Error(t, err, "the role may not run DDL")
}
