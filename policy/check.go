package policy

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/purpose"
)

// CheckOption adds a detail to one Check. Build one with [WithCategories].
//
// Unlike [Option], a CheckOption is a small value rather than a function:
// Check runs on every request, and a value costs no allocation.
type CheckOption struct {
	categories  []purpose.Category
	basis       Basis
	collectedAt time.Time
	attrName    string
	attrValue   string
	token       consent.Token
}

// WithAtLeast asks Check to read the user's consent state as of at least
// the append that returned t (read-your-writes across instances sharing a
// store): a withdrawal this or another instance acknowledged with t is
// never missed by a stale read. The engine reads through the store's
// StateAtLeast ([consent.TokenStore]); a store without it, or one that
// cannot read t (an error wrapping [consent.ErrTokenInvalid]), makes Check
// deny with an error wrapping [ErrConsentUnavailable]. The zero Token asks
// for nothing.
func WithAtLeast(t consent.Token) CheckOption {
	return CheckOption{token: t}
}

// errNoTokenReader: WithAtLeast given to an engine whose store cannot
// read at a token.
var errNoTokenReader = fmt.Errorf("%w: WithAtLeast: the consent store cannot read at a token (not a consent.TokenStore)", ErrConsentUnavailable)

// tokenReader is the part of [consent.TokenStore] the engine uses.
type tokenReader interface {
	StateAtLeast(ctx context.Context, user string, t consent.Token) (consent.State, error)
}

// WithCategories names the categories of data the request involves. The
// engine denies categories the purpose may not use (3) and commercial
// secrets for 5.1 recipients.
func WithCategories(cs ...purpose.Category) CheckOption {
	return CheckOption{categories: cs}
}

// Check decides whether personal data of user may be processed for purpose
// p and, unless recipient is [Operator], disclosed to recipient.
//
// It fails closed: on any error (empty user, unknown purpose, recipient or
// category, cancelled context, consent store failure, policy failure) it
// returns a denying Decision that says why, and an error that wraps one of
// the package's sentinels. It never returns an error with an allow.
//
// The zero Engine denies every Check with [ErrInvalidConfig]: build one
// with [New].
func (e *Engine) Check(ctx context.Context, user string, p purpose.ID, recipient string, opts ...CheckOption) (d Decision, err error) {
	s := e.current()
	if s == nil {
		return zeroEngineDenial(p, recipient, user), fmt.Errorf("%w: the zero Engine has no policy; build one with New", ErrInvalidConfig)
	}
	if s.tel.obs != nil {
		return s.observed(ctx, user, p, recipient, opts)
	}
	// check writes the Decision into d, Check's own result: a Decision is
	// large, and returning it through another frame would copy it again.
	err = s.check(ctx, user, p, recipient, opts, nil, &d)
	return
}

