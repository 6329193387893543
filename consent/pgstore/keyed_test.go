package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/consenttest"
	"github.com/yasam/privacy/consent/internal/keyedbench"
	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/consent/keyring/pgkeyring"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/purpose"
)

var pepper = []byte("the-host-keeps-this-pepper-0123456789")

// newKeyed returns a KeyedStore over a store and a keyring on a fresh
// schema, and the schema's name.
func newKeyed(t testing.TB, opts ...pgkeyring.Option) (*consent.KeyedStore, string) {
	t.Helper()
	s, schema := newStore(t)
	ring, err := pgkeyring.New(context.Background(), pgstore.NewTestPool(t, schema), pepper,
		append([]pgkeyring.Option{pgkeyring.WithSchema(schema), pgkeyring.WithMigrate()}, opts...)...)
	require.NoError(t, err)
	return consent.NewKeyedStore(s, ring), schema
}

func TestKeyedConformance(t *testing.T) {
	t.Parallel()
	consenttest.RunKeyed(t, func(t *testing.T) consent.Store {
		s, _ := newKeyed(t)
		return s
	})
}

// TestKeyedForgetLeavesNoLink records for two subjects, forgets one, and
// reads every row of every table of the schema as text: nothing holds the
// subject's ID or anything derived from it alone. The keyring is vacuumed
// after the delete (WithVacuum), as a maintenance role would.
func TestKeyedForgetLeavesNoLink(t *testing.T) {
	t.Parallel()
	s, schema := newKeyed(t, pgkeyring.WithVacuum())
	consenttest.Forget(t, s, pepper, func(t *testing.T, secrets [][]byte) {
		consenttest.RequireAbsent(t, "schema "+schema, dumpSchema(t, schema), secrets)
	})
}

// dumpSchema returns every row of every table in schema as text (bytea
// in hex).
func dumpSchema(t *testing.T, schema string) []byte {
	t.Helper()
	ctx := context.Background()
	pool := pgstore.NewTestPool(t, schema)
	rows, err := pool.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.NotEmpty(t, tables)
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

// BenchmarkKeyed compares a warm State and an Append on the plain store
// with the same through a KeyedStore (keys cached, as a host would).
func BenchmarkKeyed(b *testing.B) {
	ctx := context.Background()
	plain, _ := newStore(b)
	inner, schema := newStore(b)
	pg, err := pgkeyring.New(ctx, pgstore.NewTestPool(b, schema), pepper, pgkeyring.WithMigrate())
	require.NoError(b, err)
	keyed := consent.NewKeyedStore(inner, keyring.NewCache(pg, time.Hour, 4096))
	keyedbench.Run(b, plain, keyed, t0)
}

// TestKeyedForgetDropsCache: Forget drops the inner store's cached state
// of the forgotten subject. (A late notification of the append may drop
// it too; the test waits until the state is cached.)
func TestKeyedForgetDropsCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newKeyed(t)
	inner := s.Inner().(*pgstore.Store)
	require.Eventually(t, inner.Serving, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, s.Append(ctx, consent.Grant("user-1", purpose.Payments, "bank", t0)))
	require.Eventually(t, func() bool {
		_, err := s.State(ctx, "user-1")
		return err == nil && inner.Stats().CacheLen == 1
	}, 10*time.Second, 10*time.Millisecond, "the state is cached")
	_, err := s.Forget(ctx, "user-1")
	require.NoError(t, err)
	require.Zero(t, inner.Stats().CacheLen)
}
