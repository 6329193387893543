package policy_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// recorder is an Observer keeping what it was told.
type recorder struct {
	mu    sync.Mutex
	infos []policy.CheckInfo
}

func (r *recorder) ObserveCheck(_ context.Context, c policy.CheckInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.infos = append(r.infos, c)
}

func (r *recorder) last(t *testing.T) policy.CheckInfo {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.infos)
	return r.infos[len(r.infos)-1]
}

func TestDecisionIDs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	seen := map[policy.DecisionID]bool{}
	for i := range 100 {
		user := "u1"
		if i%2 == 1 {
			user = "" // a denial before any lookup carries an ID too
		}
		d, _ := f.engine.Check(ctx, user, purpose.Payments, "halyk")
		require.False(t, d.ID.IsZero())
		require.False(t, seen[d.ID], "ID repeated")
		seen[d.ID] = true
		require.NoError(t, policy.Verify(d))
		s := d.ID.String()
		require.Len(t, s, 36)
		assert.Equal(t, byte('8'), s[14], "UUID version 8")
		assert.Contains(t, "89ab", string(s[19]), "UUID variant")
		back, err := policy.ParseDecisionID(s)
		require.NoError(t, err)
		require.Equal(t, d.ID, back)
	}
	var zero policy.Engine
	d, err := zero.Check(ctx, "u1", purpose.Payments, "halyk")
	require.Error(t, err)
	require.False(t, d.ID.IsZero())
}

func TestDecisionIDSealed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, _ := f.engine.Check(ctx, "u1", purpose.Payments, "halyk")
	b, _ := f.engine.Check(ctx, "u1", purpose.Payments, "halyk")
	require.NoError(t, policy.Verify(a))
	tests := []struct {
		name string
		edit func(d *policy.Decision)
	}{
		{"ID of another decision", func(d *policy.Decision) { d.ID = b.ID }},
		{"zero ID", func(d *policy.Decision) { d.ID = policy.DecisionID{} }},
		{"one bit flipped", func(d *policy.Decision) { d.ID[15] ^= 1 }},
		{"prefix changed", func(d *policy.Decision) { d.ID[0] ^= 0x80 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := a
			tt.edit(&d)
			require.ErrorIs(t, policy.Verify(d), policy.ErrNotIssued)
		})
	}
}

func TestParseDecisionIDRefuses(t *testing.T) {
	for _, s := range []string{"", "x", "0193f2a4-7b8c-8d9e-af01-23456789abc", "0193f2a4-7b8c-8d9e-af01-23456789abcg", "0193f2a47b8c-8d9e-af01-23456789abcde"} {
		_, err := policy.ParseDecisionID(s)
		require.ErrorIs(t, err, policy.ErrInvalidDecisionID, s)
	}
}

