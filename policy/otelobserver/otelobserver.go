package otelobserver

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

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
}

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
	return o, nil
}

// Outcomes of a Check, the "outcome" attribute.
const (
	OutcomeAllow = "allow"
	OutcomeDeny  = "deny"
	OutcomeError = "error"
)

// ObserveCheck implements [policy.Observer].
func (o *Observer) ObserveCheck(ctx context.Context, c policy.CheckInfo) {
	d := c.Decision
	outcome := OutcomeDeny
	switch {
	case c.Err != nil:
		outcome = OutcomeError
	case d.Allowed:
		outcome = OutcomeAllow
	}
	kind := string(c.RecipientKind)
	if d.Recipient == policy.Operator {
		kind = policy.Operator
	}
	outAttr := attribute.String("outcome", outcome)
	o.decisions.Add(ctx, 1, metric.WithAttributes(outAttr,
		attribute.String("purpose", string(d.Purpose)),
		attribute.String("recipient_kind", kind)))
	reasonCodes := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		reasonCodes[i] = r.Code
		o.reasons.Add(ctx, 1, metric.WithAttributes(outAttr, attribute.String("code", r.Code)))
	}
	hit := attribute.Bool("cache_hit", c.CacheHit)
	o.duration.Record(ctx, c.Duration.Seconds(), metric.WithAttributes(outAttr, hit))
	o.cache.Add(ctx, 1, metric.WithAttributes(attribute.Bool("hit", c.CacheHit)))
	if c.StoreError {
		o.storeErrs.Add(ctx, 1)
	}

	recipient := d.Recipient
	if c.Redacted {
		recipient = "[individual]"
	}
	attrs := []attribute.KeyValue{
		attribute.String("privacy.decision_id", d.ID.String()),
		attribute.String("privacy.purpose", string(d.Purpose)),
		attribute.String("privacy.recipient", recipient),
		attribute.String("privacy.recipient_kind", kind),
		attribute.String("privacy.outcome", outcome),
		attribute.StringSlice("privacy.reasons", reasonCodes),
		attribute.String("privacy.policy_version", d.PolicyVersion),
		attribute.Bool("privacy.cache_hit", c.CacheHit),
	}
	if c.BundleRevision != "" {
		attrs = append(attrs, attribute.String("privacy.bundle_revision", c.BundleRevision))
	}
	_, span := o.tracer.Start(ctx, "privacy.Check",
		trace.WithTimestamp(c.Start), trace.WithAttributes(attrs...), trace.WithSpanKind(trace.SpanKindInternal))
	if c.Err != nil {
		// The reason code only: the error's text may hold a store's words.
		code, _ := policy.FailureReason(c.Err)
		span.SetStatus(codes.Error, string(code))
	}
	span.End(trace.WithTimestamp(c.Start.Add(c.Duration)))
}
