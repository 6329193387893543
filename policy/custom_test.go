package policy_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

func fstestMap(name, src string) fstest.MapFS {
	return fstest.MapFS{name: &fstest.MapFile{Data: []byte(src)}}
}

// An operator replaces the rules with its own: here, one that forbids every
// disclosure and cites its own clause.
func TestCustomRego(t *testing.T) {
	const src = `package privacy

default decision := {"allow": false, "reasons": [{"code": "no_sharing", "clause": "12.1"}], "obligations": []}

decision := {"allow": true, "reasons": [{"code": "own_processing", "clause": "12.0"}], "obligations": []} if {
	input.recipient.kind == "operator"
	input.acceptance in {"current", "outdated"}
}
`
	store := consent.NewMemoryStore()
	e, err := policy.New(
		policy.WithConsentStore(store),
		policy.WithRecipients(testRecipients...),
		policy.WithRego(fstestMap("own.rego", src)),
		policy.WithMessages(map[string]purpose.Text{"no_sharing": {RU: "Передача запрещена", EN: "No sharing"}}),
		policy.WithVersion(policy.Version{ID: "acme-7"}),
	)
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u", "acme-7", t0)))

	d, err := e.Check(ctx, "u", purpose.Support, policy.Operator)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.Equal(t, "acme-7", d.PolicyVersion)

	d, err = e.Check(ctx, "u", purpose.Support, "kgd")
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	require.Len(t, d.Reasons, 1)
	assert.Equal(t, "12.1", d.Reasons[0].Clause)
	assert.Equal(t, "No sharing", d.Reasons[0].Message.In("en"))
	assert.Equal(t, "Передача запрещена", d.Reasons[0].Message.In("kk"), "missing Kazakh falls back to Russian")
}

// Host Rego runs sandboxed: non-deterministic builtins are not there unless
// the host asks for them.
func TestCustomRegoSandboxed(t *testing.T) {
	const src = `package privacy

decision := {"allow": time.now_ns() > 0, "reasons": [{"code": "clock", "clause": "1"}], "obligations": []}
`
	_, err := policy.New(policy.WithRego(fstestMap("clock.rego", src)))
	require.Error(t, err)
	assert.ErrorIs(t, err, policy.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "time.now_ns")

	e, err := policy.New(policy.WithRego(fstestMap("clock.rego", src)), policy.WithNondeterministicBuiltins())
	require.NoError(t, err)
	d, err := e.Check(context.Background(), "u", purpose.Support, policy.Operator)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
}

// A custom catalog changes what the engine knows of purposes.
func TestCustomCatalog(t *testing.T) {
	cat, err := purpose.Parse([]byte(`{
		"categories": [{"id": "contact", "title": {"ru": "Контакты"}}],
		"purposes": [{"id": "newsletter", "clause": "3.9", "title": {"ru": "Рассылка"}, "categories": ["contact"], "explicit_consent": true}]
	}`))
	require.NoError(t, err)
	store := consent.NewMemoryStore()
	e, err := policy.New(policy.WithCatalog(cat), policy.WithConsentStore(store))
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0)))

	_, err = e.Check(ctx, "u", purpose.Payments, policy.Operator)
	assert.ErrorIs(t, err, policy.ErrUnknownPurpose)

	d, err := e.Check(ctx, "u", "newsletter", policy.Operator)
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	assert.True(t, d.Has("explicit_consent_required"))

	require.NoError(t, store.Append(ctx, consent.Grant("u", "newsletter", policy.Operator, t0)))
	d, err = e.Check(ctx, "u", "newsletter", policy.Operator)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
}

// The recipient's country reaches the Rego, so an operator can write a
// cross-border rule; decisions are cached per country.
func TestCountryReachesRego(t *testing.T) {
	const src = `package privacy

decision := {"allow": true, "reasons": [{"code": "domestic", "clause": "1"}], "obligations": []} if input.recipient.country == "KZ"

decision := {"allow": false, "reasons": [{"code": "cross_border", "clause": "2"}], "obligations": []} if input.recipient.country != "KZ"
`
	e, err := policy.New(
		policy.WithRego(fstestMap("own.rego", src)),
		policy.WithRecipients(
			disclosure.Recipient{ID: "almaty", Kind: disclosure.Partner},
			disclosure.Recipient{ID: "moscow", Kind: disclosure.Partner, Country: "RU"},
		),
	)
	require.NoError(t, err)
	ctx := context.Background()
	for range 2 { // the second round comes from the cache
		d, err := e.Check(ctx, "u", purpose.Support, "almaty")
		require.NoError(t, err)
		assert.True(t, d.Allowed)
		d, err = e.Check(ctx, "u", purpose.Support, "moscow")
		require.NoError(t, err)
		assert.False(t, d.Allowed)
		assert.True(t, d.Has("cross_border"))
	}
}
