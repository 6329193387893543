package subject_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/subject"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/requests"
)

// TestForgetAcrossKeyedStores erases one subject from the consent log and
// the ledger (crypto-shredding, one keyring for both), the claims and the
// requests registers: nothing of the subject is left to read, the other
// subject is untouched, and the ledger still verifies. A legal hold on the
// consent log refuses its part until it lapses.
func TestForgetAcrossKeyedStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem, err := keyring.NewMemory([]byte("the-host-keeps-this-pepper-0123456789"))
	require.NoError(t, err)
	ring := keyring.NewCache(mem, time.Hour, 64) // one cache for both stores
	var held error = errors.New("a court asked the records kept")
	hold := func(context.Context, string) error { return held }
	log := consent.NewKeyedStore(consent.NewMemoryStore(), ring, consent.WithHold(hold))
	// The key is shared, so is the hold: one store's Forget would erase
	// the subject from both.
	led := ledger.New(ledger.NewMemoryStore(), ledger.WithKeyring(ring), ledger.WithHold(hold))
	cl := claims.New(claims.NewMemoryStore(), claims.WithLocation(almaty))
	rq := requests.New(requests.NewMemoryStore())
	ds := ledgertest.MustDecider(t, "bank-1")
	for _, user := range []string{"user-42", "someone-else"} {
		require.NoError(t, log.Append(ctx,
			consent.AcceptPolicy(user, "2025-02-01", at(2, 3, 9), consent.WithEvidence("doc-"+user)),
			consent.Grant(user, purpose.Payments, "bank-1", at(2, 3, 10))))
		_, err := led.Record(ctx, user, ds.MustAllow(t, user, "bank-1"), ledger.WithCategories(purpose.PaymentDetails),
			ledger.WithRecipientKind(disclosure.ThirdParty))
		require.NoError(t, err)
		c, err := cl.File(ctx, user, at(3, 3, 10))
		require.NoError(t, err)
		require.NoError(t, cl.Answer(ctx, c.ID, at(3, 7, 10), "edo://out/1"))
		r, err := rq.File(ctx, user, requests.KindAccess, at(3, 20, 17))
		require.NoError(t, err)
		require.NoError(t, rq.Answer(ctx, r.ID, at(3, 27, 12), "edo://out/2"))
	}
	regs := map[string]subject.Register{"consent": log, "ledger": led, "claims": cl, "requests": rq}
	order := []string{"ledger", "consent", "claims", "requests"}

	e, err := subject.Forget(ctx, "user-42", regs, order...)
	require.ErrorIs(t, err, subject.ErrRetained, "the hold")
	assert.ErrorIs(t, err, keyring.ErrRetained)
	assert.NotContains(t, err.Error(), "user-42")
	require.Len(t, e.Retained, 2)
	assert.Equal(t, "ledger", e.Retained[0].Register)
	assert.Equal(t, "consent", e.Retained[1].Register)
	assert.Equal(t, map[string]int{"claims": 1, "requests": 1}, e.Erased)
	h, err := log.History(ctx, "user-42")
	require.NoError(t, err)
	assert.Len(t, h, 2, "a held log was erased")

	held = nil // the hold lapsed
	e, err = subject.Forget(ctx, "user-42", regs, order...)
	require.NoError(t, err)
	assert.True(t, e.Done())
	assert.Equal(t, map[string]int{"ledger": 1, "consent": 0, "claims": 0, "requests": 0}, e.Erased,
		"the ledger shredded the shared key; the log found none left")

	h, err = log.History(ctx, "user-42")
	require.NoError(t, err)
	assert.Empty(t, h)
	st, err := log.State(ctx, "user-42")
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank-1", at(4, 1, 0)), "a forgotten subject's grant still allows")
	got, err := led.Subject(ctx, "user-42")
	require.NoError(t, err)
	assert.Empty(t, got)
	require.NoError(t, led.Verify(ctx))

	h, err = log.History(ctx, "someone-else")
	require.NoError(t, err)
	assert.Len(t, h, 2)
	assert.Equal(t, "doc-someone-else", h[0].Evidence)
	got, err = led.Subject(ctx, "someone-else")
	require.NoError(t, err)
	assert.Len(t, got, 1)
	other, err := cl.BySubject(ctx, "someone-else")
	require.NoError(t, err)
	assert.Len(t, other, 1)
}

// TestForgetWithLedgerEntriesInClear: a ledger given its keyring after it
// recorded the subject's disclosures cannot erase those, which name the
// subject in clear. Forget still erases every other register and says the
// ledger kept them; the subject is not reported erased.
func TestForgetWithLedgerEntriesInClear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem, err := keyring.NewMemory([]byte("the-host-keeps-this-pepper-0123456789"))
	require.NoError(t, err)
	store := ledger.NewMemoryStore()
	ds := ledgertest.MustDecider(t, "bank-1")
	_, err = ledger.New(store).Record(ctx, "user-42", ds.MustAllow(t, "user-42", "bank-1"),
		ledger.WithCategories(purpose.PaymentDetails), ledger.WithRecipientKind(disclosure.ThirdParty))
	require.NoError(t, err)
	led := ledger.New(store, ledger.WithKeyring(mem))
	cl := claims.New(claims.NewMemoryStore(), claims.WithLocation(almaty))
	c, err := cl.File(ctx, "user-42", at(3, 3, 10))
	require.NoError(t, err)
	require.NoError(t, cl.Answer(ctx, c.ID, at(3, 7, 10), "edo://out/1"))

	e, err := subject.Forget(ctx, "user-42", map[string]subject.Register{"ledger": led, "claims": cl}, "ledger")
	require.ErrorIs(t, err, subject.ErrRetained)
	require.ErrorIs(t, err, ledger.ErrInClear)
	assert.NotContains(t, err.Error(), "user-42")
	assert.False(t, e.Done())
	assert.Equal(t, map[string]int{"claims": 1}, e.Erased, "the other registers still erase")
	require.Len(t, e.Retained, 1)
	assert.Equal(t, "ledger", e.Retained[0].Register)
}
