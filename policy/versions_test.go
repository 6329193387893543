package policy_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

func TestPriorVersions(t *testing.T) {
	v1 := policy.Version{ID: "2023-ru-1"}
	v2 := policy.Version{ID: "2025-ru-2"}
	tests := []struct {
		name     string
		opts     []policy.Option
		accepted string
		allowed  bool
		reason   string
		obliges  bool
	}{
		{"lenient: any other version is an earlier one", nil, "typo", true, "operator_processing", true},
		{"strict: a listed earlier version stands (9.2, 9.5)", []policy.Option{policy.WithPriorVersions(v1)}, v1.ID, true, "operator_processing", true},
		{"strict: the version in force", []policy.Option{policy.WithPriorVersions(v1)}, v2.ID, true, "operator_processing", false},
		{"strict: an unknown version is no acceptance (2.1)", []policy.Option{policy.WithPriorVersions(v1)}, "typo", false, "acceptance_missing", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := consent.NewMemoryStore()
			ctx := context.Background()
			require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u", tt.accepted, t0)))
			e, err := policy.New(append([]policy.Option{policy.WithConsentStore(store), policy.WithVersion(v2)}, tt.opts...)...)
			require.NoError(t, err)
			d, err := e.Check(ctx, "u", purpose.Support, policy.Operator)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, d.Allowed)
			assert.True(t, d.Has(policy.Code(tt.reason)), d.Explain("en"))
			assert.Equal(t, tt.obliges, d.Obliges("show_current_version"))
		})
	}
	_, err := policy.New(policy.WithVersion(v2), policy.WithPriorVersions(v2))
	assert.ErrorIs(t, err, policy.ErrInvalidConfig, "the version in force is not a prior one")
}

// Decisions share their slices with the cache: a caller that appends to
// one must not change what the next Check returns.
func TestCachedDecisionsAreNotAliased(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	d, err := f.engine.Check(ctx, "u", purpose.Verification, "kgd")
	require.NoError(t, err)
	want := obligationCodes(d)
	_ = append(d.Obligations, policy.Obligation{Code: "host_added"})
	_ = append(d.Reasons, policy.Reason{Code: "host_added"})
	again, err := f.engine.Check(ctx, "u", purpose.Verification, "kgd")
	require.NoError(t, err)
	assert.Equal(t, want, obligationCodes(again))
	assert.Equal(t, len(again.Reasons), cap(again.Reasons))
	assert.Equal(t, len(again.Obligations), cap(again.Obligations))
}

// movingClock is a clock a test moves forward; safe for concurrent use.
type movingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *movingClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// TestVersionTimeline: the version in force at an instant is the latest
// published at or before it (9.1, 9.2); one scheduled for later takes force
// by itself at its time, by the engine's clock, with no Reload.
func TestVersionTimeline(t *testing.T) {
	ctx := context.Background()
	v1 := policy.Version{ID: "2023-ru-1", Published: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}
	v2 := policy.Version{ID: "2026-ru-2", Published: t0.Add(24 * time.Hour)}
	clock := &movingClock{now: t0}
	store := consent.NewMemoryStore()
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u", v1.ID, t0.Add(-time.Hour))))
	e, err := policy.New(policy.WithConsentStore(store), policy.WithVersion(v2), policy.WithPriorVersions(v1), policy.WithClock(clock.Now))
	require.NoError(t, err)

	tests := []struct {
		name    string
		at      time.Time
		version string
		obliges bool // show_current_version (9.5)
	}{
		{"before v2's publication v1 is in force", t0, v1.ID, false},
		{"a second before", v2.Published.Add(-time.Second), v1.ID, false},
		{"at the instant of publication v2 takes force by itself", v2.Published, v2.ID, true},
		{"after it", v2.Published.Add(time.Hour), v2.ID, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Set(tt.at)
			d, err := e.Check(ctx, "u", purpose.Support, policy.Operator)
			require.NoError(t, err)
			assert.True(t, d.Allowed)
			assert.Equal(t, tt.version, d.PolicyVersion)
			assert.Equal(t, tt.obliges, d.Obliges("show_current_version"), d.Explain("en"))
			assert.Equal(t, tt.version, e.Version().ID)
			got, ok := e.VersionAt(tt.at)
			require.True(t, ok)
			assert.Equal(t, tt.version, got.ID)
			require.NoError(t, policy.Verify(d))
		})
	}
	// Once the latest version is in force the engine stops reading its
	// clock for versions (one comparison per Check); VersionAt still
	// answers for any instant.
	got, ok := e.VersionAt(t0)
	require.True(t, ok)
	assert.Equal(t, v1.ID, got.ID)
	_, ok = e.VersionAt(v1.Published.Add(-time.Nanosecond))
	assert.False(t, ok, "nothing is in force before the first publication")
	assert.Equal(t, []policy.Version{v1, v2}, e.Versions())
}

