// Package policy decides whether a user's personal data may be processed for
// a purpose and shared with a recipient, by the published privacy policy.
//
// A host service asks before it touches or shares data:
//
//	d, err := engine.Check(ctx, userID, purpose.Payments, "halyk-bank")
//	if !d.Allowed {
//		return d.Reasons // each cites its clause: "5.2 consent_required"
//	}
//	// act, honouring d.Obligations
//
// and gets an allow or a deny, the [Reason]s that decided it (each with a
// stable code, the clause of the policy and a message in Russian, Kazakh and
// English), the [Obligation]s that come with an allow, and the version of
// the policy in force.
//
// # Usage
//
// [New] builds an [Engine] from options: where consent state lives
// ([WithConsentStore]), who data may go to ([WithRecipients]), and, for an
// operator with a policy of its own, the catalog ([WithCatalog]), the rules
// ([WithRego]) and the version ([WithVersion]). The defaults are the seed
// policy's, embedded.
//
// The seed rules, by clause:
//
//   - 2.1: processing for a catalog purpose rests on the user's acceptance
//     of the policy; without it, everything is denied, disclosures under
//     5.1, 5.2 and 6.3 included: the operator holds the data only because
//     the user accepted the policy, and can share only what it holds on
//     that ground.
//   - 3: a purpose outside the catalog is an error and a deny; categories a
//     purpose may not use are denied.
//   - 5.1: state bodies, partners and affiliates are allowed, with the
//     obligation to exclude commercial secrets; a request naming
//     [purpose.CommercialSecret] is denied.
//   - 5.2: unaffiliated companies and private individuals need this user's
//     grant for this purpose and this recipient.
//   - 6.3: employees and contractors need a confidentiality obligation.
//   - 7.1: every disclosure comes with the obligation to record it.
//   - 9.2, 9.5: acceptance of an earlier version stands, with the obligation
//     to show the version in force ([WithPriorVersions] says which versions
//     existed; without it any other version counts as earlier); 9.3:
//     withdrawal of acceptance stops everything resting on it.
//
// The recipient's country reaches the Rego (input.recipient.country), but
// the seed policy says nothing of cross-border transfer, so its rules do
// not read it, nor the art. 8 flags of a grant; an operator whose policy
// does writes the rule in its own Rego.
//
// # Failing closed
//
// Check never allows with an error. An empty user, an unknown purpose,
// recipient or category, a cancelled context, a consent store failure or a
// policy failure each give a denying Decision and an error wrapping one of
// [ErrInvalidRequest], [ErrUnknownPurpose], [ErrUnknownRecipient],
// [ErrUnknownCategory], [ErrConsentUnavailable], [ErrEvaluation] or the
// context's error. The zero Decision denies.
//
// # Rego
//
// The rules are Rego (v1 syntax) evaluated by OPA; the embedded modules are
// listed by [Rego]. The engine compiles and prepares them once in New. It
// resolves consent in Go, and the Rego sees only a small canonical input:
// the purpose, the recipient's kind and confidentiality, the categories, the
// user's acceptance standing (none, current, outdated, withdrawn) and
// whether a grant for this purpose and recipient is active now. Static data
// (the catalog and the recipients) sits in OPA's store as data.catalog and
// data.recipients. A host's Rego runs without non-deterministic builtins
// (time, randomness, network) unless [WithNondeterministicBuiltins] is
// given.
//
// # Caching
//
// Since a decision is a pure function of that input, the engine caches
// decisions by it: a warm Check is a map lookup and allocates nothing. The
// cache never holds consent: state is read from the store on every Check, so
// a withdrawal counts for the very next one. The cache is bounded
// ([DefaultCacheSize], [WithCacheSize]); when full it starts again from
// empty.
//
// # Reloading
//
// [Engine.Reload] swaps in a policy rebuilt from new options (a new
// version, new recipients, new rules) while the service runs. Each Check
// sees one whole policy; the decision cache of the old one goes with it.
//
// # Concurrency
//
// Engine is safe for concurrent use by multiple goroutines. Decisions share
// their Reasons and Obligations slices: treat them as read-only.
//
// # Personal data
//
// Nothing personal appears in errors or in a Decision: the user ID is never
// part of either, and Decision implements slog.LogValuer.
package policy
