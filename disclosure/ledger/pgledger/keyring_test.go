package pgledger_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent/keyring/pgkeyring"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
)

var pepper = []byte("the-host-keeps-this-pepper-0123456789")

// TestForgetLeavesNoLink records for two subjects, forgets one, then reads
// every row of every table of the schema (ledger and keyring) as text:
// nothing holds the subject's ID or anything derived from it alone, and
// the chain verifies.
func TestForgetLeavesNoLink(t *testing.T) {
	t.Parallel()
	s, pool, schema := fresh(t)
	ring, err := pgkeyring.New(context.Background(), pool, pepper, pgkeyring.WithMigrate(), pgkeyring.WithVacuum())
	require.NoError(t, err)
	ledgertest.Forget(t, s, ring, pepper, func(t *testing.T, secrets [][]byte) {
		all := dumpSchema(t, pool, schema)
		require.NotEmpty(t, all)
		for _, sec := range secrets {
			if bytes.Contains(all, sec) {
				t.Errorf("schema holds a secret of the forgotten subject (%d bytes)", len(sec))
			}
		}
	})
}

func dumpSchema(t *testing.T, pool *pgxpool.Pool, schema string) []byte {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	var out []byte
	for _, table := range tables {
		rows, err := pool.Query(ctx, "SELECT t::text FROM "+pgx.Identifier{schema, table}.Sanitize()+" t")
		require.NoError(t, err)
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		for _, s := range texts {
			out = append(append(out, s...), '\n')
		}
	}
	return out
}
