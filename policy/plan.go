package policy

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// Plan answers a batch question, "which subjects may go to recipient R for
// purpose P?", by partial evaluation: a decision reads of a subject's
// consent only a few things (the acceptance standing, whether a grant for
// (P, R) is active, whether it allows a transfer abroad), so the engine
// decides every combination once and the batch becomes a filter on
// consent. Build one with [Engine.Plan].
//
// A Plan belongs to the policy in force when it was made and judges grant
// terms at that instant (Filter.At): make a new one per batch. It is safe
// for concurrent use.
type Plan struct {
	// Purpose and Recipient are what the plan was made for.
	Purpose   purpose.ID
	Recipient string
	// PolicyVersion is the version in force the plan decided under.
	PolicyVersion string
	// Filter selects the subjects whose consent the policy allows: hand it
	// to a store (pgstore's FilterSQL) or match states with it.
	Filter consent.Filter
	// Conditions are every combination of consent with the decision the
	// policy gives it, sealed like a Check's (its ID aside).
	Conditions []PlanCondition

	s        *snapshot
	rh       uint64
	token    consent.Token // WithAtLeast's: Allowed reads through StateAtLeast
	verdicts map[consent.Condition]*verdict
}

// PlanCondition is one combination of consent and its decision.
type PlanCondition struct {
	consent.Condition
	Decision Decision
}

// Plan decides, once for every combination of consent, what [Engine.Check]
// would decide for purpose p and recipient with opts, and returns the
// combinations that allow as Plan.Filter. Requests Check would refuse
// (unknown purpose, recipient or category, no version in force) fail here
// with the same errors. An engine built with [WithNondeterministicBuiltins]
// cannot plan (its decisions depend on more than the request and consent):
// Plan fails with [ErrInvalidConfig]. One plan serves one set of opts: a
// batch whose subjects' data were collected at different times
// ([WithCollectedAt]) needs a plan per retention outcome, or Check.
//
// With [WithAtLeast], the plan keeps the token: [Engine.Allowed] reads
// every subject through the store's StateAtLeast, and a store without it
// makes Plan fail with an error wrapping [ErrConsentUnavailable], as
// Check denies. [Plan.Allows] and [Plan.Decide] judge the state they are
// given: read it at the token. Plan.Filter carries the token too:
// pgstore's FilterSQL makes its query fail rather than select from a
// snapshot that does not reflect the token's write.
func (e *Engine) Plan(ctx context.Context, p purpose.ID, recipient string, opts ...CheckOption) (*Plan, error) {
	s := e.current()
	if s == nil {
		return nil, fmt.Errorf("%w: the zero Engine has no policy; build one with New", ErrInvalidConfig)
	}
	if ctx == nil {
		return nil, fmt.Errorf("%w: nil context", ErrInvalidRequest)
	}
	if s.tel.nondeterministic {
		return nil, fmt.Errorf("%w: rules that may call non-deterministic builtins (WithNondeterministicBuiltins) cannot be planned: ask Check per subject", ErrInvalidConfig)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("policy: plan: %w", err)
	}
	// The same request as Check's, less the user's consent: every
	// refusal before consent is read comes out here. One vf names the
	// version of the key and of the plan.
	vf := s.inForce()
	var key decisionKey
	rh, token, err := s.requestKey(vf, p, recipient, opts, &key)
	if err != nil {
		return nil, err
	}
	if _, ok := s.store.(tokenReader); token != "" && !ok {
		return nil, errNoTokenReader
	}
	pl := &Plan{
		Purpose: p, Recipient: recipient, PolicyVersion: s.tl.versions[vf.idx].ID, s: s, rh: rh, token: token,
		verdicts: map[consent.Condition]*verdict{},
		Filter: consent.Filter{
			Scope:   consent.Scope{Purpose: p, Recipient: recipient},
			At:      s.now(),
			Current: s.tl.versions[vf.idx].ID,
			Strict:  s.tl.strict,
			AtLeast: token,
		},
	}
	for i := 0; key.categories>>i != 0; i++ {
		if key.categories&(1<<i) != 0 {
			pl.Filter.Categories = append(pl.Filter.Categories, s.catalog.CategoryAt(i))
		}
	}
	for _, v := range s.tl.versions {
		if v.ID != pl.Filter.Current {
			pl.Filter.Known = append(pl.Filter.Known, v.ID)
		}
	}
	for _, c := range consent.Conditions() {
		k := key
		k.accept, k.grant, k.crossBorder = acceptance(c.Standing), c.Grant, c.CrossBorder
		v, err := s.verdict(ctx, k, nil)
		if err != nil {
			return nil, err
		}
		pl.verdicts[c] = v
		pl.Conditions = append(pl.Conditions, PlanCondition{Condition: c, Decision: issue(v, recipient, rh, "", DecisionID{})})
		if v.allowed {
			pl.Filter.Allow = append(pl.Filter.Allow, c)
		}
	}
	return pl, nil
}

// Allows reports whether the policy allows the subject of st under the
// plan: what Check would answer for that subject at the plan's instant.
func (pl *Plan) Allows(st consent.State) bool {
	return pl.Filter.Match(st)
}

