package policy

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/purpose"
)

// DecisionLogPath is the "path" of every decision log record: the policy's
// decision document, as OPA's decision logs name the rule queried.
const DecisionLogPath = "privacy/decision"

// DecisionLogOptions tunes [WithDecisionLog].
type DecisionLogOptions struct {
	// AllowSample logs one allow in every AllowSample, counted per engine;
	// 0 and 1 log every allow. Denials and failed Checks are always
	// logged.
	AllowSample uint64
	// Labels are added to every record's "labels" group beside
	// policy_version, e.g. the service's name and instance.
	Labels []slog.Attr
	// Level is the records' level; the default is slog.LevelInfo.
	Level slog.Level
}

// WithDecisionLog writes one slog record per decision to h, with the field
// names of OPA's decision logs:
//
//	msg          "decision"
//	decision_id  the Decision's ID (UUID form)
//	path         "privacy/decision"
//	input        purpose, recipient, recipient_kind, categories (as named), subject
//	result       allowed, reasons (codes), clauses, obligations (codes), categories (judged)
//	error        the failure's reason code ([FailureReason]), only on a failed Check
//	timestamp    when the Check began, RFC 3339 with nanoseconds, UTC
//	labels       policy_version and opts.Labels
//	bundles      revision, when the policy came from a bundle ([WithBundle])
//	metrics      timer_check_ns, cache_hit
//
// The subject is the user's pseudonym by [WithSubjectPseudonym] (a keyed
// HMAC such as [HMACPseudonym], its key kept apart from the logs), and
// absent without one: the user ID is never logged. A recipient of kind
// individual is logged as "[individual]" unless [WithVerboseErrors].
// Every denial is logged; allows are sampled by opts.AllowSample. An
// error of h is dropped: the decision stands (use a handler that blocks
// or buffers if every record must be kept). Without this option Check pays
// nothing for it.
func WithDecisionLog(h slog.Handler, opts DecisionLogOptions) Option {
	return func(c *config) {
		c.telemetry.logs = append(c.telemetry.logs, &decisionLog{h: h, opts: opts})
	}
}

// decisionLog is the [Observer] behind [WithDecisionLog].
type decisionLog struct {
	h      slog.Handler
	opts   DecisionLogOptions
	allows atomic.Uint64
}

func (l *decisionLog) validate() error {
	if l.h == nil {
		return fmt.Errorf("%w: nil decision log handler", ErrInvalidConfig)
	}
	return nil
}

// ObserveCheck writes the record of one decision.
func (l *decisionLog) ObserveCheck(ctx context.Context, c CheckInfo) {
	d := c.Decision
	if d.Allowed && c.Err == nil && l.opts.AllowSample > 1 && (l.allows.Add(1)-1)%l.opts.AllowSample != 0 {
		return
	}
	level := l.opts.Level
	if !l.h.Enabled(ctx, level) {
		return
	}
	recipient, p := clip.String(d.Recipient, maxQuote), clip.String(string(d.Purpose), maxQuote)
	if c.Redacted {
		recipient = redactedRecipient(c.RecipientKind == "")
	}
	if c.PurposeUnknown {
		p = unknownPurpose
	}
	in := []slog.Attr{
		slog.String("purpose", p),
		slog.String("recipient", recipient),
	}
	if c.RecipientKind != "" {
		in = append(in, slog.String("recipient_kind", string(c.RecipientKind)))
	}
	if len(c.Categories) > 0 {
		in = append(in, slog.Any("categories", clipCategories(c.Categories)))
	}
	if c.Subject != "" {
		in = append(in, slog.String("subject", c.Subject))
	}
	reasons := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		reasons[i] = r.Code
	}
	obligations := make([]string, len(d.Obligations))
	for i, o := range d.Obligations {
		obligations[i] = o.Code
	}
	res := []slog.Attr{
		slog.Bool("allowed", d.Allowed),
		slog.Any("reasons", reasons),
		slog.Any("clauses", d.Clauses()),
		slog.Any("obligations", obligations),
		slog.Any("categories", d.Categories),
	}
	labels := append([]slog.Attr{slog.String("policy_version", d.PolicyVersion)}, l.opts.Labels...)
	r := slog.NewRecord(c.Start, level, "decision", 0)
	r.AddAttrs(
		slog.String("decision_id", d.ID.String()),
		slog.String("path", DecisionLogPath),
		slog.Attr{Key: "input", Value: slog.GroupValue(in...)},
		slog.Attr{Key: "result", Value: slog.GroupValue(res...)},
	)
	if c.Err != nil {
		code, _ := FailureReason(c.Err)
		r.AddAttrs(slog.String("error", string(code)))
	}
	r.AddAttrs(
		slog.String("timestamp", c.Start.UTC().Format(time.RFC3339Nano)),
		slog.Attr{Key: "labels", Value: slog.GroupValue(labels...)},
	)
	if c.BundleRevision != "" {
		r.AddAttrs(slog.Group("bundles", slog.String("revision", c.BundleRevision)))
	}
	r.AddAttrs(slog.Group("metrics",
		slog.Int64("timer_check_ns", c.Duration.Nanoseconds()),
		slog.Bool("cache_hit", c.CacheHit)))
	_ = l.h.Handle(ctx, r)
}

// clipCategories clips the categories a Check named: at most 16, each
// clipped (an unknown one is the caller's string).
func clipCategories(cs []purpose.Category) []string {
	out := make([]string, 0, min(len(cs), 16))
	for _, c := range cs[:min(len(cs), 16)] {
		out = append(out, clip.String(string(c), maxQuote))
	}
	return out
}
