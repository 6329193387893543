package privacy.purposes_test

import data.privacy.purposes

req(patch) := object.union(
	{
		"purpose": "feedback",
		"categories": [],
		"categories_named": true,
		"retention_expired": false,
	},
	patch,
)

codes(input_) := {r.code | some r in purposes.deny with input as input_}

test_listed_purpose_no_categories_passes if {
	count(purposes.deny) == 0 with input as req({})
}

test_listed_purpose_own_categories_pass if {
	count(purposes.deny) == 0 with input as req({"categories": ["contact", "identity"]})
}

test_unknown_purpose_denied_3 if {
	some r in purposes.deny with input as req({"purpose": "marketing"})
	r == {"code": "unknown_purpose", "clause": "3"}
}

test_category_outside_purpose_denied_3_2 if {
	some r in purposes.deny with input as req({"categories": ["contact", "geolocation", "payment_details"]})
	r.code == "category_not_permitted"
	r.clause == "3.2"
	r.categories == ["geolocation", "payment_details"]
}

# The clause is the purpose's own: security is a 3.1 purpose.
test_category_denial_cites_the_purpose_clause if {
	some r in purposes.deny with input as req({"purpose": "security", "categories": ["payment_details"]})
	r.code == "category_not_permitted"
	r.clause == "3.1"
}

test_retention_expired_denied_4_2 if {
	codes(req({"retention_expired": true})) == {"retention_expired"}
}

test_retention_not_expired_passes if {
	codes(req({"retention_expired": false})) == set()
}
