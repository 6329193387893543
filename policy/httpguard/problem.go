package httpguard

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// The problem types of the default OnDeny's responses, one per status it
// answers with. Each URI points at its own documentation.
const (
	// TypeDenied (403): the policy does not allow the processing; the
	// reasons say which clauses denied.
	TypeDenied = "https://pkg.go.dev/github.com/yasam/privacy/policy/httpguard#TypeDenied"
	// TypeNoUser (401): the request does not say whose data it is about.
	TypeNoUser = "https://pkg.go.dev/github.com/yasam/privacy/policy/httpguard#TypeNoUser"
	// TypeRecipientNotFound (404): the recipient named by the request is
	// not registered.
	TypeRecipientNotFound = "https://pkg.go.dev/github.com/yasam/privacy/policy/httpguard#TypeRecipientNotFound"
	// TypeInvalidRequest (400): the request is outside what a check
	// accepts, such as a user ID longer than policy.MaxUserLen.
	TypeInvalidRequest = "https://pkg.go.dev/github.com/yasam/privacy/policy/httpguard#TypeInvalidRequest"
	// TypeUnavailable (503): consent records or the policy could not be
	// read; the request was denied by default and may be retried.
	TypeUnavailable = "https://pkg.go.dev/github.com/yasam/privacy/policy/httpguard#TypeUnavailable"
	// TypeError (500): the check failed on a mistake in the service's
	// configuration, such as a purpose outside the catalog.
	TypeError = "https://pkg.go.dev/github.com/yasam/privacy/policy/httpguard#TypeError"
)

// ContentTypeProblem is the media type of RFC 9457 problem details in JSON.
const ContentTypeProblem = "application/problem+json"

// Problem is the body of the default OnDeny's responses: RFC 9457 problem
// details with the decision's explanation as extension members. It names
// codes, clauses, the route's purpose and the policy version, and holds no
// value taken from the request: not the user ID, not a recipient read from
// the path, not an error's text, which may carry personal data or
// internals. A body is at most [MaxProblemSize] bytes.
type Problem struct {
	// Type is one of the Type constants.
	Type string `json:"type"`
	// Title and Detail are in the language negotiated from Accept-Language.
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Purpose is the route's purpose, from the service's configuration.
	Purpose purpose.ID `json:"purpose,omitempty"`
	// PolicyVersion is the ID of the policy version in force.
	PolicyVersion string `json:"policy_version,omitempty"`
	// Reasons are the decision's reasons, their messages in the negotiated
	// language.
	Reasons []ProblemReason `json:"reasons,omitempty"`
}

// ProblemReason is one reason of a denial in a [Problem].
type ProblemReason struct {
	Code       string             `json:"code"`
	Clause     string             `json:"clause,omitempty"`
	Message    string             `json:"message"`
	Categories []purpose.Category `json:"categories,omitempty"`
}

// MaxProblemSize bounds the body the default OnDeny writes, in bytes.
// Reasons beyond it are left out (the first is always kept), and the
// strings of a Decision are clipped to [maxField] bytes each.
const MaxProblemSize = 4 << 10

// maxField bounds each string copied from a Decision into a body: codes,
// clauses and versions are short; anything longer is not one.
const maxField = 64

// maxReasons bounds the reasons in a body.
const maxReasons = 16

