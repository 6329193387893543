package privacy_test

import data.privacy

base := {
	"purpose": "payments",
	"recipient": {"kind": "operator", "confidentiality": false},
	"categories": [],
	"acceptance": "current",
	"grant": false,
}

req(patch) := object.union(base, patch)

# The seed's tests judge the seed alone: every query of the decision
# replaces data.privacy.host, so that a host's rules loaded beside them
# (opa test policy/rego examples/hostpolicy/policy) add nothing to it.

codes(d) := {r.code | some r in d.reasons}

clauses(d) := {r.clause | some r in d.reasons}

obligation_codes(d) := {o.code | some o in d.obligations}

test_operator_with_acceptance_allowed if {
	d := privacy.decision with data.privacy.host as {} with input as base
	d.allow
	codes(d) == {"operator_processing"}
	clauses(d) == {"2.1"}
	count(d.obligations) == 0
}

test_operator_without_acceptance_denied_2_1 if {
	d := privacy.decision with data.privacy.host as {} with input as req({"acceptance": "none"})
	not d.allow
	codes(d) == {"acceptance_missing"}
	clauses(d) == {"2.1"}
}

test_withdrawn_acceptance_denies_everything_9_3 if {
	every kind in ["operator", "state_body", "partner", "affiliate", "third_party", "individual", "employee", "contractor"] {
		d := privacy.decision with data.privacy.host as {} with input as req({
			"acceptance": "withdrawn", "grant": true,
			"recipient": {"kind": kind, "confidentiality": true},
		})
		not d.allow
		"acceptance_withdrawn" in codes(d)
		"9.3" in clauses(d)
	}
}

test_outdated_acceptance_allowed_with_9_5_obligation if {
	d := privacy.decision with data.privacy.host as {} with input as req({"acceptance": "outdated"})
	d.allow
	obligation_codes(d) == {"show_current_version"}
	some o in d.obligations
	o.clause == "9.5"
}

test_unknown_acceptance_denied if {
	d := privacy.decision with data.privacy.host as {} with input as req({"acceptance": "maybe"})
	not d.allow
	codes(d) == {"acceptance_unknown"}
}

test_unknown_purpose_denied_3 if {
	d := privacy.decision with data.privacy.host as {} with input as req({"purpose": "marketing"})
	not d.allow
	codes(d) == {"unknown_purpose"}
	clauses(d) == {"3"}
}

test_category_outside_purpose_denied if {
	d := privacy.decision with data.privacy.host as {} with input as req({"purpose": "feedback", "categories": ["contact", "payment_details"]})
	not d.allow
	some r in d.reasons
	r.code == "category_not_permitted"
	r.clause == "3.2"
	r.categories == ["payment_details"]
}

test_default_denies_when_no_rule_grounds_an_allow if {
	d := privacy.decision with data.privacy.host as {} with input as req({"recipient": {"kind": "operator"}})
		with data.privacy.sharing.allow as set()
	not d.allow
	codes(d) == {"no_rule"}
}

test_host_denial_added if {
	d := privacy.decision with input as base
		with data.privacy.host as {"deny": {{"code": "host_no", "clause": "h1"}}}
	not d.allow
	codes(d) == {"host_no"}
}

test_host_nested_obligation_added if {
	d := privacy.decision with input as base
		with data.privacy.host as {"audit": {"obligations": {{"code": "host_audit", "clause": "h2"}}}}
	d.allow
	obligation_codes(d) == {"host_audit"}
}

# Sets named deny or obligations are the host's; values of other names,
# and helpers' values of those names that are not sets (a list in a
# configuration object), change nothing.
test_host_sets_and_other_names_not_malformed if {
	every host in [
		{},
		{"deny": set(), "obligations": set()},
		{"audit": {"deny": set(), "obligations": {{"code": "host_audit", "clause": "h2"}}}},
		{"tags": {"deny", "obligations"}},
		{"config": {"mode": "deny", "denied": true}},
		{"geo": {"countries": {"deny": ["RU"], "allow": ["KZ"]}}},
		{"flags": {"rules": [{"purpose": "marketing", "deny": true}]}},
	] {
		d := privacy.decision with input as base with data.privacy.host as host
		d.allow
		codes(d) == {"operator_processing"}
	}
}

test_host_cannot_add_a_ground if {
	d := privacy.decision with input as req({"acceptance": "none"})
		with data.privacy.host as {
			"allow": {{"code": "host_allow", "clause": "h3"}},
			"grounds": {{"code": "host_allow", "clause": "h3"}},
		}
	not d.allow
	codes(d) == {"acceptance_missing"}
}
