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
//     purpose may not use are denied. A Check that names no category
//     ([WithCategories]) judges the purpose's own categories (3.2), listed
//     in [Decision.Categories]: not naming them never widens an allow.
//   - 4.1: a purpose the catalog marks for explicit consent needs this
//     user's grant for this purpose and recipient, for every recipient kind.
//   - 4.2: data collected before the purpose's retention ([WithCollectedAt])
//     are denied; the seed's retention is unlimited.
//   - 5.1: state bodies, partners and affiliates are allowed, with the
//     obligation to exclude commercial secrets; a request naming
//     [purpose.CommercialSecret] is denied.
//   - 5.2: unaffiliated companies and private individuals need this user's
//     grant for this purpose and this recipient.
//   - 6.3: employees and contractors need a confidentiality obligation.
//   - 7.1: every disclosure comes with the obligation to record it.
//   - 9.1, 9.2: the versions make a timeline ([WithVersion],
//     [WithPriorVersions]); the version in force is the latest published by
//     the engine's clock, so a scheduled version takes force by itself
//     ([Engine.VersionAt]); [Widenings] tells what a new one widens (9.5).
//     Acceptance of an earlier version stands, with the obligation to show
//     the version in force (9.5); 9.3: withdrawal of acceptance stops
//     everything resting on it.
//
// # The Law
//
// Clause 4.1 puts processing under the Law of the Republic of Kazakhstan
// "On personal data and their protection" (94-V), and the default policy
// applies its enforceable rules on top of the seed (policy/rego/law.rego).
// Each fires only on facts the seed is silent about, so the seed's
// decisions for domestic processing are unchanged; a host switches them
// off only with [WithoutLaw]. Articles marked "unconf." are cited from
// secondary sources and not yet checked against the text of the Law.
//
//   - art. 16: a recipient whose Country is not KZ needs this user's grant
//     flagged consent.Flags.CrossBorderTransfer, unless
//     [WithAdequateCountries] lists the country or a [Basis] for the
//     transfer is named; 5.1 recipients and staff too.
//   - art. 9 (unconf.): a [Basis] a host names ([WithBasis],
//     [WithRecipientBasis]), never a default, stands in for the user's
//     acceptance and grants; the allow cites it as "law_basis".
//   - art. 17 (unconf.): a purpose marked purpose.Purpose.Depersonalise
//     obliges "depersonalise".
//   - art. 12 p.2: a consent store declared outside Kazakhstan
//     ([WithStoreLocation], [StoreLocator]) is refused at New unless
//     [WithLocalisationException] states why it is lawful.
//
// # Failing closed
//
// Check never allows with an error. An empty user, an unknown purpose,
// recipient or category, a cancelled context, a consent store failure or a
// policy failure each give a denying Decision and an error wrapping one of
// [ErrInvalidRequest], [ErrUnknownPurpose], [ErrUnknownRecipient],
// [ErrUnknownCategory], [ErrConsentUnavailable], [ErrEvaluation] or the
// context's error. The zero Decision denies, and the zero Engine denies
// with [ErrInvalidConfig]. A store that panics, answers for another user or
// answers after the context ended gives a deny; an evaluation is bounded
// by [WithEvalTimeout].
//
// # Evidence
//
// Every Decision an engine returns is sealed: [Verify] tells code above the
// engine (the disclosure ledger) whether a Decision came from an engine and
// is unchanged, and [VerifyFor] also whether it was made for a given user.
// The allow's reasons say what it rests on, with a code per
// basis: operator_processing (2.1), shared_with_affiliated (5.1),
// consent_granted (5.2), confidentiality_agreed (6.3),
// cross_border_consented (94-V art. 16), law_basis (94-V art. 9).
//
// # Rego
//
// The rules are Rego (v1 syntax) evaluated by OPA; the embedded modules are
// listed by [Rego]. The engine compiles and prepares them once in New. It
// resolves consent in Go, and the Rego sees only a small canonical input:
// the purpose, the recipient's kind and confidentiality, the categories, the
// user's acceptance standing (none, current, outdated, withdrawn) and
// whether a grant for this purpose and recipient is active now. Static data
// (the catalog) sits in OPA's store as data.catalog, the Law's switch and
// adequate countries as data.law
// (policy/rego/data.json holds the same for the embedded catalog, so that
// `opa test policy/rego` runs the rules' tests alone). A host adds its own
// rules on top with [WithHostRego] (package privacy.host: denials and
// obligations only, never a ground) or as an OPA bundle directory or
// .tar.gz ([WithBundle], [ReadBundleArchive]), signed with OPA's bundle
// signing when [WithBundleKeys] asks, that [WatchBundle] swaps in when it
// changes; or it replaces everything with [WithRego]. Host rules
// may decide by host attributes with finite domains ([WithAttribute],
// [WithAttr]), which join the decision key like the rest of the input. A
// host's Rego may call only builtins on an allow-list of pure ones (no
// clock, randomness, network or runtime) unless
// [WithNondeterministicBuiltins] is given.
//
// # Caching
//
// Since a decision is a pure function of that input, the engine caches
// decisions by it: a warm Check is a map lookup and allocates nothing. The
// cache never holds consent: state is read from the store on every Check, so
// a withdrawal counts for the very next one. Where several instances share
// a store whose reads may lag (a state cache per instance), a Check given
// the token of the append it must reflect ([WithAtLeast],
// [consent.TokenStore]) reads at least up to it. The cache is bounded
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
// part of either, a consent store's own error text is withheld, caller
// strings are quoted clipped to 64 bytes, and Decision implements
// slog.LogValuer, naming no recipient of kind individual.
// [WithVerboseErrors] lets store texts and individuals' IDs through.
package policy