// check is Check on snapshot e: it writes the Decision into d and returns
// the error.
func (e *snapshot) check(ctx context.Context, user string, p purpose.ID, recipient string, opts []CheckOption, hit *bool, d *Decision) error {
	vf := e.inForce()
	if ctx == nil {
		*d = e.denial(vf, p, recipient, user, CodeInvalidRequest, "")
		return fmt.Errorf("%w: nil context", ErrInvalidRequest)
	}
	if user == "" {
		*d = e.denial(vf, p, recipient, user, CodeInvalidRequest, "")
		return ErrEmptyUser
	}
	if len(user) > MaxUserLen {
		*d = e.denial(vf, p, recipient, user, CodeInvalidRequest, "")
		return fmt.Errorf("%w: user longer than %d bytes", ErrInvalidRequest, MaxUserLen)
	}
	if err := ctx.Err(); err != nil {
		*d = e.denial(vf, p, recipient, user, CodeRequestCancelled, "")
		return fmt.Errorf("policy: check: %w", err)
	}
	var key decisionKey
	rh, token, err := e.requestKey(vf, p, recipient, opts, &key)
	if err != nil {
		code, clause := refusal(err)
		*d = e.denial(vf, p, recipient, user, code, clause)
		return err
	}
	var st consent.State
	if err := e.state(ctx, user, token, &st); err != nil {
		*d = e.denial(vf, p, recipient, user, CodeConsentUnavailable, "")
		return err
	}
	key.accept = e.standing(st.Acceptance(), vf.idx)
	if g, ok := st.Grant(p, recipient); ok && g.Granted {
		// Read the clock only for a grant with a term: most have none.
		key.grant = (g.Until.IsZero() || g.ActiveAt(e.now())) && e.covers(g.Categories, key.categories)
		key.crossBorder = key.grant && g.Flags.CrossBorderTransfer
	}

	v, err := e.verdict(ctx, key, hit)
	if cerr := ctx.Err(); cerr != nil {
		// The context ended before the decision was made, maybe while a
		// store that ignores it was answering: deny on every path, the
		// warm cache included.
		*d = e.denial(vf, p, recipient, user, CodeRequestCancelled, "")
		return fmt.Errorf("policy: check: %w", cerr)
	}
	if err != nil {
		*d = e.denial(vf, p, recipient, user, CodePolicyError, "")
		return err
	}
	issueTo(d, v, recipient, rh, user, e.tel.ids.next())
	return nil
}

// requestKey packs into key what the request decides of a decision, all
// but the user's consent: the purpose, the version vf says is in force,
// the recipient and opts. It returns the recipient's hash and the token of
// [WithAtLeast], or the error of a request Check refuses ([refusal] gives
// its denial's code and clause). Check and Plan share it, so a plan
// refuses exactly what Check refuses.
func (e *snapshot) requestKey(vf *inForce, p purpose.ID, recipient string, opts []CheckOption, key *decisionKey) (rh uint64, token consent.Token, err error) {
	pi, ok := e.purposes[p]
	if !ok {
		return 0, "", fmt.Errorf("%w%s", ErrUnknownPurpose, e.quote(string(p)))
	}
	if vf.idx < 0 {
		return 0, "", fmt.Errorf("%w: no version of the policy is in force yet", ErrInvalidConfig)
	}
	*key = decisionKey{purpose: pi.index, version: uint32(vf.idx)}
	rh = e.operator
	if recipient != Operator {
		r, ok := e.recipients[recipient]
		if !ok {
			return 0, "", fmt.Errorf("%w%s", ErrUnknownRecipient, e.quote(recipient))
		}
		key.kind, key.confident, key.country, rh, key.basis = r.kind, r.Confidentiality, r.country, r.hash, r.basis
	}
	for i := range opts {
		o := &opts[i] // a CheckOption is over 100 bytes: not copied
		if o.token != "" {
			token = o.token
		}
		if o.basis != "" {
			i, ok := basisIndex(o.basis)
			if !ok {
				return 0, "", fmt.Errorf("%w: unknown basis %s", ErrInvalidRequest, clip.Quote(string(o.basis), maxQuote))
			}
			key.basis = i
		}
		if !o.collectedAt.IsZero() && pi.retention > 0 && o.collectedAt.Before(e.now().Add(-pi.retention)) {
			key.expired = true // 4.2: kept beyond the purpose's retention
		}
		if o.attrName != "" {
			a, ok := e.attrs[o.attrName]
			if !ok {
				return 0, "", fmt.Errorf("%w: undeclared attribute %s", ErrInvalidRequest, clip.Quote(o.attrName, maxQuote))
			}
			i, ok := a.values[o.attrValue]
			if !ok {
				return 0, "", fmt.Errorf("%w: attribute %s: value %s outside its domain", ErrInvalidRequest, clip.Quote(o.attrName, maxQuote), clip.Quote(o.attrValue, maxQuote))
			}
			key.setAttr(a, i)
		}
		for _, c := range o.categories {
			i, ok := e.catalog.CategoryIndex(c)
			if !ok {
				return 0, "", fmt.Errorf("%w: %s", ErrUnknownCategory, clip.Quote(string(c), maxQuote))
			}
			key.addCategory(i)
		}
	}
	if key.categories == 0 {
		// Naming no category judges the purpose's own (3.2): not naming
		// them never skips the category rules.
		key.categories, key.implied = pi.mask, true
	}
	return rh, token, nil
}

