# Clause 3: processing only for the purposes the policy lists, and only with
# the categories of data each purpose may use.
package privacy.purposes

deny contains {"code": "unknown_purpose", "clause": "3"} if {
	not data.catalog.purposes[input.purpose]
}

deny contains {"code": "category_not_permitted", "clause": p.clause, "categories": extra} if {
	p := data.catalog.purposes[input.purpose]
	extra := [c | some c in input.categories; not c in p.categories]
	count(extra) > 0
}

# 4.2: data kept beyond the purpose's retention (the catalog's; the engine
# compares the collection time the host gives with its clock).
deny contains {"code": "retention_expired", "clause": "4.2"} if {
	input.retention_expired == true
}
