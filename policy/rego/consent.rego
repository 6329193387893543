# Clauses 2.1 and 9: processing rests on the user's acceptance of the policy.
# Using the services means accepting it (2.1); a user who disagrees with a
# change stops using them (9.3), which withdraws acceptance; an acceptance of
# an older version still stands for continued use (9.2), but the user must be
# shown the version in force (9.5).
package privacy.consent

deny contains {"code": "acceptance_missing", "clause": "2.1"} if {
	input.acceptance == "none"
}

deny contains {"code": "acceptance_withdrawn", "clause": "9.3"} if {
	input.acceptance == "withdrawn"
}

deny contains {"code": "acceptance_unknown", "clause": "2.1"} if {
	not input.acceptance in {"none", "withdrawn", "current", "outdated"}
}

# 4.1: a purpose the catalog marks for explicit consent needs a grant on top
# of acceptance, even for the operator's own processing.
deny contains {"code": "explicit_consent_required", "clause": "4.1"} if {
	data.catalog.purposes[input.purpose].explicit_consent
	input.recipient.kind == "operator"
	not input.grant
}

obligations contains {"code": "show_current_version", "clause": "9.5"} if {
	input.acceptance == "outdated"
}
