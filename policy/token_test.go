package policy_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// stateOnly is a consent store that cannot read at a token: embedding
// the interface hides StateAtLeast.
type stateOnly struct{ consent.Store }

// TestWithAtLeast: a Check given a token reads through the store's
// StateAtLeast; a store without it, or a token it did not issue, denies
// with an error (issue 12, read-your-writes).
func TestWithAtLeast(t *testing.T) {
	ctx := context.Background()
	mem := consent.NewMemoryStore()
	tok, err := mem.AppendToken(ctx,
		consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0),
		consent.Grant("u", purpose.Payments, "halyk", t0),
	)
	require.NoError(t, err)
	other, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "other.db"))
	require.NoError(t, err)
	t.Cleanup(func() { other.Close() })
	otherTok, err := other.AppendToken(ctx, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	require.NoError(t, err)

	tests := []struct {
		name    string
		store   consent.Store
		token   consent.Token
		allowed bool
		errIs   []error
	}{
		{"memory store, its token", mem, tok, true, nil},
		{"memory store, no token", mem, "", true, nil},
		{"memory store, a SQLite store's token", mem, otherTok, false, []error{policy.ErrConsentUnavailable, consent.ErrTokenInvalid}},
		{"memory store, a garbled token", mem, "x", false, []error{policy.ErrConsentUnavailable, consent.ErrTokenInvalid}},
		{"not a TokenStore, a token", stateOnly{mem}, tok, false, []error{policy.ErrConsentUnavailable}},
		{"not a TokenStore, no token", stateOnly{mem}, "", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := policy.New(policy.WithConsentStore(tt.store), policy.WithRecipients(testRecipients...))
			require.NoError(t, err)
			d, err := e.Check(ctx, "u", purpose.Payments, "halyk", policy.WithAtLeast(tt.token))
			assert.Equal(t, tt.allowed, d.Allowed)
			for _, target := range tt.errIs {
				assert.ErrorIs(t, err, target)
			}
			if len(tt.errIs) == 0 {
				assert.NoError(t, err)
			} else {
				assert.True(t, d.Has(policy.CodeConsentUnavailable), "reasons: %v", d.Reasons)
			}
		})
	}
}

// TestWithAtLeastSQLite runs two stores over one file, as two instances
// of a service would. The engine's instance promises (wrongly) to be the
// sole writer, so without a token it may serve a state from its cache that
// misses the other instance's withdrawal; with the withdrawal's token it
// never does.
func TestWithAtLeastSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "consent.db")
	a, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	b, err := sqlitestore.Open(ctx, path, sqlitestore.WithSoleWriter())
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	e, err := policy.New(policy.WithConsentStore(b), policy.WithRecipients(testRecipients...))
	require.NoError(t, err)

	granted, err := a.AppendToken(ctx,
		consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0),
		consent.Grant("u", purpose.Payments, "halyk", t0),
	)
	require.NoError(t, err)
	d, err := e.Check(ctx, "u", purpose.Payments, "halyk", policy.WithAtLeast(granted))
	require.NoError(t, err)
	require.True(t, d.Allowed, "instance b sees instance a's grant at its token")

	withdrawn, err := a.AppendToken(ctx, consent.Withdraw("u", purpose.Payments, "halyk", t0.Add(1)))
	require.NoError(t, err)
	stale, err := e.Check(ctx, "u", purpose.Payments, "halyk")
	require.NoError(t, err)
	t.Logf("without a token, instance b allowed after the withdrawal: %v (its cache may be stale)", stale.Allowed)

	for _, tok := range []consent.Token{withdrawn, granted} {
		// The later token reads the withdrawal; once read, the earlier
		// token (already reached) sees it too.
		d, err = e.Check(ctx, "u", purpose.Payments, "halyk", policy.WithAtLeast(tok))
		require.NoError(t, err)
		assert.False(t, d.Allowed, "a Check at the withdrawal's token never misses it")
		assert.True(t, d.Has(policy.CodeConsentRequired))
	}

	_, err = e.Check(ctx, "u", purpose.Payments, "halyk", policy.WithAtLeast("sqlite.another-file.1"))
	assert.ErrorIs(t, err, consent.ErrTokenInvalid)
	assert.ErrorIs(t, err, policy.ErrConsentUnavailable)
}
