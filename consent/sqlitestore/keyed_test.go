package sqlitestore_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/consenttest"
	"github.com/yasam/privacy/consent/internal/keyedbench"
	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/consent/keyring/sqlitekeyring"
	"github.com/yasam/privacy/purpose"
)

var (
	pepper = []byte("the-host-keeps-this-pepper-0123456789")
	t0     = time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
)

func openKeyring(t *testing.T, path string) *sqlitekeyring.Keyring {
	t.Helper()
	k, err := sqlitekeyring.Open(context.Background(), path, pepper)
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	return k
}

func TestKeyedConformance(t *testing.T) {
	t.Parallel()
	consenttest.RunKeyed(t, func(t *testing.T) consent.Store {
		dir := t.TempDir()
		return consent.NewKeyedStore(open(t, filepath.Join(dir, "consent.db")), openKeyring(t, filepath.Join(dir, "keys.db")))
	})
}

// TestKeyedForgetLeavesNoLink records for two subjects, forgets one, and
// then reads every row of both files with SQL, and both files and their
// WALs as bytes: nothing holds the subject's ID or anything derived from
// it alone.
func TestKeyedForgetLeavesNoLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	events, keys := filepath.Join(dir, "consent.db"), filepath.Join(dir, "keys.db")
	s := consent.NewKeyedStore(open(t, events), openKeyring(t, keys))
	consenttest.Forget(t, s, pepper, func(t *testing.T, secrets [][]byte) {
		for _, path := range []string{events, keys} {
			consenttest.RequireAbsent(t, filepath.Base(path)+" rows", dumpSQLite(t, path), secrets)
			for _, f := range []string{path, path + "-wal", path + "-journal"} {
				b, err := os.ReadFile(f)
				if os.IsNotExist(err) {
					continue
				}
				require.NoError(t, err)
				consenttest.RequireAbsent(t, filepath.Base(f), b, secrets)
			}
		}
	})
}

// dumpSQLite returns every row of every table of the file as text.
func dumpSQLite(t *testing.T, path string) []byte {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'table'")
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	var out bytes.Buffer
	for _, table := range tables {
		rows, err := db.Query(fmt.Sprintf("SELECT * FROM %q", table))
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			require.NoError(t, rows.Scan(ptrs...))
			for _, v := range vals {
				switch v := v.(type) {
				case []byte:
					out.Write(v)
					fmt.Fprintf(&out, " %x ", v)
				default:
					fmt.Fprintf(&out, "%v ", v)
				}
			}
			out.WriteByte('\n')
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return out.Bytes()
}

// BenchmarkKeyed compares a warm State and an Append on the plain store
// with the same through a KeyedStore (keys cached, as a host would).
func BenchmarkKeyed(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	ring, err := sqlitekeyring.Open(ctx, filepath.Join(dir, "keys.db"), pepper)
	require.NoError(b, err)
	b.Cleanup(func() { ring.Close() })
	plain := open(b, filepath.Join(dir, "plain.db"))
	keyed := consent.NewKeyedStore(open(b, filepath.Join(dir, "keyed.db")), keyring.NewCache(ring, time.Hour, 4096))
	keyedbench.Run(b, plain, keyed, t0)
}

// TestKeyedForgetDropsCache: Forget drops the inner store's cached state
// of the forgotten subject, and only that one.
func TestKeyedForgetDropsCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	inner := open(t, filepath.Join(dir, "consent.db"))
	s := consent.NewKeyedStore(inner, openKeyring(t, filepath.Join(dir, "keys.db")))
	for _, u := range []string{"user-1", "user-2"} {
		require.NoError(t, s.Append(ctx, consent.Grant(u, purpose.Payments, "bank", t0)))
		_, err := s.State(ctx, u)
		require.NoError(t, err)
	}
	require.Equal(t, 2, inner.Stats().CacheLen)
	_, err := s.Forget(ctx, "user-1")
	require.NoError(t, err)
	require.Equal(t, 1, inner.Stats().CacheLen)
}
