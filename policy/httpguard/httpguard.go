package httpguard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// Checker is what the middleware needs of a policy engine: one decision.
// [*policy.Engine] is one; so is policytest.Stub, for host tests that want
// no engine at all.
//
// A Checker must fail closed as the engine does: an error comes with a
// denying Decision. The middleware does not rely on it: it denies on any
// error whatever the Decision says.
type Checker interface {
	Check(ctx context.Context, user string, p purpose.ID, recipient string, opts ...policy.CheckOption) (policy.Decision, error)
}

var _ Checker = (*policy.Engine)(nil)

// versioner is the optional interface the middleware uses to name the
// policy version in a denial it makes itself, before asking the Checker
// (no user). [*policy.Engine] implements it.
type versioner interface {
	Version() policy.Version
}

// Errors the middleware hands to [Options.OnDeny] for denials it makes
// itself; the default OnDeny answers them with 401 and 404. Errors from the
// Checker are passed on as they are (wrapped with ErrRecipientNotFound for
// an unknown recipient named by the request).
var (
	// ErrNoUser: [Options.User] returned an error or an empty user. The
	// error it returned, if any, is wrapped too.
	ErrNoUser = errors.New("httpguard: no user")
	// ErrRecipientNotFound: the recipient named by the request through
	// [Options.Recipient] is not one the Checker knows. It wraps
	// policy.ErrUnknownRecipient when the Checker said so.
	ErrRecipientNotFound = errors.New("httpguard: recipient not found")
	// ErrCheckerPanicked: the Checker panicked. The middleware recovered
	// the panic and denied; the panic value is not in the error (it may
	// hold request values). The default OnDeny answers it with 500.
	ErrCheckerPanicked = errors.New("httpguard: checker panicked")
)

// The response headers the middleware sets.
const (
	// HeaderObligations lists the codes of the obligations that came with
	// an allow, comma-separated, e.g. "exclude_commercial_secret,
	// record_disclosure". It is absent when there are none.
	HeaderObligations = "Privacy-Obligations"
	// HeaderPolicyVersion names the policy version the decision was made
	// under, on allows and denials alike.
	HeaderPolicyVersion = "Privacy-Policy-Version"
)

// ReasonNoUser is the code of the reason in the Decision the middleware
// hands to OnDeny when it cannot tell whose data a request is about.
const ReasonNoUser = string(policy.CodeUserUnidentified)

// ReasonCheckFailed is the code of the reason in the Decision the
// middleware hands to OnDeny when the Checker panicked.
const ReasonCheckFailed = string(policy.CodeCheckFailed)

// Options configure [Require]. The zero value of every field but User means
// the default.
type Options struct {
	// User returns the ID of the user whose personal data the request is
	// about, usually from the authenticated session. It is required:
	// Require panics without it. An error or an empty ID denies the
	// request (answered with 401 by default) without asking the Checker.
	//
	// A panic in User is not recovered: it propagates like any handler
	// panic (net/http's server logs it and drops the connection), and the
	// guarded handler is not called.
	User func(*http.Request) (string, error)

	// Categories name the categories of data the route involves; they
	// are passed to every Check with policy.WithCategories.
	Categories []purpose.Category

	// Recipient optionally reads the recipient from the request, for
	// example from a path value: r.PathValue("recipient"). When it returns
	// "", the static recipient given to Require is used. A recipient read
	// from the request that the Checker does not know is answered with 404
	// (see ErrRecipientNotFound), not 500; one longer than
	// disclosure.MaxIDLen is answered so without asking the Checker.
	Recipient func(*http.Request) string

	// OnDeny answers a request the middleware denies: d is the denying
	// Decision, and err is nil for a denial by the policy, or what went
	// wrong (wrapping a policy sentinel, ErrNoUser or
	// ErrRecipientNotFound). The default is ProblemWriter(Lang): an RFC
	// 9457 problem response, with the status StatusFor(err) picks.
	//
	// OnDeny is the place to log a denial; log d (it implements
	// slog.LogValuer and names no user) and err, never the user ID.
	OnDeny func(w http.ResponseWriter, r *http.Request, d policy.Decision, err error)

	// Lang is the language ("ru", "kk" or "en") of the default OnDeny's
	// texts when the request's Accept-Language names none of them. The
	// default is "ru", the language the policy is published in.
	Lang string
}

// Require returns middleware that lets a request through to the handler
// only if c allows processing the request's user's data for purpose p and,
// unless recipient is policy.Operator, disclosing it to recipient.
//
// On an allow it calls the handler with the Decision in the request's
// context (read it with policy.DecisionFromContext) and with the response
// headers [HeaderObligations] and [HeaderPolicyVersion] set. The handler
// must honour d.Obligations: exclude or mask the categories they name
// (anonymize.RedactCategories), record the disclosure in the disclosure
// ledger (record_disclosure), show the user the version in force
// (show_current_version). The middleware cannot do this for it: it does not
// see the data.
//
// Anything else denies and is answered by Options.OnDeny: a denial by the
// policy, no user, an error from c (a deny whatever the Decision says). The
// handler is never called on a denial.
//
// Require panics if c or Options.User is nil, p is empty, neither a
// recipient nor Options.Recipient is given, or Options.Lang is not one of
// "", "ru", "kk", "en": each is a mistake in the program, which should
// fail when it builds its routes rather than deny every request.
func Require(c Checker, p purpose.ID, recipient string, opts Options) func(http.Handler) http.Handler {
	switch {
	case c == nil:
		panic("httpguard: Require with a nil Checker")
	case opts.User == nil:
		panic("httpguard: Options.User is nil: the middleware cannot tell whose data a request is about")
	case p == "":
		panic("httpguard: Require with an empty purpose")
	case recipient == "" && opts.Recipient == nil:
		panic(`httpguard: Require with no recipient: pass policy.Operator for the operator's own processing`)
	}
	lang, ok := supported(opts.Lang)
	if !ok && opts.Lang != "" {
		panic(fmt.Sprintf("httpguard: Options.Lang %q is not one of ru, kk, en", opts.Lang))
	}
	g := &guard{
		checker:   c,
		purpose:   p,
		recipient: recipient,
		user:      opts.User,
		fromReq:   opts.Recipient,
		onDeny:    opts.OnDeny,
	}
	if g.onDeny == nil {
		g.onDeny = ProblemWriter(lang)
	}
	if len(opts.Categories) > 0 {
		// Built once: a Check per request then passes a ready slice.
		g.checkOpts = []policy.CheckOption{policy.WithCategories(slices.Clone(opts.Categories)...)}
	}
	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("httpguard: Require(...) applied to a nil handler")
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			g.serve(w, r, next)
		})
	}
}