// StatusFor returns the HTTP status the default OnDeny answers a denial
// with: 403 for a denial by the policy (err == nil), 401 for [ErrNoUser],
// 404 for [ErrRecipientNotFound], 400 for policy.ErrInvalidRequest (a user
// ID or a value outside the bounds a check accepts), 503 when consent records or the policy
// could not be read (policy.ErrConsentUnavailable, policy.ErrEvaluation) or
// the request's context ended, and 500 for any other error, which is a
// mistake in the service (an unknown purpose, an unregistered static
// recipient, an unknown category) or a broken Checker ([ErrCheckerPanicked]).
func StatusFor(err error) int {
	switch {
	case err == nil:
		return http.StatusForbidden
	case errors.Is(err, ErrNoUser):
		return http.StatusUnauthorized
	case errors.Is(err, ErrRecipientNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrCheckerPanicked),
		errors.Is(err, policy.ErrUnknownPurpose),
		errors.Is(err, policy.ErrUnknownRecipient),
		errors.Is(err, policy.ErrUnknownCategory):
		return http.StatusInternalServerError
	case errors.Is(err, policy.ErrInvalidRequest):
		return http.StatusBadRequest
	case errors.Is(err, policy.ErrConsentUnavailable),
		errors.Is(err, policy.ErrEvaluation),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ProblemWriter returns the default [Options.OnDeny]: it answers with a
// [Problem] in the language the request's Accept-Language prefers among
// Russian, Kazakh and English, or in fallback ("ru" if fallback is none of
// them), and the status [StatusFor] picks.
//
// A host that wants to do more on a denial (log it, add WWW-Authenticate to
// a 401 for its own scheme) wraps it:
//
//	write := httpguard.ProblemWriter("ru")
//	opts.OnDeny = func(w http.ResponseWriter, r *http.Request, d policy.Decision, err error) {
//		logger.WarnContext(r.Context(), "privacy denial", "decision", d, "err", err)
//		write(w, r, d, err)
//	}
func ProblemWriter(fallback string) func(w http.ResponseWriter, r *http.Request, d policy.Decision, err error) {
	fallback, _ = supported(fallback)
	return func(w http.ResponseWriter, r *http.Request, d policy.Decision, err error) {
		lang := Negotiate(r.Header.Get("Accept-Language"), fallback)
		status := StatusFor(err)
		body := problemBody(newProblem(status, d, lang))
		h := w.Header()
		h.Set("Content-Type", ContentTypeProblem)
		h.Set("Content-Language", lang)
		h.Set("Content-Length", strconv.Itoa(len(body)))
		h.Set("X-Content-Type-Options", "nosniff")
		// A denial depends on consent state at this moment: no cache may
		// answer the next request with it.
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "Accept-Language")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	}
}

func newProblem(status int, d policy.Decision, lang string) Problem {
	typ, txt := problemText(status)
	p := Problem{
		Type:          typ,
		Title:         txt.title.In(lang),
		Status:        status,
		Detail:        txt.detail.In(lang),
		Purpose:       purpose.ID(clip.Prefix(string(d.Purpose), maxField)),
		PolicyVersion: clip.Prefix(d.PolicyVersion, maxField),
	}
	for i, r := range d.Reasons {
		if i == maxReasons {
			break
		}
		pr := ProblemReason{
			Code:    clip.Prefix(r.Code, maxField),
			Clause:  clip.Prefix(r.Clause, maxField),
			Message: r.Message.In(lang),
		}
		for j, c := range r.Categories {
			if j == maxReasons {
				break
			}
			pr.Categories = append(pr.Categories, purpose.Category(clip.Prefix(string(c), maxField)))
		}
		p.Reasons = append(p.Reasons, pr)
	}
	return p
}

// problemBody encodes p in at most MaxProblemSize bytes, leaving out
// reasons from the last, then the first reason's message and categories,
// until it fits. The fixed members alone always fit: they are the
// package's own texts and clipped strings.
func problemBody(p Problem) []byte {
	for {
		body, err := json.Marshal(p)
		if err == nil && len(body) <= MaxProblemSize {
			return body
		}
		switch {
		case len(p.Reasons) > 1:
			p.Reasons = p.Reasons[:len(p.Reasons)-1]
		case len(p.Reasons) == 1 && (p.Reasons[0].Message != "" || p.Reasons[0].Categories != nil):
			p.Reasons[0].Message, p.Reasons[0].Categories = "", nil
		default:
			p.Reasons = nil
			body, _ = json.Marshal(p) // string and int members only: cannot fail
			return body
		}
	}
}

// Negotiate returns the language of the policy ("ru", "kk" or "en") that an
// Accept-Language header value prefers, by quality, or fallback when it
// names none of them. It matches primary subtags ("en-GB" is "en") and
// takes "kz", a common mistake for Kazakh, as "kk"; "*" and tags of quality
// zero choose nothing.
func Negotiate(acceptLanguage, fallback string) string {
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		if primary, _, _ := strings.Cut(tag, "-"); primary != "" {
			tag = primary
		}
		lang, ok := supported(strings.ToLower(tag))
		if !ok {
			continue
		}
		q := quality(params)
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	if best == "" {
		return fallback
	}
	return best
}

// quality parses the q parameter of an Accept-Language element; a missing
// or malformed one counts as 1, an out-of-range one (below 0, above 1, too
// large for a float64 such as 1e400, infinite or NaN) as 0.
func quality(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return 0 // a number, out of any range a float64 holds
		case err != nil:
			return 1
		case math.IsNaN(q) || q < 0 || q > 1:
			return 0
		}
		return q
	}
	return 1
}

// supported returns the policy language lang names and reports whether it
// names one; for any other value it returns "ru", the authoritative text.
func supported(lang string) (string, bool) {
	switch {
	case purpose.IsLanguage(lang):
		return lang, true
	case lang == "kz":
		return purpose.LangKK, true
	}
	return purpose.LangRU, false
}
