package privacy.sharing_test

import data.privacy

req(kind, patch) := object.union(
	{
		"purpose": "support",
		"recipient": {"kind": kind, "confidentiality": false},
		"categories": [],
		"acceptance": "current",
		"grant": false,
	},
	patch,
)

codes(d) := {r.code | some r in d.reasons}

clauses(d) := {r.clause | some r in d.reasons}

obligation_codes(d) := {o.code | some o in d.obligations}

test_5_1_kinds_allowed_with_exclusion_of_commercial_secret if {
	every kind in ["state_body", "partner", "affiliate"] {
		d := privacy.decision with data.privacy.host as {} with input as req(kind, {})
		d.allow
		codes(d) == {"shared_with_affiliated"}
		clauses(d) == {"5.1"}
		obligation_codes(d) == {"exclude_commercial_secret", "record_disclosure"}
		some o in d.obligations
		o.code == "exclude_commercial_secret"
		o.categories == ["commercial_secret"]
	}
}

test_5_1_kinds_denied_commercial_secret if {
	every kind in ["state_body", "partner", "affiliate"] {
		d := privacy.decision with data.privacy.host as {} with input as req(kind, {"purpose": "payments", "categories": ["commercial_secret", "payment_details"]})
		not d.allow
		codes(d) == {"commercial_secret"}
		clauses(d) == {"5.1"}
	}
}

test_5_2_kinds_denied_without_grant if {
	every kind in ["third_party", "individual"] {
		d := privacy.decision with data.privacy.host as {} with input as req(kind, {})
		not d.allow
		codes(d) == {"consent_required"}
		clauses(d) == {"5.2"}
	}
}

test_5_2_kinds_allowed_with_grant if {
	every kind in ["third_party", "individual"] {
		d := privacy.decision with data.privacy.host as {} with input as req(kind, {"grant": true})
		d.allow
		codes(d) == {"consent_granted"}
		obligation_codes(d) == {"record_disclosure"}
	}
}

test_5_2_grant_does_not_survive_missing_acceptance if {
	d := privacy.decision with data.privacy.host as {} with input as req("third_party", {"grant": true, "acceptance": "none"})
	not d.allow
	codes(d) == {"acceptance_missing"}
}

test_6_3_staff_denied_without_confidentiality if {
	every kind in ["employee", "contractor"] {
		d := privacy.decision with data.privacy.host as {} with input as req(kind, {})
		not d.allow
		codes(d) == {"confidentiality_required"}
		clauses(d) == {"6.3"}
	}
}

test_6_3_staff_allowed_with_confidentiality if {
	every kind in ["employee", "contractor"] {
		d := privacy.decision with data.privacy.host as {} with input as req(kind, {"recipient": {"kind": kind, "confidentiality": true}})
		d.allow
		codes(d) == {"confidentiality_agreed"}
		obligation_codes(d) == {"record_disclosure"}
	}
}

test_unknown_kind_denied if {
	d := privacy.decision with data.privacy.host as {} with input as req("auditor", {})
	not d.allow
	codes(d) == {"unknown_recipient_kind"}
}

test_operator_records_no_disclosure if {
	d := privacy.decision with data.privacy.host as {} with input as req("operator", {})
	d.allow
	not "record_disclosure" in obligation_codes(d)
}
