package consent_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/consenttest"
	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/purpose"
)

var testPepper = []byte("pepper-held-by-the-host-0123456789")

func newRing(t *testing.T) *keyring.Memory {
	t.Helper()
	r, err := keyring.NewMemory(testPepper)
	require.NoError(t, err)
	return r
}

func TestKeyedConformance(t *testing.T) {
	t.Parallel()
	consenttest.RunKeyed(t, func(t *testing.T) consent.Store {
		return consent.NewKeyedStore(consent.NewMemoryStore(), newRing(t))
	})
}

func TestKeyedConformanceCachedKeys(t *testing.T) {
	t.Parallel()
	consenttest.RunKeyed(t, func(t *testing.T) consent.Store {
		return consent.NewKeyedStore(consent.NewMemoryStore(), keyring.NewCache(newRing(t), time.Minute, 64))
	})
}

// TestKeyedForgetThroughCache: a Forget through a cached keyring drops
// the cached key too, so the next read finds none.
func TestKeyedForgetThroughCache(t *testing.T) {
	t.Parallel()
	s := consent.NewKeyedStore(consent.NewMemoryStore(), keyring.NewCache(newRing(t), time.Hour, 64))
	consenttest.Forget(t, s, testPepper, func(*testing.T, [][]byte) {})
}

func TestKeyedForget(t *testing.T) {
	t.Parallel()
	inner := consent.NewMemoryStore()
	s := consent.NewKeyedStore(inner, newRing(t))
	ring := newRing(t)
	s = consent.NewKeyedStore(inner, ring)
	consenttest.Forget(t, s, testPepper, func(t *testing.T, secrets [][]byte) {
		// The inner store holds what is on record, every field of every
		// event printed: nothing of it may name the forgotten subject.
		dump := fmt.Appendf(nil, "%#v", inner)
		require.Contains(t, string(dump), "halyk-bank", "the dump shows the events' content")
		consenttest.RequireAbsent(t, "memory store", dump, secrets)
		for _, user := range []string{consenttest.ForgottenSubject, consenttest.KeptSubject} {
			h, err := inner.History(context.Background(), user)
			require.NoError(t, err)
			assert.Empty(t, h, "a row is filed under a subject ID in clear")
		}
		assert.Equal(t, 1, ring.Len(), "only the other subject's key is left")
	})
}

func TestKeyedHold(t *testing.T) {
	t.Parallel()
	pending := errors.New("claim 7 awaits its answer")
	s := consent.NewKeyedStore(consent.NewMemoryStore(), newRing(t), consent.WithHold(func(_ context.Context, subject string) error {
		if subject == "user-held" {
			return pending
		}
		return nil
	}))
	ctx := context.Background()
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	require.NoError(t, s.Append(ctx, consent.Grant("user-held", purpose.Payments, "bank", at)))
	n, err := s.Forget(ctx, "user-held")
	require.ErrorIs(t, err, keyring.ErrRetained)
	require.ErrorIs(t, err, pending)
	assert.NotContains(t, err.Error(), "user-held")
	assert.Zero(t, n)
	st, err := s.State(ctx, "user-held")
	require.NoError(t, err)
	assert.True(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), "a refused erasure erased something")
}

func BenchmarkKeyed(b *testing.B) {
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		s    consent.Store
	}{
		{"plain", consent.NewMemoryStore()},
		{"keyed", consent.NewKeyedStore(consent.NewMemoryStore(), func() keyring.Keyring { r, _ := keyring.NewMemory(testPepper); return r }())},
	} {
		ctx := context.Background()
		b.Run(tc.name+"/State", func(b *testing.B) {
			for i := range 8 {
				require.NoError(b, tc.s.Append(ctx, consent.Grant("user-b", purpose.Payments, "bank", at.Add(time.Duration(i)*time.Minute), consent.WithEvidence("doc-1"))))
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.s.State(ctx, "user-b"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/Append", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := tc.s.Append(ctx, consent.Grant("user-a", purpose.Payments, "bank", at.Add(time.Duration(i)*time.Microsecond), consent.WithEvidence("doc-1"))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestKeyedAppendRacingForget races an Append with a Forget of the same
// subject, round after round, over a keyring behind a cache as a service
// runs it. Whichever wins, the outcome is one of the two orders: the
// append came first and is erased with the rest (an empty state), or it
// came after and is all that is left. The grant acknowledged before the
// race is never readable again, nothing errs, and no state mixes the two.
func TestKeyedAppendRacingForget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := consent.NewKeyedStore(consent.NewMemoryStore(), keyring.NewCache(newRing(t), time.Hour, 64))
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	var erased, after int
	for round := range 300 {
		user := fmt.Sprintf("user-%d", round%7)
		at = at.Add(time.Minute)
		require.NoError(t, s.Append(ctx, consent.Grant(user, purpose.Payments, "bank", at)))
		withdraw := consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Second))
		start := make(chan struct{})
		errs := make(chan error, 2)
		go func() { <-start; errs <- s.Append(ctx, withdraw) }()
		go func() { <-start; _, err := s.Forget(ctx, user); errs <- err }()
		close(start)
		require.NoError(t, <-errs)
		require.NoError(t, <-errs)

		st, err := s.State(ctx, user)
		require.NoError(t, err)
		h, err := s.History(ctx, user)
		require.NoError(t, err)
		switch len(h) {
		case 0: // the append came first: erased with the grant
			erased++
			assert.Zero(t, st.Events(), "round %d: an erased log left a state", round)
		case 1: // the append came after the erasure
			after++
			assert.Equal(t, withdraw.ID, h[0].ID, "round %d", round)
			assert.Equal(t, 1, st.Events(), "round %d", round)
		default:
			t.Fatalf("round %d: %d events readable after the erasure; the grant acknowledged before it survived", round, len(h))
		}
		g, ok := st.Grant(purpose.Payments, "bank")
		assert.False(t, ok && g.Granted, "round %d: the erased grant still allows", round)
		// Leave the subject empty for its next round.
		_, err = s.Forget(ctx, user)
		require.NoError(t, err)
	}
	t.Logf("append erased with the log in %d rounds, recorded after the erasure in %d", erased, after)
}
