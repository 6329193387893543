package policytest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// Result is one scripted answer of a [Stub]: a Decision and an error, as
// the engine would return them. Build one with [Allow], [Deny] or [Fail].
type Result struct {
	decision policy.Decision
	err      error
}

// Allow returns a Result that allows for the given reasons. Without
// reasons a Stub fills one in, as the engine never allows without a reason:
// operator_processing (2.1) for policy.Operator, consent_granted (5.2) for
// any other recipient.
func Allow(reasons ...policy.Reason) Result {
	return Result{decision: policy.Decision{Allowed: true, Reasons: slices.Clone(reasons)}}
}

// Deny returns a Result that denies by the rule with the given reason code
// and clause, e.g. Deny("consent_required", "5.2"), with no error.
func Deny(code, clause string) Result {
	return Result{decision: policy.Decision{Reasons: []policy.Reason{reason(code, clause)}}}
}

// Fail returns a Result that fails closed with err, as the engine does when
// it cannot decide: a denial and err, which should wrap a policy sentinel,
// e.g. fmt.Errorf("%w: db down", policy.ErrConsentUnavailable). The reason
// code is the one the engine gives for that sentinel. Fail panics if err is
// nil, since an error is what makes it a failure.
func Fail(err error) Result {
	if err == nil {
		panic("policytest: Fail(nil): a failure needs an error")
	}
	return Result{decision: policy.Decision{Reasons: []policy.Reason{failReason(err)}}, err: err}
}

// WithObligation returns r with one more obligation; it has effect on an
// allow only, as obligations come with an allow.
func (r Result) WithObligation(code, clause string, categories ...purpose.Category) Result {
	if !r.decision.Allowed {
		return r
	}
	r.decision.Obligations = append(slices.Clip(r.decision.Obligations), policy.Obligation{
		Code:       code,
		Clause:     clause,
		Message:    message(code),
		Categories: slices.Clone(categories),
	})
	return r
}

// Decision returns the Decision r answers with, before a Stub fills in the
// purpose, recipient and policy version of the call (and, for an Allow
// without reasons, the reason).
func (r Result) Decision() policy.Decision { return r.decision }

// Err returns the error r answers with.
func (r Result) Err() error { return r.err }

// reason builds a Reason with the engine's text for code (the code itself in
// every language when the engine has none).
func reason(code, clause string) policy.Reason {
	return policy.Reason{Code: code, Clause: clause, Message: message(code)}
}

func message(code string) purpose.Text {
	t, _ := policy.Message(code)
	return t
}

// failReason is the reason the engine gives with err (policy.FailureReason).
func failReason(err error) policy.Reason {
	code, clause := policy.FailureReason(err)
	return reason(string(code), clause)
}

// Call is one Check a [Stub] got.
type Call struct {
	// User is the user asked about. [Call.LogValue] leaves it out.
	User      string
	Purpose   purpose.ID
	Recipient string
	// Options are the CheckOptions passed; compare them with
	// policy.WithCategories(...) using reflect.DeepEqual.
	Options []policy.CheckOption
}

// LogValue keeps the user out of logs.
func (c Call) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("purpose", string(c.Purpose)),
		slog.String("recipient", c.Recipient),
	)
}

type scope struct {
	purpose   purpose.ID
	recipient string
}

// Stub is a scripted Checker for host tests that want no engine at all:
// it answers each Check with the Result set for its purpose and recipient
// ([Stub.On]), or else the default ([NewStub], [Stub.SetDefault]), and
// records the calls it got. It has the method set of
// [policy.Engine.Check], so it satisfies httpguard.Checker and any
// interface a host declares for the engine.
//
// Like the engine, it fails closed with policy.ErrEmptyUser for an empty
// user and with the context's error for a done context, whatever the
// script says. It logs nothing.
//
// A Stub's decisions are not sealed by an engine: [policy.Verify] refuses
// them, and so does code that keeps decisions as evidence (the disclosure
// ledger). Tests of such code use a [Fixture], whose decisions are an
// engine's.
//
// The zero Stub denies every call with the reason "no_rule". A Stub is
// safe for concurrent use by multiple goroutines; scripts may change
// between requests.
type Stub struct {
	mu      sync.Mutex
	def     *Result
	on      map[scope]Result
	calls   []Call
	version string
}

// NewStub returns a Stub that answers every call with def until told
// otherwise.
func NewStub(def Result) *Stub {
	return &Stub{def: &def}
}

// SetDefault sets the Result for calls no [Stub.On] script matches.
func (s *Stub) SetDefault(r Result) *Stub {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = &r
	return s
}

// On sets the Result for calls about purpose p and recipient, replacing
// an earlier one.
func (s *Stub) On(p purpose.ID, recipient string, r Result) *Stub {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on == nil {
		s.on = map[scope]Result{}
	}
	s.on[scope{p, recipient}] = r
	return s
}

// SetVersion sets the policy version the Stub's decisions name; the
// default is policy.DefaultVersion's.
func (s *Stub) SetVersion(id string) *Stub {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version = id
	return s
}

// Version returns the policy version the Stub's decisions name, as
// [policy.Engine.Version] does.
func (s *Stub) Version() policy.Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version == "" {
		return policy.DefaultVersion
	}
	return policy.Version{ID: s.version}
}

// Check records the call and answers it by the script.
func (s *Stub) Check(ctx context.Context, user string, p purpose.ID, recipient string, opts ...policy.CheckOption) (policy.Decision, error) {
	s.mu.Lock()
	s.calls = append(s.calls, Call{User: user, Purpose: p, Recipient: recipient, Options: slices.Clone(opts)})
	r, ok := s.on[scope{p, recipient}]
	switch {
	case user == "":
		r = Result{decision: policy.Decision{Reasons: []policy.Reason{reason("invalid_request", "")}}, err: policy.ErrEmptyUser}
	case ctx.Err() != nil:
		err := fmt.Errorf("policytest: check: %w", ctx.Err())
		r = Result{decision: policy.Decision{Reasons: []policy.Reason{failReason(err)}}, err: err}
	case ok:
	case s.def != nil:
		r = *s.def
	default:
		r = Deny("no_rule", "")
	}
	version := s.version
	s.mu.Unlock()
	if version == "" {
		version = policy.DefaultVersion.ID
	}
	d := r.decision
	d.Purpose, d.Recipient, d.PolicyVersion = p, recipient, version
	switch {
	case r.err != nil:
		d.Allowed, d.Obligations = false, nil
	case d.Allowed && len(d.Reasons) == 0 && recipient == policy.Operator:
		d.Reasons = []policy.Reason{reason("operator_processing", "2.1")}
	case d.Allowed && len(d.Reasons) == 0:
		d.Reasons = []policy.Reason{reason("consent_granted", "5.2")}
	}
	return d, r.err
}

// Calls returns the calls the Stub got, oldest first.
func (s *Stub) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Reset forgets the calls recorded so far; the script stays.
func (s *Stub) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}
