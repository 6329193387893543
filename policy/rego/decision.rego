# The decision the engine asks for: data.privacy.decision.
#
# Input (built by the engine, minimal and canonical):
#   purpose     string   a purpose ID of the catalog
#   recipient   object   {kind, country, confidentiality}; kind "operator"
#                        is the operator's own processing, no disclosure;
#                        country is ISO 3166-1 alpha-2, "KZ" by default (the
#                        Law's cross-border rule, law.rego, reads it)
#   categories  array    the data categories the request involves, sorted
#   acceptance  string   "none" | "withdrawn" | "current" | "outdated"
#   grant       boolean  an active grant of this user for this purpose and
#                        this recipient is on record
#   grant_cross_border  boolean  that grant agrees to a transfer abroad
#                        (94-V art. 8 p.4, art. 16)
#   categories_named    boolean  false when the request named no category
#                        and categories are the purpose's own (3.2)
#   basis       string   the Law's ground for processing without consent the
#                        host named (94-V art. 9, art. 16), "" for none
#   retention_expired   boolean  collected before now minus the purpose's
#                        retention (4.2)
#   attributes  object   host attributes given for the Check, name → value
#                        (policy.WithAttribute, policy.WithAttr); {} if none
#
# Static data: data.catalog (purposes, categories), data.law
# ({enabled, adequate_countries}); policy/rego/data.json holds it for the
# embedded catalog.
#
# Guards for input the engine never builds (acceptance_unknown,
# unknown_recipient_kind, unknown_purpose) stay: the engine checks these
# before it asks, but the modules also run under OPA itself (opa test,
# opa eval, a host's OPA server), where the input is whatever the caller
# sends. Each is covered by a Rego test (test_unknown_*), run by both
# go test and opa test.
#
# A request is allowed when no rule denies it and some rule allows it; every
# reason and obligation names the clause of the policy it comes from.
package privacy

import data.privacy.consent
import data.privacy.law
import data.privacy.purposes
import data.privacy.sharing

deny contains r if some r in purposes.deny

deny contains r if some r in consent.deny

deny contains r if some r in sharing.deny

deny contains r if some r in law.deny

# A host's layered rules (policy.WithHostRego: package privacy.host and
# packages under it) add denials and obligations; nothing they define can
# add a ground, so they never relax what the rules above deny.
host_sets(name) := [s |
	walk(data.privacy.host, [p, s])
	count(p) > 0
	p[count(p) - 1] == name
	is_set(s)
]

deny contains r if {
	some s in host_sets("deny")
	some r in s
}

# A host rule named deny or obligations that is not a set (a boolean
# rule, `deny[x] if ...`, which in Rego v1 defines an object, or
# `deny := {...}`) would be skipped by host_sets, and the denial its author
# meant lost without a word: New and Reload refuse such rules, and host
# data holding such a name. A value inside a host's helper (a
# configuration object with a "deny" list) is not a rule, and is left
# alone.

grounds contains r if some r in sharing.allow

grounds contains r if some r in law.allow

obligations contains o if some o in consent.obligations

obligations contains o if some o in sharing.obligations

obligations contains o if some o in law.obligations

obligations contains o if {
	some s in host_sets("obligations")
	some o in s
}

denials := [r | some r in deny]

decision := {
	"allow": false,
	"reasons": denials,
	"obligations": [],
} if {
	count(denials) > 0
} else := {
	"allow": true,
	"reasons": [r | some r in grounds],
	"obligations": [o | some o in obligations],
} if {
	count(grounds) > 0
} else := {
	"allow": false,
	"reasons": [{"code": "no_rule", "clause": ""}],
	"obligations": [],
}