// A version scheduled for later with nothing in force before it: Check
// denies until its publication.
func TestNoVersionInForce(t *testing.T) {
	ctx := context.Background()
	clock := &movingClock{now: t0}
	v := policy.Version{ID: "2026-ru-9", Published: t0.Add(time.Hour)}
	store := consent.NewMemoryStore()
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u", v.ID, t0)))
	e, err := policy.New(policy.WithConsentStore(store), policy.WithVersion(v), policy.WithClock(clock.Now))
	require.NoError(t, err)
	d, err := e.Check(ctx, "u", purpose.Support, policy.Operator)
	assert.ErrorIs(t, err, policy.ErrInvalidConfig)
	assert.False(t, d.Allowed)
	assert.True(t, d.Has("no_version_in_force"))
	clock.Set(v.Published)
	d, err = e.Check(ctx, "u", purpose.Support, policy.Operator)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.Equal(t, v.ID, d.PolicyVersion)
}

// With a version list given, acceptance of a version not on it counts as
// none (2.1), and duplicate IDs are refused.
func TestVersionListStrict(t *testing.T) {
	_, err := policy.New(policy.WithVersion(policy.Version{ID: "a"}), policy.WithPriorVersions(policy.Version{ID: "b"}, policy.Version{ID: "b"}))
	assert.ErrorIs(t, err, policy.ErrInvalidConfig)
	_, err = policy.New(policy.WithVersion(policy.Version{ID: ""}))
	assert.ErrorIs(t, err, policy.ErrInvalidConfig)
}

// 9.5: comparing two policies reports what widens processing, so that a
// host knows whom to notify of a new version.
func TestWidenings(t *testing.T) {
	before, err := policy.New(policy.WithRecipients(testRecipients...))
	require.NoError(t, err)
	ps := purpose.Default().Purposes()
	for i := range ps {
		if ps[i].ID == purpose.Feedback {
			ps[i].Categories = append(ps[i].Categories, purpose.GeoLocation)
		}
	}
	ps = append(ps, purpose.Purpose{ID: "marketing", Clause: "3.2", Title: purpose.Text{RU: "Маркетинг"}})
	cat, err := purpose.NewCatalog(purpose.Default().Categories(), ps)
	require.NoError(t, err)
	after, err := policy.New(policy.WithCatalog(cat),
		policy.WithRecipients(append(testRecipients, disclosure.Recipient{ID: "de-bank", Kind: disclosure.ThirdParty, Country: "DE"})...))
	require.NoError(t, err)
	got := policy.Widenings(before, after)
	want := []policy.Change{
		{Kind: policy.NewCategory, Purpose: purpose.Feedback, Category: purpose.GeoLocation},
		{Kind: policy.NewPurpose, Purpose: "marketing"},
		{Kind: policy.NewRecipient, Recipient: "de-bank"},
		{Kind: policy.NewCountry, Recipient: "de-bank"},
	}
	assert.Equal(t, want, got)
	assert.Empty(t, policy.Widenings(after, before), "narrowing is not reported")
	assert.Empty(t, policy.Widenings(before, before))

	rules, err := policy.New(policy.WithRecipients(testRecipients...), policy.WithRego(fstestMap("own.rego", "package privacy\n\ndecision := {\"allow\": false, \"reasons\": [], \"obligations\": []}\n")))
	require.NoError(t, err)
	assert.Equal(t, []policy.Change{{Kind: policy.RulesChanged}}, policy.Widenings(before, rules))
	noLaw, err := policy.New(policy.WithRecipients(testRecipients...), policy.WithoutLaw())
	require.NoError(t, err)
	assert.Equal(t, []policy.Change{{Kind: policy.LawLayerChanged}}, policy.Widenings(before, noLaw))
}
