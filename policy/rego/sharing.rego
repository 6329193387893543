# Clauses 5 and 6.3: who data may be handed to, by recipient kind.
package privacy.sharing

import data.privacy.law

# 5.1: state bodies, partners and affiliated companies.
shared_51 := {"state_body", "partner", "affiliate"}

# 5.2: companies not affiliated with the operator and private individuals.
consent_52 := {"third_party", "individual"}

# 6.3: staff and contractors.
staff_63 := {"employee", "contractor"}

kind := input.recipient.kind

known_kinds := {
	"operator",
	"state_body", "partner", "affiliate",
	"third_party", "individual",
	"employee", "contractor",
}

allow contains {"code": "operator_processing", "clause": "2.1"} if {
	kind == "operator"
}

allow contains {"code": "shared_with_affiliated", "clause": "5.1"} if {
	kind in shared_51
}

# Categories the request did not name are the purpose's own (3.2): a
# commercial secret among them is excluded by the obligation below, a
# named one denied.
deny contains {"code": "commercial_secret", "clause": "5.1", "categories": ["commercial_secret"]} if {
	kind in shared_51
	"commercial_secret" in input.categories
	not input.categories_named == false
}

obligations contains {"code": "exclude_commercial_secret", "clause": "5.1", "categories": ["commercial_secret"]} if {
	kind in shared_51
}

allow contains {"code": "consent_granted", "clause": "5.2"} if {
	kind in consent_52
	input.grant
}

deny contains {"code": "consent_required", "clause": "5.2"} if {
	kind in consent_52
	not input.grant
	not law.consent_basis
}

allow contains {"code": "confidentiality_agreed", "clause": "6.3"} if {
	kind in staff_63
	input.recipient.confidentiality
}

deny contains {"code": "confidentiality_required", "clause": "6.3"} if {
	kind in staff_63
	not input.recipient.confidentiality
}

deny contains {"code": "unknown_recipient_kind", "clause": "5"} if {
	not kind in known_kinds
}

# 7.1: every disclosure is recorded with the basis it rested on, so that the
# exceptions to the operator's liability can be shown later.
obligations contains {"code": "record_disclosure", "clause": "7.1"} if {
	kind != "operator"
}
