package otelobserver_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/otelobserver"
	"github.com/yasam/privacy/purpose"
)

var t0 = time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)

type failingStore struct{ *consent.MemoryStore }

func (failingStore) State(context.Context, string) (consent.State, error) {
	return consent.State{}, errors.New("db down for user-42")
}

type harness struct {
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	obs    *otelobserver.Observer
}

func newHarness(t *testing.T) harness {
	t.Helper()
	h := harness{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(h.spans))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()); _ = tp.Shutdown(context.Background()) })
	var err error
	h.obs, err = otelobserver.New(otelobserver.WithMeterProvider(mp), otelobserver.WithTracerProvider(tp))
	require.NoError(t, err)
	return h
}

// sums collects each counter's data points as "name{k=v,...}" → value.
func (h harness) sums(t *testing.T) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, h.reader.Collect(context.Background(), &rm))
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		assert.Equal(t, otelobserver.ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range data.DataPoints {
					out[m.Name+key(dp.Attributes)] += dp.Value
				}
			case metricdata.Histogram[float64]:
				for _, dp := range data.DataPoints {
					out[m.Name+key(dp.Attributes)] += int64(dp.Count)
				}
			}
		}
	}
	return out
}

func key(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.Emit())
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestObserverRecords(t *testing.T) {
	h := newHarness(t)
	store := consent.NewMemoryStore()
	ctx := context.Background()
	require.NoError(t, store.Append(ctx,
		consent.AcceptPolicy("user-42", policy.DefaultVersion.ID, t0),
		consent.Grant("user-42", purpose.Payments, "halyk", t0)))
	engine, err := policy.New(policy.WithConsentStore(store), policy.WithObserver(h.obs),
		policy.WithRecipients(
			disclosure.Recipient{ID: "halyk", Kind: disclosure.ThirdParty},
			disclosure.Recipient{ID: "notary-ivanov", Kind: disclosure.Individual}),
		policy.WithClock(func() time.Time { return t0.Add(time.Hour) }))
	require.NoError(t, err)

	var ids []string
	for range 3 {
		d, err := engine.Check(ctx, "user-42", purpose.Payments, "halyk")
		require.NoError(t, err)
		require.True(t, d.Allowed)
		ids = append(ids, d.ID.String())
	}
	d, err := engine.Check(ctx, "user-42", purpose.Payments, "notary-ivanov")
	require.NoError(t, err)
	require.False(t, d.Allowed)

	failing, err := policy.New(policy.WithConsentStore(failingStore{consent.NewMemoryStore()}), policy.WithObserver(h.obs),
		policy.WithRecipients(disclosure.Recipient{ID: "halyk", Kind: disclosure.ThirdParty}))
	require.NoError(t, err)
	_, err = failing.Check(ctx, "user-42", purpose.Payments, "halyk")
	require.ErrorIs(t, err, policy.ErrConsentUnavailable)

	got := h.sums(t)
	want := map[string]int64{
		"privacy.decisions{outcome=allow,purpose=payments,recipient_kind=third_party}": 3,
		"privacy.decisions{outcome=deny,purpose=payments,recipient_kind=individual}":   1,
		"privacy.decisions{outcome=error,purpose=,recipient_kind=third_party}":         1,
		"privacy.decision.reasons{code=consent_granted,outcome=allow}":                 3,
		"privacy.decision.reasons{code=consent_unavailable,outcome=error}":             1,
		"privacy.check.cache{hit=false}":                                               3, // first allow, first deny, the failure
		"privacy.check.cache{hit=true}":                                                2,
		"privacy.check.duration{cache_hit=false,outcome=allow}":                        1,
		"privacy.check.duration{cache_hit=true,outcome=allow}":                         2,
		"privacy.check.duration{cache_hit=false,outcome=deny}":                         1,
		"privacy.check.duration{cache_hit=false,outcome=error}":                        1,
		"privacy.store.errors{}":                                                       1,
	}
	for k, v := range want {
		assert.Equal(t, v, got[k], k)
	}
	for k := range got {
		assert.NotContains(t, k, "user-42")
	}

	spans := h.spans.Ended()
	require.Len(t, spans, 5)
	for i, s := range spans {
		assert.Equal(t, "privacy.Check", s.Name())
		attrs := map[attribute.Key]attribute.Value{}
		for _, kv := range s.Attributes() {
			attrs[kv.Key] = kv.Value
			assert.NotContains(t, kv.Value.Emit(), "user-42")
			assert.NotContains(t, kv.Value.Emit(), "ivanov", "an individual's ID is withheld")
		}
		assert.False(t, s.EndTime().Before(s.StartTime()))
		if i < 3 {
			assert.Equal(t, ids[i], attrs["privacy.decision_id"].AsString())
			assert.Equal(t, "allow", attrs["privacy.outcome"].AsString())
			assert.Equal(t, policy.DefaultVersion.ID, attrs["privacy.policy_version"].AsString())
			assert.Contains(t, attrs["privacy.reasons"].AsStringSlice(), "consent_granted")
		}
	}
	assert.Equal(t, codes.Error, spans[4].Status().Code)
	assert.Equal(t, "consent_unavailable", spans[4].Status().Description)
	assert.NotContains(t, spans[4].Status().Description, "db down")
}

