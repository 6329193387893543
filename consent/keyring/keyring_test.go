package keyring_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/consent/keyring/keyringtest"
	"github.com/yasam/privacy/consent/keyring/sqlitekeyring"
	"github.com/yasam/privacy/purpose"
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

// pausingRing stops inside Key after reading the key, or inside Shred
// before shredding, until released: it puts a Cache's two calls in a
// chosen order.
type pausingRing struct {
	keyring.Keyring
	pauseKey, pauseShred bool
	reached, release     chan struct{}
}

func (r *pausingRing) Key(ctx context.Context, subject string, create bool) ([]byte, error) {
	k, err := r.Keyring.Key(ctx, subject, create)
	if r.pauseKey {
		r.reached <- struct{}{}
		<-r.release
	}
	return k, err
}

func (r *pausingRing) Shred(ctx context.Context, subject string) error {
	if r.pauseShred {
		r.reached <- struct{}{}
		<-r.release
	}
	return r.Keyring.Shred(ctx, subject)
}

// TestCacheNeverKeepsAShreddedKey: a Key that read ring beside a Shred
// (read before the Shred began and returning after it, or run wholly
// while it was under way) does not keep the key it read, so the Cache
// never answers with a key ring has shredded.
func TestCacheNeverKeepsAShreddedKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		pauseKey   bool // Key pauses after its read; Shred runs whole
		pauseShred bool // Shred pauses before ring's; Key runs whole
	}{
		{"key read before the shred, kept after it", true, false},
		{"key read while the shred is under way", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := keyring.NewMemory(pepper)
			require.NoError(t, err)
			_, err = m.Key(ctx, "user-1", true)
			require.NoError(t, err)
			r := &pausingRing{Keyring: m, pauseKey: tc.pauseKey, pauseShred: tc.pauseShred,
				reached: make(chan struct{}), release: make(chan struct{})}
			c := keyring.NewCache(r, time.Hour, 8)
			done := make(chan error, 1)
			if tc.pauseKey {
				go func() { _, err := c.Key(ctx, "user-1", true); done <- err }()
				<-r.reached
				require.NoError(t, c.Shred(ctx, "user-1"))
				close(r.release)
			} else {
				go func() { done <- c.Shred(ctx, "user-1") }()
				<-r.reached
				_, err := c.Key(ctx, "user-1", false)
				require.NoError(t, err, "ring still holds the key while the shred waits")
				close(r.release)
			}
			require.NoError(t, <-done)
			r.pauseKey, r.pauseShred = false, false
			_, err = c.Key(ctx, "user-1", false)
			require.ErrorIs(t, err, keyring.ErrNoKey, "the cache answered with a shredded key")
		})
	}
}

// TestCacheUnderConcurrentUseNeverGivesAZeroKey: a small Cache used by
// several goroutines (evicting as they go) only ever gives real keys.
func TestCacheUnderConcurrentUseNeverGivesAZeroKey(t *testing.T) {
	ctx := context.Background()
	mem, err := keyring.NewMemory(pepper)
	require.NoError(t, err)
	c := keyring.NewCache(mem, time.Hour, 2)
	subjects := []string{"s-a", "s-b", "s-c"}
	want := map[string][]byte{}
	for _, s := range subjects {
		k, err := mem.Key(ctx, s, true)
		require.NoError(t, err)
		want[s] = k
	}
	var bad atomic.Int64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 20000 {
				s := subjects[(g+i)%len(subjects)]
				if k, err := c.Key(ctx, s, true); err != nil || !bytes.Equal(k, want[s]) {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.Zero(t, bad.Load(), "keys other than the subject's, or errors")
}

// TestKeyHoldersPrintNoKey: a host that logs or prints a SubjectKey, a
// Memory or a Cache (slog.Any, %v, %+v, %#v, %x, %d) sees a placeholder,
// never the subject's key or the pepper.
func TestKeyHoldersPrintNoKey(t *testing.T) {
	ctx := context.Background()
	mem, err := keyring.NewMemory(pepper)
	require.NoError(t, err)
	raw, err := mem.Key(ctx, "alice", true)
	require.NoError(t, err)
	k, err := keyring.Subject(ctx, mem, "alice", false)
	require.NoError(t, err)
	c := keyring.NewCache(mem, time.Hour, 8)
	_, err = c.Key(ctx, "alice", false)
	require.NoError(t, err)
	sq, err := sqlitekeyring.Open(ctx, filepath.Join(t.TempDir(), "keys.db"), pepper)
	require.NoError(t, err)
	defer sq.Close()
	keyed := consent.NewKeyedStore(consent.NewMemoryStore(), c)
	require.NoError(t, keyed.Append(ctx, consent.Grant("alice", purpose.Payments, "bank", time.Now())))
	holders := []any{k, mem, c, sq, keyed}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("debug", holders...)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("debug", holders...)
	for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%d", "%s"} {
		for _, h := range holders {
			buf.WriteString(fmt.Sprintf(verb+"\n", h))
		}
	}
	out := buf.String()
	for _, secret := range [][]byte{raw, pepper} {
		for _, form := range []string{fmt.Sprint(secret)[1:20], fmt.Sprintf("%x", secret)[:16], string(secret)} {
			assert.NotContains(t, out, form)
		}
	}
	assert.Contains(t, out, "keyring.SubjectKey{[redacted]}")
}
