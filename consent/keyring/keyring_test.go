package keyring_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/consent/keyring/keyringtest"
)

var pepper = []byte("the-host-keeps-this-pepper-0123456789")

func TestMemory(t *testing.T) {
	t.Parallel()
	_, err := keyring.NewMemory([]byte("short"))
	require.ErrorIs(t, err, keyring.ErrInvalid)
	m, err := keyring.NewMemory(pepper)
	require.NoError(t, err)
	keyringtest.Run(t, m)
}

func TestCache(t *testing.T) {
	t.Parallel()
	m, err := keyring.NewMemory(pepper)
	require.NoError(t, err)
	keyringtest.Run(t, keyring.NewCache(m, time.Hour, 2))
}

func TestSubjectKey(t *testing.T) {
	t.Parallel()
	k1, k2 := keyring.NewKey(), keyring.NewKey()
	a, err := keyring.Derive(k1, "user-1")
	require.NoError(t, err)
	b, err := keyring.Derive(k2, "user-1")
	require.NoError(t, err)
	a2, err := keyring.Derive(k1, "user-1")
	require.NoError(t, err)
	other, err := keyring.Derive(k1, "user-2")
	require.NoError(t, err)
	_, err = keyring.Derive(k1[:16], "user-1")
	require.ErrorIs(t, err, keyring.ErrInvalid)

	assert.Equal(t, a.Ref(), a2.Ref(), "a reference is stable")
	assert.NotEqual(t, a.Ref(), b.Ref(), "another key, another reference")
	assert.NotEqual(t, a.Ref(), other.Ref())
	assert.True(t, strings.HasPrefix(a.Ref(), keyring.RefPrefix))
	assert.NotContains(t, a.Ref(), "user-1")
	assert.Equal(t, a.ID("ev_", "x"), a2.ID("ev_", "x"))
	assert.NotEqual(t, a.ID("ev_", "x"), b.ID("ev_", "x"))

	tests := []struct {
		name  string
		plain string
		ad    string
	}{
		{"empty", "", "r1"},
		{"text", "scan #42 «подпись»", "r1"},
		{"long", strings.Repeat("x", 1200), "r2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := a.Seal([]byte(tc.plain), tc.ad)
			assert.Len(t, s, keyring.SealedLen(len(tc.plain)))
			assert.Equal(t, s, a2.Seal([]byte(tc.plain), tc.ad), "sealing is deterministic")
			if tc.plain != "" {
				assert.NotContains(t, s, tc.plain)
			}
			got, err := a2.Open(s, tc.ad)
			require.NoError(t, err)
			assert.Equal(t, tc.plain, string(got))
			_, err = a.Open(s, tc.ad+"x")
			assert.ErrorIs(t, err, keyring.ErrSealed, "bound to its record")
			_, err = b.Open(s, tc.ad)
			assert.ErrorIs(t, err, keyring.ErrSealed, "another key")
			mid := len(s) / 2
			flip := "A"
			if s[mid] == 'A' {
				flip = "B"
			}
			_, err = a.Open(s[:mid]+flip+s[mid+1:], tc.ad)
			assert.ErrorIs(t, err, keyring.ErrSealed, "altered")
		})
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	l := keyring.Lookup(pepper, "user-1")
	assert.Len(t, l, 32)
	assert.False(t, bytes.Equal(l, keyring.Lookup(pepper, "user-2")))
	assert.False(t, bytes.Equal(l, keyring.Lookup(append([]byte("x"), pepper...), "user-1")), "another pepper")
}

func FuzzOpen(f *testing.F) {
	k, err := keyring.Derive(bytes.Repeat([]byte{7}, keyring.KeySize), "u")
	require.NoError(f, err)
	f.Add(k.Seal([]byte("evidence"), "ad"), "ad")
	f.Add("sk1:", "")
	f.Add("sk1:!!", "x")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, sealed, ad string) {
		plain, err := k.Open(sealed, ad)
		if err != nil {
			require.ErrorIs(t, err, keyring.ErrSealed)
			return
		}
		assert.Equal(t, sealed, k.Seal(plain, ad), "what opens is what Seal makes")
	})
}

func TestConcurrentCreate(t *testing.T) {
	t.Parallel()
	m, err := keyring.NewMemory(pepper)
	require.NoError(t, err)
	var wg sync.WaitGroup
	keys := make([][]byte, 8)
	for i := range keys {
		wg.Go(func() {
			k, err := m.Key(context.Background(), "user-1", true)
			assert.NoError(t, err)
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		assert.Equal(t, keys[0], k, "concurrent creators agree on one key")
	}
}
