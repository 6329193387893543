package privacy.consent_test

import data.privacy

base := {
	"purpose": "identification",
	"recipient": {"kind": "operator", "confidentiality": false},
	"categories": ["identity"],
	"acceptance": "current",
	"grant": false,
}

codes(d) := {r.code | some r in d.reasons}

test_explicit_consent_purpose_needs_grant_4_1 if {
	d := privacy.decision with data.privacy.host as {} with input as base
		with data.catalog.purposes.identification.explicit_consent as true
	not d.allow
	codes(d) == {"explicit_consent_required"}
}

test_explicit_consent_purpose_allowed_with_grant if {
	d := privacy.decision with data.privacy.host as {} with input as object.union(base, {"grant": true})
		with data.catalog.purposes.identification.explicit_consent as true
	d.allow
}

test_acceptance_alone_suffices_in_seed_catalog if {
	d := privacy.decision with data.privacy.host as {} with input as base
	d.allow
}