// refusal returns the code and clause of the denial of a request that
// requestKey refused with err: worked out only on that rare path, so that
// the warm path carries no more than the error.
func refusal(err error) (Code, string) {
	switch {
	case errors.Is(err, ErrUnknownPurpose):
		return CodeUnknownPurpose, "3"
	case errors.Is(err, ErrInvalidConfig):
		return CodeNoVersionInForce, "9.2"
	case errors.Is(err, ErrUnknownRecipient):
		return CodeUnknownRecipient, "5"
	}
	return CodeInvalidRequest, ""
}

// state reads user's consent state into st, turning a panic of the store
// into an error and refusing a state that belongs to someone else. It
// writes through a pointer so that the state, a large value, is copied
// once on the warm path.
func (e *snapshot) state(ctx context.Context, user string, token consent.Token, st *consent.State) (err error) {
	defer func() {
		if r := recover(); r != nil {
			// The panic value may hold personal data: it is not quoted.
			*st, err = consent.State{}, fmt.Errorf("%w: the consent store panicked", ErrConsentUnavailable)
		}
	}()
	if token == "" {
		*st, err = e.store.State(ctx, user)
	} else if tr, ok := e.store.(tokenReader); ok {
		*st, err = tr.StateAtLeast(ctx, user, token)
	} else {
		return errNoTokenReader
	}
	if err != nil {
		return &storeError{err: err, verbose: e.verbose}
	}
	if st.Subject() != user {
		return fmt.Errorf("%w: the consent store returned another subject's state", ErrConsentUnavailable)
	}
	return nil
}

func (e *snapshot) standing(a consent.Acceptance, inForce int) acceptance {
	switch {
	case a.Version == "":
		return acceptNone
	case a.Withdrawn:
		return acceptWithdrawn
	case !a.Until.IsZero() && !e.now().Before(a.Until):
		// An acceptance past its term is no acceptance. The clock is read
		// only for an acceptance with a term: most have none.
		return acceptNone
	case a.Version == e.tl.versions[inForce].ID:
		return acceptCurrent
	case e.tl.strict && !e.tl.has(a.Version):
		return acceptNone // a version this policy never had
	default:
		return acceptOutdated
	}
}

// verdict returns the cached decision for key, evaluating the Rego on a
// miss.
func (e *snapshot) verdict(ctx context.Context, key decisionKey, hit *bool) (*verdict, error) {
	if e.memo != nil {
		if v, ok := e.memo.get(key); ok {
			if hit != nil {
				*hit = true
			}
			return v, nil
		}
	}
	v, err := e.evaluate(ctx, key)
	if err != nil {
		return nil, err
	}
	if e.memo != nil {
		e.memo.put(key, v)
	}
	return v, nil
}

