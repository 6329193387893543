package sqliteledger_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent/keyring/sqlitekeyring"
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
