package ledger_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
	"github.com/yasam/privacy/purpose"
)

// TestKeyringGivenToALedgerWithEntries: a host turns WithKeyring on for
// an existing chain. Subject, the clause 8 answer, still lists the
// subject's earlier disclosures, which name them in clear, and Forget,
// which cannot erase those, says so rather than report the subject
// erased.
func TestKeyringGivenToALedgerWithEntries(t *testing.T) {
	ctx := context.Background()
	s := ledger.NewMemoryStore()
	d := ledgertest.AllowsFor(t, "alice", "bank-1")["bank-1"]
	rec := func(l *ledger.Ledger) {
		_, err := l.Record(ctx, "alice", d, ledger.WithCategories(purpose.PaymentDetails),
			ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithReference("req-1"))
		require.NoError(t, err)
	}
	rec(ledger.New(s)) // before the keyring
	ring, err := keyring.NewMemory(pepper)
	require.NoError(t, err)
	keyed := ledger.New(s, ledger.WithKeyring(ring))
	rec(keyed)

	got, err := keyed.Subject(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, got, 2, "the disclosures before the keyring and after it")
	for i, e := range got {
		assert.Equal(t, uint64(i+1), e.Seq)
		assert.Equal(t, "alice", e.Subject)
		assert.Equal(t, "req-1", e.Reference)
	}

	n, err := keyed.Forget(ctx, "alice")
	require.ErrorIs(t, err, ledger.ErrInClear)
	assert.Equal(t, 1, n, "the entry recorded with the keyring is unlinkable")
	assert.NotContains(t, err.Error(), "alice")
	_, err = keyed.Forget(ctx, "alice")
	require.ErrorIs(t, err, ledger.ErrInClear, "and says so again: the entry in clear stays")
	got, err = keyed.Subject(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, got, 1, "only the entry in clear is still the subject's")

	// A subject with no entry in clear is forgotten without error.
	rec2, err := keyed.Record(ctx, "bob", ledgertest.AllowsFor(t, "bob", "bank-1")["bank-1"],
		ledger.WithCategories(purpose.PaymentDetails), ledger.WithRecipientKind(disclosure.ThirdParty))
	require.NoError(t, err)
	require.NotZero(t, rec2.Seq)
	n, err = keyed.Forget(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}
