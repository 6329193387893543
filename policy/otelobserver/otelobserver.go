package otelobserver

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/policy"
)

// ScopeName is the instrumentation scope of the meter and tracer.
const ScopeName = "github.com/yasam/privacy/policy"

// ErrInvalidConfig is wrapped by the errors of [New].
var ErrInvalidConfig = errors.New("otelobserver: invalid configuration")

// Option configures [New].
type Option func(*config)

type config struct {
	mp metric.MeterProvider
	tp trace.TracerProvider
}

// WithMeterProvider sets where metrics go; the default is the global
// provider (otel.GetMeterProvider).
func WithMeterProvider(mp metric.MeterProvider) Option { return func(c *config) { c.mp = mp } }

// WithTracerProvider sets where spans go; the default is the global
// provider (otel.GetTracerProvider).
func WithTracerProvider(tp trace.TracerProvider) Option { return func(c *config) { c.tp = tp } }

// Observer is a [policy.Observer] that records metrics and spans. Build
// one with [New] and give it to [policy.WithObserver].
type Observer struct {
	tracer    trace.Tracer
	decisions metric.Int64Counter
	reasons   metric.Int64Counter
	duration  metric.Float64Histogram
	cache     metric.Int64Counter
	storeErrs metric.Int64Counter

	// Attribute sets by their values, built once: a set costs
	// allocations, and the values are few (outcomes × purposes × kinds,
	// outcomes × reason codes).
	decisionSets sync.Map // decisionLabels → metric.MeasurementOption
	reasonSets   sync.Map // reasonLabels → metric.MeasurementOption
	durationSets [3][2]metric.MeasurementOption
	cacheSets    [2]metric.MeasurementOption
}

type decisionLabels struct{ outcome, purpose, kind string }

type reasonLabels struct{ outcome, code string }

var _ policy.Observer = (*Observer)(nil)

// New builds an Observer and its instruments.
func New(opts ...Option) (*Observer, error) {
	cfg := config{mp: otel.GetMeterProvider(), tp: otel.GetTracerProvider()}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.mp == nil || cfg.tp == nil {
		return nil, fmt.Errorf("%w: nil meter or tracer provider", ErrInvalidConfig)
	}
	m := cfg.mp.Meter(ScopeName)
	o := &Observer{tracer: cfg.tp.Tracer(ScopeName)}
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error
	o.decisions, err = m.Int64Counter("privacy.decisions", metric.WithUnit("{decision}"),
		metric.WithDescription("Decisions of the privacy policy engine, by outcome, purpose and recipient kind."))
	add(err)
	o.reasons, err = m.Int64Counter("privacy.decision.reasons", metric.WithUnit("{reason}"),
		metric.WithDescription("Reasons the decisions gave, by outcome and reason code."))
	add(err)
	o.duration, err = m.Float64Histogram("privacy.check.duration", metric.WithUnit("s"),
		metric.WithDescription("Time a Check took, by outcome and whether the decision came from the cache."),
		metric.WithExplicitBucketBoundaries(1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 0.1, 1))
	add(err)
	o.cache, err = m.Int64Counter("privacy.check.cache", metric.WithUnit("{check}"),
		metric.WithDescription("Checks by whether the decision cache answered (hit=true) or the policy was evaluated."))
	add(err)
	o.storeErrs, err = m.Int64Counter("privacy.store.errors", metric.WithUnit("{error}"),
		metric.WithDescription("Checks denied because the consent store failed."))
	add(err)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	for i, outcome := range outcomes {
		for j, hit := range []bool{false, true} {
			o.durationSets[i][j] = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", outcome), attribute.Bool("cache_hit", hit)))
		}
	}
	for j, hit := range []bool{false, true} {
		o.cacheSets[j] = metric.WithAttributeSet(attribute.NewSet(attribute.Bool("hit", hit)))
	}
	return o, nil
}