// Decide returns the Decision Check would return for the subject of st at
// the plan's instant, sealed and with a fresh ID, for evidence (the
// disclosure ledger) without a Check per subject. Like a Check, it is
// reported to the engine's observers and decision log (with CacheHit set
// and the subject's pseudonym), so that the ID leads from a ledger entry
// to a log record.
//
// A nil or ended ctx makes the Decision a denial, and so does a panicking
// observer (fail closed), as in Check.
func (pl *Plan) Decide(ctx context.Context, st consent.State) (d Decision) {
	start := time.Now()
	base := Decision{Purpose: pl.Purpose, Recipient: pl.Recipient, PolicyVersion: pl.PolicyVersion}
	switch {
	case ctx == nil:
		return pl.s.deny(base, st.Subject(), CodeInvalidRequest, "")
	case ctx.Err() != nil:
		d = pl.s.deny(base, st.Subject(), CodeRequestCancelled, "")
	default:
		d = issue(pl.verdicts[pl.Filter.Classify(st)], pl.Recipient, pl.rh, st.Subject(), pl.s.tel.ids.next())
	}
	if obs := pl.s.tel.obs; obs != nil {
		defer func() {
			if recover() != nil {
				d = pl.s.deny(base, st.Subject(), CodePolicyError, "")
			}
		}()
		info := CheckInfo{Decision: d, Start: start, Duration: time.Since(start), CacheHit: true,
			BundleRevision: pl.s.revision, Redacted: d.issued != nil && d.issued.redact,
			PurposeUnknown: d.issued != nil && d.issued.hidePurpose}
		if r, ok := pl.s.recipients[pl.Recipient]; ok {
			info.RecipientKind = r.Kind
		}
		if f := pl.s.tel.pseudonym; f != nil && st.Subject() != "" {
			info.Subject = f(st.Subject())
		}
		obs.ObserveCheck(ctx, info)
	}
	return d
}

// Allowed streams the subjects of subjects whose consent the policy allows
// for purpose p and recipient (with opts, as for Check), in the order
// given. It reads consent in batches of [consent.MaxBatch] through the
// store's [consent.BatchReader] when it has one, or one State per subject
// otherwise; with [WithAtLeast], through the store's StateAtLeast, one
// subject at a time. It makes a [Plan] for each batch, so that every
// batch is judged at the instant it is read, under the policy then in
// force: a term that ends, or a version that comes into force, while a
// long stream runs counts from the next batch on. On the first error it yields
// ("", err) and stops: fail closed, a subject not yielded is not allowed.
// A subject that is empty or too long is an error, as for Check.
func (e *Engine) Allowed(ctx context.Context, p purpose.ID, recipient string, subjects iter.Seq[string], opts ...CheckOption) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		pl, err := e.Plan(ctx, p, recipient, opts...)
		if err != nil {
			yield("", err)
			return
		}
		batch := make([]string, 0, consent.MaxBatch)
		flush := func() bool {
			// A plan per batch, made when the batch is read: the
			// subjects may come slowly (a database cursor).
			if pl, err = e.Plan(ctx, p, recipient, opts...); err != nil {
				yield("", err)
				return false
			}
			states, err := pl.states(ctx, batch)
			if err != nil {
				yield("", err)
				return false
			}
			for i, st := range states {
				if pl.Filter.Match(st) && !yield(batch[i], nil) {
					return false
				}
			}
			batch = batch[:0]
			return true
		}
		for s := range subjects {
			if s == "" || len(s) > MaxUserLen {
				yield("", fmt.Errorf("%w: a subject is empty or longer than %d bytes", ErrInvalidRequest, MaxUserLen))
				return
			}
			if batch = append(batch, s); len(batch) == consent.MaxBatch && !flush() {
				return
			}
		}
		if len(batch) > 0 {
			flush()
		}
	}
}

// states reads the states of subjects from the plan's store, checking
// that each is the subject's own.
func (pl *Plan) states(ctx context.Context, subjects []string) (states []consent.State, err error) {
	defer func() {
		if r := recover(); r != nil {
			states, err = nil, fmt.Errorf("%w: the consent store panicked", ErrConsentUnavailable)
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("policy: allowed: %w", err)
	}
	br, batch := pl.s.store.(consent.BatchReader)
	if !batch || pl.token != "" {
		// One subject at a time, read as Check reads it: at the token
		// under WithAtLeast (a batch read may serve states from before
		// it), each state checked to be the subject's own.
		states = make([]consent.State, len(subjects))
		for i, s := range subjects {
			if err := pl.s.state(ctx, s, pl.token, &states[i]); err != nil {
				return nil, err
			}
		}
		return states, nil
	}
	if states, err = br.States(ctx, subjects); err != nil {
		return nil, &storeError{err: err, verbose: pl.s.verbose}
	}
	if len(states) != len(subjects) {
		return nil, fmt.Errorf("%w: the consent store returned %d states for %d subjects", ErrConsentUnavailable, len(states), len(subjects))
	}
	for i, st := range states {
		if st.Subject() != subjects[i] {
			return nil, fmt.Errorf("%w: the consent store returned another subject's state", ErrConsentUnavailable)
		}
	}
	return states, nil
}
