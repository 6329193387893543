# Clauses 2.1 and 9: processing rests on the user's acceptance of the policy.
# Using the services means accepting it (2.1); a user who disagrees with a
# change stops using them (9.3), which withdraws acceptance; an acceptance of
# an older version still stands for continued use (9.2), but the user must be
# shown the version in force (9.5).
package privacy.consent

import data.privacy.law

# A basis of the Law the host names (art. 9) stands in for acceptance.
deny contains {"code": "acceptance_missing", "clause": "2.1"} if {
	input.acceptance == "none"
	not law.consent_basis
}

deny contains {"code": "acceptance_withdrawn", "clause": "9.3"} if {
	input.acceptance == "withdrawn"
	not law.consent_basis
}

deny contains {"code": "acceptance_unknown", "clause": "2.1"} if {
	not input.acceptance in {"none", "withdrawn", "current", "outdated"}
}

# 4.1: a purpose the catalog marks for explicit consent needs this user's
# grant for this purpose and recipient on top of acceptance, for every
# recipient kind (the operator's own processing, state bodies and staff
# included), unless the host names a basis of the Law (art. 9).
deny contains {"code": "explicit_consent_required", "clause": "4.1"} if {
	data.catalog.purposes[input.purpose].explicit_consent
	not input.grant
	not law.consent_basis
}

obligations contains {"code": "show_current_version", "clause": "9.5"} if {
	input.acceptance == "outdated"
}
