package regtest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// NoTrace asserts that neither the SQLite file at path nor its
// write-ahead log, where there is one, holds the bytes of who: what an
// erasure must leave of a subject. Close the store first.
func NoTrace(t *testing.T, path, who string) {
	t.Helper()
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		assert.False(t, bytes.Contains(b, []byte(who)), "%s still holds the subject", filepath.Base(f))
	}
}
