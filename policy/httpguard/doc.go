// Package httpguard guards net/http handlers with a policy decision: before
// a handler touches a user's personal data, the middleware asks the engine
// whether the data may be processed for the route's purpose (and shared with
// its recipient), and either calls the handler with the [policy.Decision]
// in the request's context or answers the denial itself.
//
// # Usage
//
// [Require] builds the middleware for one purpose and recipient, in the
// shape net/http and chi use (func(http.Handler) http.Handler). [Options]
// says how to find the request's user (required), the categories of data
// the route involves, an optional recipient read from the request, and how
// to answer a denial:
//
//	guard := httpguard.Require(engine, purpose.Payments, "halyk-bank", httpguard.Options{
//		User:       func(r *http.Request) (string, error) { return session.UserID(r) },
//		Categories: []purpose.Category{purpose.PaymentDetails},
//	})
//	mux.Handle("POST /payments/share", guard(shareHandler))
//
// In the handler, the decision is at hand, and its obligations are the
// handler's to carry out (the middleware never sees the data):
//
//	d, _ := policy.DecisionFromContext(r.Context())
//	if d.Obliges("exclude_commercial_secret") {
//		out, err = anonymize.RedactCategories(redactor, out, purpose.CommercialSecret)
//	}
//	if d.Obliges("record_disclosure") {
//		// record the disclosure and d in the disclosure ledger
//	}
//
// The obligations' codes are also sent in the [HeaderObligations] response
// header, and the policy version in [HeaderPolicyVersion].
//
// # Failing closed
//
// The handler runs only on an allow without an error. A request whose user
// cannot be found, an error from the Checker (whatever Decision came with
// it) or a denial by the policy go to [Options.OnDeny]. The default,
// [ProblemWriter], answers with RFC 9457 problem details in JSON ([Problem])
// in Russian, Kazakh or English as Accept-Language asks: 403 for a denial,
// 401 without a user, 404 for an unknown recipient named by the request,
// 400 for a request outside a check's bounds (a user ID longer than
// policy.MaxUserLen), 503 when consent records or the policy are
// unavailable, 500 for a misconfigured route or a broken Checker (see
// [StatusFor]). The body lists the reasons' codes, clauses and messages,
// the route's purpose and the policy version, and at most [MaxProblemSize]
// bytes of them; it never holds a value taken from the request (the user
// ID, a recipient read from the path) or an error's text.
//
// # Panics
//
// A panic in the Checker is recovered: the request is denied with
// [ErrCheckerPanicked] and answered with 500, and the panic value, which
// may hold request values, is dropped. A panic in the host's own code is
// the host's business and is not recovered: in Options.User (the guarded
// handler is then not called), in OnDeny, and in the guarded handler
// itself. net/http's server handles those as any handler panic, or the
// host's own recovery middleware does.
//
// # Concurrency
//
// The middleware Require returns is safe for concurrent use by multiple
// goroutines, provided the Checker and the Options' functions are (a
// [*policy.Engine] is). Options are copied when Require is called.
package httpguard
