# Clause 4.1: the operator processes data under the policy and the Law of
# the Republic of Kazakhstan "On personal data and their protection" (94-V).
# These are the Law's enforceable rules the engine applies on top of the
# seed. Each fires only on facts the seed is silent about (a recipient
# abroad, a basis the host names, a research purpose), so the seed's
# decisions for domestic processing are unchanged. A host switches them off
# only explicitly (policy.WithoutLaw), which sets data.law.enabled to false.
#
# Articles marked (unconf.) are cited from secondary sources, not yet
# checked against the text of the Law.
package privacy.law

enabled if data.law.enabled == true

# Art. 9 (list unconf.): processing without the subject's consent, in the
# cases the Law lists; the host names the case (input.basis), never the
# engine.
consent_bases := {"law_enforcement", "state_statistics", "constitutional_rights", "media_science", "other_law"}

# Art. 16: a transfer abroad without consent under a ratified treaty, under
# laws protecting the constitutional order, public order, rights, health or
# morals, or to protect rights when consent cannot be had.
cross_border_bases := {"treaty", "other_law", "constitutional_rights", "law_enforcement"}

# consent_basis: the host named a case of art. 9; it stands in for the
# user's acceptance and grants.
consent_basis if {
	enabled
	input.basis in consent_bases
}

allow contains {"code": "law_basis", "clause": "4.1; 94-V art. 9 (unconf.)"} if consent_basis

country := object.get(input.recipient, "country", "KZ")

# outside: a disclosure to a recipient processing data outside Kazakhstan.
outside if {
	input.recipient.kind != "operator"
	country != "KZ"
}

# abroad: outside, in a country the host has not listed as ensuring the
# protection of personal data.
abroad if {
	outside
	not country in data.law.adequate_countries
}

deny contains {"code": "cross_border_consent_required", "clause": "4.1; 94-V art. 16"} if {
	enabled
	abroad
	not input.grant_cross_border
	not input.basis in cross_border_bases
}

# The allow of a transfer abroad says it rested on the user's consent to
# it, so that the disclosure ledger records that basis (7.1).
allow contains {"code": "cross_border_consented", "clause": "4.1; 94-V art. 16"} if {
	enabled
	abroad
	input.grant_cross_border
}

obligations contains {"code": "cross_border_transfer", "clause": "4.1; 94-V art. 16"} if {
	enabled
	outside
}

# Art. 17 (unconf.): data processed for statistical, sociological,
# scientific or marketing research are depersonalised.
obligations contains {"code": "depersonalise", "clause": "4.1; 94-V art. 17 (unconf.)", "categories": input.categories} if {
	enabled
	data.catalog.purposes[input.purpose].depersonalise
}
