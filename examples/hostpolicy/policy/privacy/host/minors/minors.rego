# Host rule 1 (an example of an operator's own rule): the geolocation of a
# minor is not processed, whoever asks. It reads the host attribute
# subject.age_group, declared in Go with
#
#	policy.WithAttribute("subject.age_group", "minor", "adult")
#
# and given per Check with policy.WithAttr("subject.age_group", age); and
# the categories to withhold from data.privacy.host.config (data.json).
# A Check that does not give the age group is judged as for a minor: the
# rule protects minors, so it must not fail open when the host leaves the
# attribute out (it is then undefined in the input).
#
# Like every host rule, it can only add denials and obligations: the seed
# policy's decision stays the floor.
package privacy.host.minors

import data.privacy.host.config.minors as cfg

minor if not adult

adult if input.attributes[cfg.age_attribute] == "adult"

deny contains {"code": "minor_location", "clause": "host 1", "categories": withheld} if {
	minor
	withheld := [c | some c in input.categories; c in cfg.restricted_categories]
	count(withheld) > 0
}

# Processing of a minor's other data is allowed as the seed allows it, and
# the host is reminded that a guardian must have agreed.
obligations contains {"code": "guardian_consent", "clause": "host 2"} if minor