type guard struct {
	checker   Checker
	purpose   purpose.ID
	recipient string
	user      func(*http.Request) (string, error)
	fromReq   func(*http.Request) string
	onDeny    func(http.ResponseWriter, *http.Request, policy.Decision, error)
	checkOpts []policy.CheckOption
}

func (g *guard) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	recipient, named := g.recipient, false
	if g.fromReq != nil {
		if rc := g.fromReq(r); rc != "" {
			recipient, named = rc, true
		}
	}
	user, err := g.user(r)
	if err != nil || user == "" {
		if err == nil {
			err = ErrNoUser
		} else {
			err = fmt.Errorf("%w: %w", ErrNoUser, err)
		}
		g.deny(w, r, g.selfDenial(policy.Reason{Code: ReasonNoUser, Message: message(policy.CodeUserUnidentified)}), err)
		return
	}
	if recipient == "" { // Options.Recipient found none, and there is no static one
		d := g.selfDenial(policy.Reason{Code: string(policy.CodeRecipientNotNamed), Clause: "5", Message: message(policy.CodeRecipientNotNamed)})
		g.deny(w, r, d, fmt.Errorf("%w: the request names none", ErrRecipientNotFound))
		return
	}
	if named && len(recipient) > disclosure.MaxIDLen {
		// No registered recipient can have this ID: answer without
		// handing a caller-sized string to the Checker.
		d := g.selfDenial(policy.Reason{Code: string(policy.CodeUnknownRecipient), Clause: "5", Message: message(policy.CodeUnknownRecipient)})
		g.deny(w, r, d, fmt.Errorf("%w: id longer than %d bytes", ErrRecipientNotFound, disclosure.MaxIDLen))
		return
	}
	d, err := g.check(r, user, recipient)
	if err != nil {
		if named && errors.Is(err, policy.ErrUnknownRecipient) {
			err = fmt.Errorf("%w: %w", ErrRecipientNotFound, err)
		}
		g.deny(w, r, d, err)
		return
	}
	if !d.Allowed {
		g.deny(w, r, d, nil)
		return
	}
	setHeaders(w.Header(), d)
	next.ServeHTTP(w, r.WithContext(policy.NewContext(r.Context(), d)))
}

// check asks the Checker, turning a panic in it into a denial with
// ErrCheckerPanicked: a broken Checker must not drop the connection, and
// the panic value (which may hold the request's values) goes nowhere.
func (g *guard) check(r *http.Request, user, recipient string) (d policy.Decision, err error) {
	defer func() {
		if v := recover(); v != nil {
			d = g.selfDenial(policy.Reason{Code: ReasonCheckFailed, Message: message(policy.CodeCheckFailed)})
			err = ErrCheckerPanicked
		}
	}()
	return g.checker.Check(r.Context(), user, g.purpose, recipient, g.checkOpts...)
}

// deny answers through OnDeny with a Decision that denies, whatever the
// Checker put in it: an error never lets a request through.
func (g *guard) deny(w http.ResponseWriter, r *http.Request, d policy.Decision, err error) {
	d.Allowed = false
	if d.PolicyVersion != "" {
		w.Header().Set(HeaderPolicyVersion, d.PolicyVersion)
	}
	g.onDeny(w, r, d, err)
}

// selfDenial is the Decision for a request the middleware denies without
// an answer from the Checker (no user, no recipient, a panic), naming the
// policy version if the Checker tells it. It names no recipient: the
// request's value may be unbounded or a person's name, and only a
// Decision the engine issued knows the recipient's kind to keep it out
// of logs.
func (g *guard) selfDenial(why policy.Reason) policy.Decision {
	d := policy.Decision{Purpose: g.purpose, Reasons: []policy.Reason{why}}
	if v, ok := g.checker.(versioner); ok {
		d.PolicyVersion = v.Version().ID
	}
	return d
}

// setHeaders sets the allow's headers with one allocation for both values
// (the header names are canonical, so they go in the map as they are).
func setHeaders(h http.Header, d policy.Decision) {
	vals := make([]string, 0, 2)
	if d.PolicyVersion != "" {
		vals = append(vals, d.PolicyVersion)
		h[HeaderPolicyVersion] = vals[0:1:1]
	}
	if len(d.Obligations) > 0 {
		vals = append(vals, obligationCodes(d.Obligations))
		h[HeaderObligations] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
}

func obligationCodes(obs []policy.Obligation) string {
	if len(obs) == 1 {
		return obs[0].Code
	}
	n := 2 * (len(obs) - 1)
	for _, o := range obs {
		n += len(o.Code)
	}
	var b strings.Builder
	b.Grow(n)
	for i, o := range obs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(o.Code)
	}
	return b.String()
}
