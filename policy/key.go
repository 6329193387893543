package policy

import (
	"github.com/yasam/privacy/internal/regoeval"
	"github.com/yasam/privacy/purpose"
)

// This file holds the decision key: everything a decision depends on,
// packed by Check (the plain fields and the setters below) and unpacked
// into the Rego input in one place, [snapshot.unpack].

// acceptance is the user's standing towards the policy in force, resolved
// in Go before a decision is asked for.
type acceptance uint8

const (
	acceptNone acceptance = iota
	acceptWithdrawn
	acceptCurrent
	acceptOutdated
)

func (a acceptance) String() string {
	switch a {
	case acceptWithdrawn:
		return "withdrawn"
	case acceptCurrent:
		return "current"
	case acceptOutdated:
		return "outdated"
	}
	return "none"
}

// decisionKey is the whole input of one decision, in small integers so that
// hashing it is cheap. The default Rego reads nothing else, and the engine
// forbids non-deterministic builtins while the cache is on, so equal keys
// get equal decisions.
//
// Its fields are laid out with no padding (32 bytes: TestDecisionKeyLayout),
// which lets the map hash it as one block of memory rather than field by
// field.
type decisionKey struct {
	categories  uint64 // bit i: the catalog's category i
	attrs       uint64 // host attributes, packed (see attribute)
	purpose     uint16 // index into snapshot.purposeIDs
	country     uint16 // see countryKey
	version     uint32 // index into the timeline: the version in force
	kind        uint8  // index into recipientKinds
	accept      acceptance
	basis       uint8 // index into bases: the Law's ground named, if any
	confident   bool
	grant       bool
	implied     bool // no category named: categories are the purpose's own
	expired     bool // collected before now minus the purpose's retention (4.2)
	crossBorder bool // the active grant allows a transfer abroad (art. 16)
}

// countryKey packs an ISO 3166-1 alpha-2 code into the decision key;
// Kazakhstan, the default, is 0.
func countryKey(c string) uint16 {
	if c == "" || c == "KZ" {
		return 0
	}
	return uint16(c[0])<<8 | uint16(c[1])
}

func countryCode(k uint16) string {
	if k == 0 {
		return "KZ"
	}
	return string([]byte{byte(k >> 8), byte(k)})
}

// setAttr packs value index i (from 1) of attribute a into k.
func (k *decisionKey) setAttr(a *attribute, i uint64) {
	k.attrs = k.attrs&^((1<<a.width-1)<<a.shift) | i<<a.shift
}

// addCategory packs the catalog's category i into k.
func (k *decisionKey) addCategory(i int) {
	k.categories |= 1 << i
}

// unpack returns the Rego input of key, and the categories it judges in
// catalog order.
func (e *snapshot) unpack(key decisionKey) (regoeval.Input, []purpose.Category) {
	in := regoeval.Input{
		Purpose:          string(e.purposeIDs[key.purpose]),
		RecipientKind:    recipientKinds[key.kind],
		Country:          countryCode(key.country),
		Confidentiality:  key.confident,
		Acceptance:       key.accept.String(),
		Grant:            key.grant,
		GrantCrossBorder: key.crossBorder,
		CategoriesNamed:  !key.implied,
		Basis:            string(bases[key.basis]),
		RetentionExpired: key.expired,
		Attributes:       e.attributeValues(key.attrs),
		Categories:       []string{},
	}
	var judged []purpose.Category
	for i := 0; key.categories>>i != 0; i++ {
		if key.categories&(1<<i) != 0 {
			judged = append(judged, e.catalog.CategoryAt(i))
			in.Categories = append(in.Categories, string(e.catalog.CategoryAt(i)))
		}
	}
	return in, judged
}

// attributes returns the attribute values packed in key, as the Rego
// input's object.
func (e *snapshot) attributeValues(packed uint64) map[string]string {
	if packed == 0 {
		return nil
	}
	out := map[string]string{}
	for _, a := range e.attrOrder {
		i := packed >> a.shift & (1<<a.width - 1)
		if i > 0 {
			out[a.name] = a.byIdx[i-1]
		}
	}
	return out
}