func TestObserver(t *testing.T) {
	rec := &recorder{}
	pseudo, err := policy.HMACPseudonym([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	store := &flakyStore{MemoryStore: consent.NewMemoryStore()}
	f := newFixture(t, policy.WithObserver(rec), policy.WithSubjectPseudonym(pseudo), policy.WithConsentStore(store))
	ctx := context.Background()
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u1", policy.DefaultVersion.ID, t0), consent.Grant("u1", purpose.Payments, "halyk", t0)))

	d, err := f.engine.Check(ctx, "u1", purpose.Payments, "halyk", policy.WithCategories(purpose.Identity))
	require.NoError(t, err)
	require.True(t, d.Allowed)
	first := rec.last(t)
	assert.Equal(t, d.ID, first.Decision.ID)
	assert.False(t, first.CacheHit, "first decision is evaluated")
	assert.Equal(t, disclosure.ThirdParty, first.RecipientKind)
	assert.Equal(t, []purpose.Category{purpose.Identity}, first.Categories)
	assert.Equal(t, pseudo("u1"), first.Subject)
	assert.NotContains(t, first.Subject, "u1")
	assert.Positive(t, first.Duration)

	_, _ = f.engine.Check(ctx, "u1", purpose.Payments, "halyk", policy.WithCategories(purpose.Identity))
	assert.True(t, rec.last(t).CacheHit, "second decision from the cache")

	store.fail = true
	d, err = f.engine.Check(ctx, "u1", purpose.Payments, "halyk")
	require.Error(t, err)
	info := rec.last(t)
	assert.True(t, info.StoreError)
	assert.ErrorIs(t, info.Err, policy.ErrConsentUnavailable)
	assert.Equal(t, d.ID, info.Decision.ID)

	// Reload keeps observers unless new ones are named.
	require.NoError(t, f.engine.Reload(policy.WithRecipients(testRecipients...)))
	n := len(rec.infos)
	_, _ = f.engine.Check(ctx, "u2", purpose.Payments, "halyk")
	assert.Len(t, rec.infos, n+1)
}

func TestObserverWithoutPseudonymSeesNoSubject(t *testing.T) {
	rec := &recorder{}
	f := newFixture(t, policy.WithObserver(rec))
	_, _ = f.engine.Check(context.Background(), "u1", purpose.Payments, "halyk")
	assert.Empty(t, rec.last(t).Subject)
}

func TestObserverPanicDenies(t *testing.T) {
	f := newFixture(t, policy.WithObserver(policy.ObserverFunc(func(context.Context, policy.CheckInfo) { panic("u1's secret") })))
	f.append(t, consent.AcceptPolicy("u1", policy.DefaultVersion.ID, t0))
	d, err := f.engine.Check(context.Background(), "u1", purpose.Payments, policy.Operator)
	require.ErrorIs(t, err, policy.ErrObserver)
	require.False(t, d.Allowed)
	require.NotContains(t, err.Error(), "u1")
	require.NoError(t, policy.Verify(d))
}

func TestObserverMisconfigured(t *testing.T) {
	tests := []struct {
		name string
		opt  policy.Option
	}{
		{"nil observer", policy.WithObserver(nil)},
		{"nil pseudonym", policy.WithSubjectPseudonym(nil)},
		{"nil log handler", policy.WithDecisionLog(nil, policy.DecisionLogOptions{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.New(tt.opt)
			require.ErrorIs(t, err, policy.ErrInvalidConfig)
		})
	}
	_, err := policy.HMACPseudonym([]byte("short"))
	require.ErrorIs(t, err, policy.ErrInvalidConfig)
}

// flakyStore fails on demand, with the user ID in its error text.
type flakyStore struct {
	*consent.MemoryStore
	fail bool
}

func (s *flakyStore) State(ctx context.Context, user string) (consent.State, error) {
	if s.fail {
		return consent.State{}, errors.New("db down while reading " + user)
	}
	return s.MemoryStore.State(ctx, user)
}

var _ = strings.Contains

// TestHMACPseudonymIsTheDocumentedHMAC: the pseudonym is "h1:" and the
// first 16 bytes of HMAC-SHA-256(key, user) in unpadded base64url, for
// every user, from any goroutine, whatever the caller does with its key
// slice afterwards.
func TestHMACPseudonymIsTheDocumentedHMAC(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	want := func(user string) string {
		m := hmac.New(sha256.New, []byte("0123456789abcdef0123456789abcdef"))
		m.Write([]byte(user))
		return "h1:" + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
	}
	pseudo, err := policy.HMACPseudonym(key)
	require.NoError(t, err)
	key[0] = 'X' // the key was copied
	users := []string{"", "u1", "пользователь-7", strings.Repeat("x", 3<<10), "u1"}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				u := users[(w+i)%len(users)]
				if got := pseudo(u); got != want(u) {
					t.Errorf("pseudonym of a %d-byte user = %q, want %q", len(u), got, want(u))
					return
				}
			}
		})
	}
	wg.Wait()
}
