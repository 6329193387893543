package consenttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/purpose"
)

// Forgetter is a store that erases a subject (see consent.KeyedStore).
type Forgetter interface {
	consent.Store
	Forget(ctx context.Context, subject string) (int, error)
}

// The subjects of [Forget].
const (
	ForgottenSubject = "user-forgotten-7b1e"
	KeptSubject      = "user-kept-52c0"
)

// Forget records events for two subjects in s, forgets
// [ForgottenSubject], and requires: the count of events made unlinkable;
// nothing of the forgotten subject from State or History; the other
// subject's history as appended; a second Forget a no-op. Then it calls
// scan with the byte strings that must appear nowhere in the store's
// storage (the subject's ID, its evidence and host-chosen event ID, the
// events' content IDs, and HMAC(pepper, ID) raw, in hex and in base64):
// scan reads the storage directly and calls [RequireAbsent].
func Forget(t *testing.T, s Forgetter, pepper []byte, scan func(t *testing.T, secrets [][]byte)) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	op := consent.WithOperator("Yasam LLP", "123456789012")
	record := func(user string) []consent.Event {
		return []consent.Event{
			consent.AcceptPolicy(user, "2025-01", at, op, consent.WithChannel(consent.ChannelWeb),
				consent.WithData(purpose.Identity), consent.WithEvidence("evidence-of-"+user)),
			consent.Grant(user, purpose.Payments, "halyk-bank", at.Add(time.Minute), op,
				consent.WithID("host-id-of-"+user), consent.WithEvidence("scan-of-"+user)),
			consent.Grant(user, purpose.Support, "contractor-1", at.Add(2*time.Minute)),
			consent.Withdraw(user, purpose.Support, "contractor-1", at.Add(3*time.Minute)),
		}
	}
	gone, kept := record(ForgottenSubject), record(KeptSubject)
	require.NoError(t, s.Append(ctx, gone...))
	require.NoError(t, s.Append(ctx, kept...))
	h, err := s.History(ctx, ForgottenSubject)
	require.NoError(t, err)
	require.Len(t, h, len(gone), "recorded before Forget")

	n, err := s.Forget(ctx, ForgottenSubject)
	require.NoError(t, err)
	assert.Equal(t, len(gone), n, "events made unlinkable")

	h, err = s.History(ctx, ForgottenSubject)
	require.NoError(t, err)
	assert.Empty(t, h)
	st, err := s.State(ctx, ForgottenSubject)
	require.NoError(t, err)
	assert.False(t, st.AcceptedAt(at.Add(time.Hour)))
	assert.False(t, st.Granted(purpose.Payments, "halyk-bank", at.Add(time.Hour)), "a forgotten subject's grant still allows")
	assert.Zero(t, st.Events())

	requireHistory(t, s, KeptSubject, kept)
	st, err = s.State(ctx, KeptSubject)
	require.NoError(t, err)
	assert.True(t, st.Granted(purpose.Payments, "halyk-bank", at.Add(time.Hour)), "the other subject was touched")

	n, err = s.Forget(ctx, ForgottenSubject)
	require.NoError(t, err, "Forget is idempotent")
	assert.Zero(t, n)

	lookup := keyring.Lookup(pepper, ForgottenSubject)
	secrets := [][]byte{
		[]byte(ForgottenSubject), []byte("evidence-of-" + ForgottenSubject),
		[]byte("scan-of-" + ForgottenSubject), []byte("host-id-of-" + ForgottenSubject),
		lookup, []byte(hex.EncodeToString(lookup)),
		[]byte(base64.StdEncoding.EncodeToString(lookup)), []byte(base64.RawURLEncoding.EncodeToString(lookup)),
	}
	for _, e := range gone {
		secrets = append(secrets, []byte(e.ContentID()))
	}
	scan(t, secrets)
}

// RequireAbsent fails t if data contains any of secrets; where names the
// data (a table, a file).
func RequireAbsent(t *testing.T, where string, data []byte, secrets [][]byte) {
	t.Helper()
	for _, s := range secrets {
		if i := bytes.Index(data, s); i >= 0 {
			t.Errorf("%s holds a secret of the forgotten subject (%d bytes) at offset %d", where, len(s), i)
		}
	}
}
