package sqlitekeyring_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/consent/keyring/keyringtest"
	"github.com/yasam/privacy/consent/keyring/sqlitekeyring"
)

var pepper = []byte("the-host-keeps-this-pepper-0123456789")

func TestConformance(t *testing.T) {
	t.Parallel()
	k, err := sqlitekeyring.Open(context.Background(), filepath.Join(t.TempDir(), "keys.db"), pepper)
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	keyringtest.Run(t, k)
}

// TestReopen: keys survive a reopen with the same pepper, and another
// pepper finds none of them.
func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys.db")
	k, err := sqlitekeyring.Open(ctx, path, pepper)
	require.NoError(t, err)
	key, err := k.Key(ctx, "user-1", true)
	require.NoError(t, err)
	require.NoError(t, k.Close())

	k, err = sqlitekeyring.Open(ctx, path, pepper)
	require.NoError(t, err)
	again, err := k.Key(ctx, "user-1", false)
	require.NoError(t, err)
	require.Equal(t, key, again)
	require.NoError(t, k.Close())

	k, err = sqlitekeyring.Open(ctx, path, append([]byte("other-"), pepper...))
	require.NoError(t, err)
	defer k.Close()
	_, err = k.Key(ctx, "user-1", false)
	require.ErrorIs(t, err, keyring.ErrNoKey)
	_, err = sqlitekeyring.Open(ctx, path, []byte("short"))
	require.ErrorIs(t, err, keyring.ErrInvalid)
}
