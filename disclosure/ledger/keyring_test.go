package ledger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
	"github.com/yasam/privacy/purpose"
)

var pepper = []byte("the-host-keeps-this-pepper-0123456789")

func TestForgetMemory(t *testing.T) {
	t.Parallel()
	ring, err := keyring.NewMemory(pepper)
	require.NoError(t, err)
	s := ledger.NewMemoryStore()
	ledgertest.Forget(t, s, ring, pepper, func(t *testing.T, secrets [][]byte) {
		var all bytes.Buffer
		for e, err := range s.Scan(context.Background(), 1) {
			require.NoError(t, err)
			b, err := json.Marshal(e)
			require.NoError(t, err)
			all.Write(b)
		}
		for _, sec := range secrets {
			assert.False(t, bytes.Contains(all.Bytes(), sec), "the store holds a secret of the forgotten subject")
		}
		assert.Zero(t, ring.Len()-1, "only the other subject's key is left")
	})
}

func TestForgetRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := ledger.New(ledger.NewMemoryStore()).Forget(ctx, "u")
	require.ErrorIs(t, err, ledger.ErrNoKeyring)

	ring, err := keyring.NewMemory(pepper)
	require.NoError(t, err)
	court := errors.New("court case 12 holds the records")
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithKeyring(ring), ledger.WithHold(func(_ context.Context, s string) error {
		if s == "user-held" {
			return court
		}
		return nil
	}))
	ds := ledgertest.AllowsFor(t, "user-held", "bank-1")
	_, err = l.Record(ctx, "user-held", ds["bank-1"], ledger.WithCategories(purpose.PaymentDetails), ledger.WithRecipientKind(disclosure.ThirdParty))
	require.NoError(t, err)
	n, err := l.Forget(ctx, "user-held")
	require.ErrorIs(t, err, keyring.ErrRetained)
	require.ErrorIs(t, err, court)
	assert.NotContains(t, err.Error(), "user-held")
	assert.Zero(t, n)
	got, err := l.Subject(ctx, "user-held")
	require.NoError(t, err)
	assert.Len(t, got, 1, "a refused erasure erased something")
	n, err = l.Forget(ctx, "never-recorded")
	require.NoError(t, err)
	assert.Zero(t, n)
}

// BenchmarkRecordKeyed compares Record without and with a keyring
// (memory store and keyring, keys cached; no group wait, so that the
// figures show the keyring's cost alone).
func BenchmarkRecordKeyed(b *testing.B) {
	ctx := context.Background()
	ds := ledgertest.AllowsFor(b, "user-1", "bank-1")
	mem, err := keyring.NewMemory(pepper)
	require.NoError(b, err)
	for _, tc := range []struct {
		name string
		opts []ledger.Option
	}{
		{"plain", []ledger.Option{ledger.WithGroupWait(0)}},
		{"keyed", []ledger.Option{ledger.WithGroupWait(0), ledger.WithKeyring(keyring.NewCache(mem, time.Hour, 4096))}},
	} {
		l := ledger.New(ledger.NewMemoryStore(), tc.opts...)
		b.Run(tc.name+"/Record", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Record(ctx, "user-1", ds["bank-1"], ledger.WithCategories(purpose.PaymentDetails),
					ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithReference("req-1")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
