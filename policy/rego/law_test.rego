package privacy.law_test

import data.privacy

base := {
	"purpose": "payments",
	"recipient": {"kind": "partner", "country": "KZ", "confidentiality": false},
	"categories": ["payment_details"],
	"categories_named": true,
	"acceptance": "current",
	"grant": false,
	"grant_cross_border": false,
	"basis": "",
	"retention_expired": false,
}

req(patch) := object.union(base, patch)

abroad(kind) := {"recipient": {"kind": kind, "country": "DE", "confidentiality": true}}

codes(d) := {r.code | some r in d.reasons}

clauses(d) := {r.clause | some r in d.reasons}

obligation_codes(d) := {o.code | some o in d.obligations}

test_domestic_disclosure_untouched_by_law if {
	d := privacy.decision with data.privacy.host as {} with input as base
	d.allow
	not "cross_border_transfer" in obligation_codes(d)
}

# 4.1; 94-V art. 16: every recipient kind abroad needs the cross-border
# consent, 5.1 recipients included.
test_cross_border_needs_flagged_grant_art_16 if {
	every kind in ["state_body", "partner", "affiliate", "third_party", "individual", "employee", "contractor"] {
		d := privacy.decision with data.privacy.host as {} with input as req(object.union(abroad(kind), {"grant": true}))
		not d.allow
		"cross_border_consent_required" in codes(d)
		"4.1; 94-V art. 16" in clauses(d)
	}
}

test_cross_border_allowed_with_flagged_grant_art_16 if {
	d := privacy.decision with data.privacy.host as {} with input as req(object.union(abroad("partner"), {"grant": true, "grant_cross_border": true}))
	d.allow
	codes(d) == {"shared_with_affiliated", "cross_border_consented"}
	"cross_border_transfer" in obligation_codes(d)
}

test_cross_border_allowed_to_adequate_country_art_16 if {
	d := privacy.decision with data.privacy.host as {} with input as req(abroad("partner"))
		with data.law.adequate_countries as ["DE"]
	d.allow
}

test_cross_border_allowed_under_treaty_art_16 if {
	d := privacy.decision with data.privacy.host as {} with input as req(object.union(abroad("partner"), {"basis": "treaty"}))
	d.allow
}

test_operator_is_never_abroad if {
	d := privacy.decision with data.privacy.host as {} with input as req({"recipient": {"kind": "operator", "country": "KZ"}})
	d.allow
}

test_law_off_no_cross_border_rule if {
	d := privacy.decision with data.privacy.host as {} with input as req(abroad("partner"))
		with data.law.enabled as false
	d.allow
}

# 4.1; 94-V art. 9 (unconf.): a basis the host names stands in for consent.
test_basis_stands_in_for_5_2_consent_art_9 if {
	d := privacy.decision with data.privacy.host as {} with input as req({"recipient": {"kind": "third_party", "country": "KZ"}, "basis": "law_enforcement"})
	d.allow
	codes(d) == {"law_basis"}
	clauses(d) == {"4.1; 94-V art. 9 (unconf.)"}
}

test_basis_stands_in_for_acceptance_art_9 if {
	d := privacy.decision with data.privacy.host as {} with input as req({"acceptance": "withdrawn", "recipient": {"kind": "state_body", "country": "KZ"}, "basis": "law_enforcement"})
	d.allow
	"law_basis" in codes(d)
}

test_basis_does_not_relax_commercial_secret if {
	d := privacy.decision with data.privacy.host as {} with input as req({"basis": "law_enforcement", "categories": ["commercial_secret"]})
	not d.allow
	codes(d) == {"commercial_secret"}
}

test_basis_does_not_relax_confidentiality if {
	d := privacy.decision with data.privacy.host as {} with input as req({"basis": "law_enforcement", "recipient": {"kind": "employee", "country": "KZ", "confidentiality": false}})
	not d.allow
	codes(d) == {"confidentiality_required"}
}

test_treaty_is_no_consent_basis if {
	d := privacy.decision with data.privacy.host as {} with input as req({"recipient": {"kind": "third_party", "country": "KZ"}, "basis": "treaty"})
	not d.allow
	codes(d) == {"consent_required"}
}

test_basis_ignored_without_law if {
	d := privacy.decision with data.privacy.host as {} with input as req({"recipient": {"kind": "third_party", "country": "KZ"}, "basis": "law_enforcement"})
		with data.law.enabled as false
	not d.allow
}

# 4.1; 94-V art. 17 (unconf.): research purposes are depersonalised.
test_research_purpose_obliges_depersonalise_art_17 if {
	d := privacy.decision with data.privacy.host as {} with input as base
		with data.catalog.purposes.payments.depersonalise as true
	d.allow
	some o in d.obligations
	o.code == "depersonalise"
	o.categories == ["payment_details"]
}

# 4.1 read strictly: explicit consent for every recipient kind.
test_explicit_consent_every_kind_4_1 if {
	every kind in ["operator", "state_body", "partner", "affiliate", "employee"] {
		d := privacy.decision with data.privacy.host as {} with input as req({"recipient": {"kind": kind, "country": "KZ", "confidentiality": true}})
			with data.catalog.purposes.payments.explicit_consent as true
		not d.allow
		"explicit_consent_required" in codes(d)
	}
}

test_explicit_consent_basis_art_9 if {
	d := privacy.decision with data.privacy.host as {} with input as req({"recipient": {"kind": "state_body", "country": "KZ"}, "basis": "other_law"})
		with data.catalog.purposes.payments.explicit_consent as true
	d.allow
}

# 4.2: data kept beyond the purpose's retention.
test_retention_expired_4_2 if {
	d := privacy.decision with data.privacy.host as {} with input as req({"retention_expired": true})
	not d.allow
	codes(d) == {"retention_expired"}
}

# 3.2: categories implied by the purpose: commercial secret excluded by
# obligation, not denied.
test_implied_categories_5_1 if {
	d := privacy.decision with data.privacy.host as {} with input as req({"categories": ["payment_details", "commercial_secret"], "categories_named": false})
	d.allow
	"exclude_commercial_secret" in obligation_codes(d)
}