// TestCallerStringsBounded: a failed Check's purpose (anything the caller
// sent) is not a metric label, and long strings are clipped in spans.
func TestCallerStringsBounded(t *testing.T) {
	h := newHarness(t)
	engine, err := policy.New(policy.WithObserver(h.obs))
	require.NoError(t, err)
	huge := strings.Repeat("я", 1<<19) // 1 MiB
	_, err = engine.Check(context.Background(), "u", purpose.ID(huge), huge)
	require.ErrorIs(t, err, policy.ErrUnknownPurpose)
	for k := range h.sums(t) {
		assert.Less(t, len(k), 200, "a label holds the caller's string")
	}
	spans := h.spans.Ended()
	require.Len(t, spans, 1)
	for _, kv := range spans[0].Attributes() {
		assert.LessOrEqual(t, len(kv.Value.Emit()), 200, kv.Key)
	}
}

func TestNewRefusesNilProviders(t *testing.T) {
	_, err := otelobserver.New(otelobserver.WithMeterProvider(nil))
	require.ErrorIs(t, err, otelobserver.ErrInvalidConfig)
	_, err = otelobserver.New(otelobserver.WithTracerProvider(nil))
	require.ErrorIs(t, err, otelobserver.ErrInvalidConfig)
}

// TestPolicyDoesNotImportOpenTelemetry keeps OpenTelemetry out of the core
// package's dependencies: only this adapter imports it.
func TestPolicyDoesNotImportOpenTelemetry(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/yasam/privacy/policy").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "github.com/yasam/privacy/consent", "go list gave the dependencies")
	for line := range strings.Lines(string(out)) {
		assert.False(t, strings.HasPrefix(line, "go.opentelemetry.io/"), "policy depends on %s", strings.TrimSpace(line))
	}
}

// BenchmarkCheckObserved is a warm Check observed by the SDK (no
// exporter): metrics only (spans to a no-op provider), and metrics with
// every span sampled and recorded.
func BenchmarkCheckObserved(b *testing.B) {
	store := consent.NewMemoryStore()
	ctx := context.Background()
	require.NoError(b, store.Append(ctx,
		consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0), consent.Grant("u", purpose.Payments, "halyk", t0)))
	cases := []struct {
		name string
		tp   trace.TracerProvider
	}{
		{"metrics", noop.NewTracerProvider()},
		{"metrics+spans", sdktrace.NewTracerProvider()},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			obs, err := otelobserver.New(otelobserver.WithMeterProvider(mp), otelobserver.WithTracerProvider(c.tp))
			require.NoError(b, err)
			engine, err := policy.New(policy.WithConsentStore(store), policy.WithObserver(obs),
				policy.WithRecipients(disclosure.Recipient{ID: "halyk", Kind: disclosure.ThirdParty}))
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				if d, err := engine.Check(ctx, "u", purpose.Payments, "halyk"); err != nil || !d.Allowed {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestUnknownRequestValuesNotInSpan: a recipient the engine does not know
// (as httpguard's Options.Recipient reads it from a request path) may be
// a person's name and IIN, and so may a purpose outside the catalog: the
// span carries neither, but says what stands in their place.
func TestUnknownRequestValuesNotInSpan(t *testing.T) {
	h := newHarness(t)
	engine, err := policy.New(policy.WithObserver(h.obs),
		policy.WithRecipients(disclosure.Recipient{ID: "notary-ivanov", Kind: disclosure.Individual}))
	require.NoError(t, err)
	const personal = "Ivanov Ivan 880101300123"
	_, err = engine.Check(context.Background(), "user-42", purpose.Payments, personal)
	require.ErrorIs(t, err, policy.ErrUnknownRecipient)
	_, err = engine.Check(context.Background(), "user-42", purpose.ID(personal), policy.Operator)
	require.ErrorIs(t, err, policy.ErrUnknownPurpose)
	_, err = engine.Check(context.Background(), "", purpose.ID(personal), personal)
	require.ErrorIs(t, err, policy.ErrEmptyUser)
	spans := h.spans.Ended()
	require.Len(t, spans, 3)
	for _, s := range spans {
		for _, kv := range s.Attributes() {
			assert.NotContains(t, kv.Value.Emit(), "880101300123", "span attribute %s holds the request's value", kv.Key)
		}
	}
	attrs := func(i int) map[attribute.Key]string {
		m := map[attribute.Key]string{}
		for _, kv := range spans[i].Attributes() {
			m[kv.Key] = kv.Value.Emit()
		}
		return m
	}
	assert.Equal(t, "[unregistered]", attrs(0)["privacy.recipient"])
	assert.Equal(t, "payments", attrs(0)["privacy.purpose"])
	assert.Equal(t, "[unknown]", attrs(1)["privacy.purpose"])
	assert.Equal(t, "operator", attrs(1)["privacy.recipient"])
}
