package privacy.host.minors_test

import data.privacy.host.minors

# The input the engine builds, for the location purpose and a state body;
# see policy/rego/decision.rego for every field.
req(patch) := object.union(
	{
		"purpose": "location",
		"recipient": {"kind": "state_body", "country": "KZ", "confidentiality": false},
		"categories": ["device", "geolocation"],
		"categories_named": false,
		"acceptance": "current",
		"grant": false,
		"attributes": {},
	},
	patch,
)

test_minor_location_denied if {
	some r in minors.deny with input as req({"attributes": {"subject.age_group": "minor"}})
	r.code == "minor_location"
	r.categories == ["geolocation"]
}

test_minor_without_location_not_denied if {
	count(minors.deny) == 0 with input as req({
		"purpose": "support",
		"categories": ["contact", "identity"],
		"attributes": {"subject.age_group": "minor"},
	})
}

test_minor_obliges_guardian_consent if {
	some o in minors.obligations with input as req({"attributes": {"subject.age_group": "minor"}})
	o.code == "guardian_consent"
}

test_adult_location_not_denied if {
	count(minors.deny) == 0 with input as req({"attributes": {"subject.age_group": "adult"}})
	count(minors.obligations) == 0 with input as req({"attributes": {"subject.age_group": "adult"}})
}

# An age group left out counts as a minor's: the rule fails closed.
test_age_not_given_counts_as_minor if {
	some r in minors.deny with input as req({})
	r.code == "minor_location"
	some o in minors.obligations with input as req({})
	o.code == "guardian_consent"
}

test_attributes_missing_counts_as_minor if {
	some r in minors.deny with input as object.remove(req({}), ["attributes"])
	r.code == "minor_location"
}

# Under OPA itself the input is whatever the caller sends; only "adult"
# lifts the rule.
test_unknown_age_counts_as_minor if {
	some r in minors.deny with input as req({"attributes": {"subject.age_group": "child"}})
	r.code == "minor_location"
}

# The categories withheld come from data.json; a host may widen them.
test_restricted_categories_from_data if {
	some r in minors.deny with input as req({"attributes": {"subject.age_group": "minor"}, "categories": ["documents"]})
		with data.privacy.host.config.minors.restricted_categories as ["documents"]
	r.categories == ["documents"]
}
