package sqliteledger_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/consent/keyring/sqlitekeyring"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
)

var pepper = []byte("the-host-keeps-this-pepper-0123456789")

// TestForgetLeavesNoLink records for two subjects, forgets one, then reads
// the ledger and keyring files and their WALs as bytes: nothing holds the
// subject's ID or anything derived from it alone, and the chain verifies.
func TestForgetLeavesNoLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	entries, keys := filepath.Join(dir, "ledger.db"), filepath.Join(dir, "keys.db")
	ring, err := sqlitekeyring.Open(context.Background(), keys, pepper)
	require.NoError(t, err)
	t.Cleanup(func() { ring.Close() })
	ledgertest.Forget(t, open(t, entries), ring, pepper, func(t *testing.T, secrets [][]byte) {
		for _, f := range []string{entries, entries + "-wal", keys, keys + "-wal"} {
			b, err := os.ReadFile(f)
			if os.IsNotExist(err) {
				continue
			}
			require.NoError(t, err)
			for _, sec := range secrets {
				if i := bytes.Index(b, sec); i >= 0 {
					t.Errorf("%s holds a secret of the forgotten subject (%d bytes) at %d", filepath.Base(f), len(sec), i)
				}
			}
		}
	})
}

// TestForgetShredsOverADamagedChain: one entry of another subject was
// altered behind the store's back. Erasing a subject still destroys its
// key (the entries stay, unlinkable); the error says the count could not
// be made, and names the damage.
func TestForgetShredsOverADamagedChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	ring, err := keyring.NewMemory(pepper)
	require.NoError(t, err)
	l := ledger.New(open(t, path), ledger.WithKeyring(ring))
	fill(t, l, 6) // user-0, user-1, user-2 in turn
	db := raw(t, path)
	for _, q := range []string{"DROP TRIGGER ledger_entries_no_update", `UPDATE ledger_entries SET categories = '["identity"]' WHERE seq = 2`} {
		_, err := db.ExecContext(t.Context(), q)
		require.NoError(t, err)
	}
	_, err = l.Forget(t.Context(), "user-0")
	require.ErrorIs(t, err, ledger.ErrTampered)
	assert.Contains(t, err.Error(), "shredded")
	_, err = ring.Key(t.Context(), "user-0", false)
	require.ErrorIs(t, err, keyring.ErrNoKey, "the key is gone")
	_, err = ring.Key(t.Context(), "user-1", false)
	require.NoError(t, err, "another subject's key stays")
}
