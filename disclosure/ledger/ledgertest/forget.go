package ledgertest

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/purpose"
)

// The subjects of [Forget].
const (
	ForgottenSubject = "ledger-forgotten-3f9a"
	KeptSubject      = "ledger-kept-8d21"
)

// Forget records disclosures for two subjects in a ledger over s with
// ring (made with pepper), forgets [ForgottenSubject], and requires: the
// count of entries made unlinkable; no entries from Subject for it; the
// other subject's entries as before; Verify passing; a second Forget a
// no-op; the entries name their decisions, and ByDecision finds them with
// no subject in clear. Then it calls scan with the byte strings that must appear
// nowhere in the store's storage or the keyring's (the subject's ID, its
// references, and HMAC(pepper, ID) raw, in hex and in base64): scan reads
// the storage directly.
func Forget(t *testing.T, s ledger.Store, ring keyring.Keyring, pepper []byte, scan func(t *testing.T, secrets [][]byte)) {
	t.Helper()
	ctx := context.Background()
	ds := MustDecider(t, "bank-1", "bank-2")
	l := ledger.New(s, ledger.WithKeyring(ring))
	record := func(subject string) {
		for i, r := range []string{"bank-1", "bank-2", "bank-1"} {
			e, err := l.Record(ctx, subject, ds.MustAllow(t, subject, r), ledger.WithCategories(purpose.PaymentDetails), ledger.WithRecipientKind(disclosure.ThirdParty),
				ledger.WithReference("ref-of-"+subject+string(rune('a'+i))))
			require.NoError(t, err)
			assert.Equal(t, subject, e.Subject, "Record returns the subject in clear")
		}
	}
	record(ForgottenSubject)
	record(KeptSubject)
	before, err := l.Subject(ctx, KeptSubject)
	require.NoError(t, err)
	require.Len(t, before, 3)
	assert.Equal(t, "ref-of-"+KeptSubject+"a", before[0].Reference)
	for i, r := range []string{"bank-1", "bank-2", "bank-1"} {
		assert.Equal(t, ds.MustAllow(t, KeptSubject, r).ID.String(), before[i].DecisionID, "a keyed entry names its decision")
	}
	head, err := l.Head(ctx)
	require.NoError(t, err)

	n, err := l.Forget(ctx, ForgottenSubject)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "entries made unlinkable")

	got, err := l.Subject(ctx, ForgottenSubject)
	require.NoError(t, err)
	assert.Empty(t, got)
	after, err := l.Subject(ctx, KeptSubject)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the other subject was touched")
	require.NoError(t, l.Verify(ctx, head), "the chain verifies after a Forget")
	require.NoError(t, ledger.New(s).Verify(ctx, head), "and without the key")
	n, err = l.Forget(ctx, ForgottenSubject)
	require.NoError(t, err, "Forget is idempotent")
	assert.Zero(t, n)
	// From a decision to its entries, after the Forget too: each
	// subject's entry is found, neither subject in clear.
	for _, subject := range []string{ForgottenSubject, KeptSubject} {
		byID, err := l.ByDecision(ctx, ds.MustAllow(t, subject, "bank-2").ID)
		require.NoError(t, err)
		require.Len(t, byID, 1, "the entry recorded from the decision")
		assert.NotContains(t, []string{ForgottenSubject, KeptSubject}, byID[0].Subject, "ByDecision returns entries as stored")
	}

	lookup := keyring.Lookup(pepper, ForgottenSubject)
	scan(t, [][]byte{
		[]byte(ForgottenSubject), []byte("ref-of-" + ForgottenSubject),
		lookup, []byte(hex.EncodeToString(lookup)),
		[]byte(base64.StdEncoding.EncodeToString(lookup)), []byte(base64.RawURLEncoding.EncodeToString(lookup)),
	})
}