// Outcomes of a Check, the "outcome" attribute.
const (
	OutcomeAllow = "allow"
	OutcomeDeny  = "deny"
	OutcomeError = "error"
)

var outcomes = [3]string{OutcomeAllow, OutcomeDeny, OutcomeError}

// ObserveCheck implements [policy.Observer].
func (o *Observer) ObserveCheck(ctx context.Context, c policy.CheckInfo) {
	d := c.Decision
	oi := 1 // deny
	switch {
	case c.Err != nil:
		oi = 2
	case d.Allowed:
		oi = 0
	}
	outcome := outcomes[oi]
	kind := string(c.RecipientKind)
	if d.Recipient == policy.Operator {
		kind = policy.Operator
	}
	// A failed Check's purpose may be anything the caller sent (an unknown
	// purpose): not a label, so that metrics stay bounded.
	purposeLabel := string(d.Purpose)
	if c.Err != nil {
		purposeLabel = ""
	}
	o.decisions.Add(ctx, 1, o.decisionSet(decisionLabels{outcome, purposeLabel, kind}))
	for _, r := range d.Reasons {
		o.reasons.Add(ctx, 1, o.reasonSet(reasonLabels{outcome, r.Code}))
	}
	hit := 0
	if c.CacheHit {
		hit = 1
	}
	o.duration.Record(ctx, c.Duration.Seconds(), o.durationSets[oi][hit])
	o.cache.Add(ctx, 1, o.cacheSets[hit])
	if c.StoreError {
		o.storeErrs.Add(ctx, 1)
	}

	_, span := o.tracer.Start(ctx, "privacy.Check", trace.WithTimestamp(c.Start), trace.WithSpanKind(trace.SpanKindInternal))
	if !span.IsRecording() {
		span.End() // not sampled: no attributes to build
		return
	}
	recipient, p := clip.String(d.Recipient, maxAttr), clip.String(string(d.Purpose), maxAttr)
	switch {
	case c.Redacted && c.RecipientKind == "":
		recipient = "[unregistered]" // not the engine's: whatever the caller sent
	case c.Redacted:
		recipient = "[individual]"
	}
	if c.PurposeUnknown {
		p = "[unknown]"
	}
	reasonCodes := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		reasonCodes[i] = r.Code
	}
	span.SetAttributes(
		attribute.String("privacy.decision_id", d.ID.String()),
		attribute.String("privacy.purpose", p),
		attribute.String("privacy.recipient", recipient),
		attribute.String("privacy.recipient_kind", kind),
		attribute.String("privacy.outcome", outcome),
		attribute.StringSlice("privacy.reasons", reasonCodes),
		attribute.String("privacy.policy_version", d.PolicyVersion),
		attribute.Bool("privacy.cache_hit", c.CacheHit),
	)
	if c.BundleRevision != "" {
		span.SetAttributes(attribute.String("privacy.bundle_revision", c.BundleRevision))
	}
	if c.Err != nil {
		// The reason code only: the error's text may hold a store's words.
		code, _ := policy.FailureReason(c.Err)
		span.SetStatus(codes.Error, string(code))
	}
	span.End(trace.WithTimestamp(c.Start.Add(c.Duration)))
}

func (o *Observer) decisionSet(l decisionLabels) metric.MeasurementOption {
	if v, ok := o.decisionSets.Load(l); ok {
		return v.(metric.MeasurementOption)
	}
	opt := metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", l.outcome),
		attribute.String("purpose", l.purpose), attribute.String("recipient_kind", l.kind)))
	o.decisionSets.Store(l, opt)
	return opt
}

func (o *Observer) reasonSet(l reasonLabels) metric.MeasurementOption {
	if v, ok := o.reasonSets.Load(l); ok {
		return v.(metric.MeasurementOption)
	}
	opt := metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", l.outcome), attribute.String("code", l.code)))
	o.reasonSets.Store(l, opt)
	return opt
}

// maxAttr bounds a caller's string in a span attribute, in bytes.
const maxAttr = 64