func (e *snapshot) evaluate(ctx context.Context, key decisionKey) (*verdict, error) {
	in, judged := e.unpack(key)
	start := time.Now()
	budget, cancel := ctx, context.CancelFunc(func() {})
	if e.budget > 0 {
		budget, cancel = context.WithTimeout(ctx, e.budget)
	}
	defer cancel()
	res, err := e.eval.Eval(budget, in)
	switch {
	case ctx.Err() != nil && err != nil:
		return nil, fmt.Errorf("policy: check: %w", errors.Join(ctx.Err(), err))
	case ctx.Err() != nil:
		return nil, fmt.Errorf("policy: check: %w", ctx.Err())
	case budget.Err() != nil:
		// Over budget, even if the evaluation finished after all: deny.
		return nil, fmt.Errorf("%w: stopped after %v, over the budget of %v: %w", ErrEvaluation, time.Since(start).Round(time.Millisecond), e.budget, budget.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEvaluation, err)
	}
	v := &verdict{
		allowed:    res.Allow,
		purpose:    e.purposeIDs[key.purpose],
		version:    e.tl.versions[key.version].ID,
		legal:      e.purposes[e.purposeIDs[key.purpose]].legal,
		categories: judged,
		seed:       e.seed,
		redact:     recipientKinds[key.kind] == string(disclosure.Individual) && !e.verbose,
	}
	for _, it := range res.Reasons {
		v.reasons = append(v.reasons, Reason{Code: it.Code, Clause: it.Clause, Message: e.message(it.Code), Categories: categories(it.Categories)})
	}
	for _, it := range res.Obligations {
		v.obligations = append(v.obligations, Obligation{Code: it.Code, Clause: it.Clause, Message: e.message(it.Code), Categories: categories(it.Categories)})
	}
	if v.allowed && len(v.reasons) == 0 {
		return nil, fmt.Errorf("%w: an allow with no reason", ErrEvaluation)
	}
	// Every Check shares these slices: clipped (by seal), a caller's append
	// copies instead of writing into the cache.
	return v.seal(), nil
}

func categories(ss []string) []purpose.Category {
	if len(ss) == 0 {
		return nil
	}
	out := make([]purpose.Category, len(ss))
	for i, s := range ss {
		out[i] = purpose.Category(s)
	}
	return out
}

// deny returns d, for user, as a denial for a reason found before the Rego
// was asked.
func (e *snapshot) deny(d Decision, user string, code Code, clause string) Decision {
	// A denial may come before the request was checked: its recipient
	// and purpose may be anything the caller sent (a name read from a
	// URL), so only those the engine knows are logged by name.
	r, registered := e.recipients[d.Recipient]
	unknown := !registered && d.Recipient != Operator && d.Recipient != ""
	_, known := e.purposes[d.Purpose]
	v := &verdict{
		purpose:     d.Purpose,
		version:     d.PolicyVersion,
		reasons:     []Reason{{Code: string(code), Clause: clause, Message: e.message(string(code))}},
		seed:        e.seed,
		redact:      (registered && r.Kind == disclosure.Individual || unknown) && !e.verbose,
		unknown:     unknown,
		hidePurpose: !known && d.Purpose != "" && !e.verbose,
	}
	return issue(v.seal(), d.Recipient, maphash.String(e.seed, d.Recipient), user, e.tel.ids.next())
}

// covers reports whether a grant that lists the data cs it was given for
// (art. 8 p.4) covers the categories mask judges: one that lists none
// covers all, as does [consent.GrantRecord.Covers].
func (e *snapshot) covers(cs []purpose.Category, mask uint64) bool {
	if len(cs) == 0 {
		return true
	}
	var listed uint64
	for _, c := range cs {
		if i, ok := e.catalog.CategoryIndex(c); ok {
			listed |= 1 << i
		}
	}
	return mask&^listed == 0
}

// quote is ": " and v quoted, for an error about a value the engine does
// not know, when the engine is built WithVerboseErrors; otherwise
// nothing, since the value may be anything the caller sent (a person's
// name read from a URL).
func (e *snapshot) quote(v string) string {
	if !e.verbose {
		return ""
	}
	return ": " + clip.Quote(v, maxQuote)
}

// denial is deny for a Check of purpose p and recipient under the version
// vf says is in force. The warm path builds no Decision until it issues
// one: a Decision is large, and a denial is rare.
func (e *snapshot) denial(vf *inForce, p purpose.ID, recipient, user string, code Code, clause string) Decision {
	d := Decision{Purpose: p, Recipient: recipient}
	if vf.idx >= 0 {
		d.PolicyVersion = e.tl.versions[vf.idx].ID
	}
	return e.deny(d, user, code, clause)
}
