package policy

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"slices"

	"github.com/yasam/privacy/purpose"
)

// ErrNotIssued is returned by [Verify] for a Decision that no engine
// returned, or whose exported fields were changed after an engine did.
var ErrNotIssued = errors.New("policy: decision not issued by an engine, or altered")

// Verify reports, by returning nil, that d was returned by [Engine.Check]
// of some engine (any engine, any policy loaded into it) and that none of
// its exported fields changed since: Allowed, Purpose, Recipient,
// PolicyVersion, LegalBasis, Categories, Reasons and Obligations, the
// contents of those slices included. Otherwise it returns an error
// wrapping [ErrNotIssued]. A zero or hand-built Decision fails.
//
// Code above the engine that keeps a Decision as evidence (the disclosure
// ledger) calls Verify before it trusts one, or [VerifyFor] to check the
// user it was made for as well.
//
// # Threat model
//
// The seal protects against a careless or buggy host: a Decision built by
// hand, copied from a test, edited (a denial with Allowed set to true, a
// Purpose or Recipient swapped, a reason appended) or spliced together from
// two real decisions. It does not protect against code in the same process
// that uses package unsafe or reflection to read or write unexported
// fields: such code can do anything the engine can. A Decision carries an
// unexported pointer to the engine-owned, immutable verdict it was made
// from and a keyed hash (hash/maphash, a random seed per policy snapshot,
// mixed with a random nonce per verdict) of the recipient, the one field
// that varies from Check to Check of one verdict; the seed and nonce never
// leave the package.
func Verify(d Decision) error {
	v := d.issued
	if v == nil {
		return fmt.Errorf("%w: no seal", ErrNotIssued)
	}
	var field string
	switch {
	case d.Allowed != v.allowed:
		field = "Allowed"
	case d.Purpose != v.purpose:
		field = "Purpose"
	case d.PolicyVersion != v.version:
		field = "PolicyVersion"
	case d.LegalBasis != v.legal:
		field = "LegalBasis"
	case !sameSlice(d.Categories, v.categories):
		field = "Categories"
	case !sameSlice(d.Reasons, v.reasons):
		field = "Reasons"
	case !sameSlice(d.Obligations, v.obligations):
		field = "Obligations"
	case v.mac(maphash.String(v.seed, d.Recipient)^d.ID.mix()) != d.mac:
		field = "Recipient or ID"
	case v.contentSum() != v.sum:
		field = "contents of Categories, Reasons or Obligations"
	default:
		return nil
	}
	return fmt.Errorf("%w: %s differs from what the engine decided", ErrNotIssued, field)
}

// VerifyFor is [Verify] for a decision about one user: it returns nil only
// if d was returned by [Engine.Check] for user (the same string) and is
// unaltered. A decision made for another user, or for the same user under
// another spelling, fails with an error wrapping [ErrNotIssued].
//
// Evidence kept per user (the disclosure ledger's Record) calls VerifyFor
// with the subject it records, so that one user's allow cannot be recorded
// as another's. The user is bound by a keyed hash (the policy snapshot's
// seed) mixed with the decision's seal; it is not kept in the Decision.
func VerifyFor(d Decision, user string) error {
	if err := Verify(d); err != nil {
		return err
	}
	if d.issued.userMac(d.mac, maphash.String(d.issued.seed, user)) != d.umac {
		return fmt.Errorf("%w: made for another user", ErrNotIssued)
	}
	return nil
}

// userMac binds a user's hash to a decision's recipient seal mac (and so to
// its verdict and recipient).
func (v *verdict) userMac(mac, userHash uint64) uint64 {
	x := (userHash ^ bits.RotateLeft64(mac, 23) ^ v.nonce) * 0xbf58476d1ce4e5b9
	return x ^ x>>31
}

// sameSlice reports whether a and b are the same slice: same length and,
// when not empty, the same backing array.
func sameSlice[T any](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}

// seal fills the verdict's checksum once it is complete; the verdict must
// not change afterwards.
func (v *verdict) seal() *verdict {
	v.reasons, v.obligations, v.categories = slices.Clip(v.reasons), slices.Clip(v.obligations), slices.Clip(v.categories)
	v.nonce = rand.Uint64()
	v.sum = v.contentSum()
	return v
}

// contentSum hashes everything a verdict says, so that Verify notices a
// host that wrote into the shared slices of a Decision.
func (v *verdict) contentSum() uint64 {
	var h maphash.Hash
	h.SetSeed(v.seed)
	str := func(s string) {
		h.WriteString(s)
		h.WriteByte(0)
	}
	text := func(t purpose.Text) {
		str(t.RU)
		str(t.KK)
		str(t.EN)
	}
	// item hashes a Reason or an Obligation: the same four fields.
	item := func(code, clause string, msg purpose.Text, cats []purpose.Category) {
		str(code)
		str(clause)
		text(msg)
		for _, c := range cats {
			str(string(c))
		}
		h.WriteByte(1)
	}
	if v.allowed {
		h.WriteByte(1)
	}
	str(string(v.purpose))
	str(v.version)
	text(v.legal)
	for _, c := range v.categories {
		str(string(c))
	}
	h.WriteByte(1)
	for _, r := range v.reasons {
		item(r.Code, r.Clause, r.Message, r.Categories)
	}
	h.WriteByte(2)
	for _, o := range v.obligations {
		item(o.Code, o.Clause, o.Message, o.Categories)
	}
	return h.Sum64()
}

// mac binds a recipient's hash (keyed by v.seed) to the verdict v: a
// Decision's Recipient cannot be moved onto another verdict's seal.
func (v *verdict) mac(recipientHash uint64) uint64 {
	x := (recipientHash ^ v.nonce) * 0x9e3779b97f4a7c15
	return x ^ x>>29
}

// issue returns the Decision for recipient and user made from the sealed
// verdict v, with the decision ID id; rh is maphash.String(v.seed,
// recipient), which the engine computes once per registered recipient
// rather than on every Check. The ID is mixed into the seal, and the user is
// bound by its hash with the same seed (see [VerifyFor]); hashing a string
// allocates nothing.
func issue(v *verdict, recipient string, rh uint64, user string, id DecisionID) Decision {
	var d Decision
	issueTo(&d, v, recipient, rh, user, id)
	return d
}

// issueTo is issue writing into d, which Check passes from its own result
// so that the Decision is built once, where it is returned.
func issueTo(d *Decision, v *verdict, recipient string, rh uint64, user string, id DecisionID) {
	mac := v.mac(rh ^ id.mix())
	*d = Decision{
		Allowed:       v.allowed,
		Purpose:       v.purpose,
		Recipient:     recipient,
		Reasons:       v.reasons,
		Obligations:   v.obligations,
		Categories:    v.categories,
		PolicyVersion: v.version,
		LegalBasis:    v.legal,
		ID:            id,
		issued:        v,
		mac:           mac,
		umac:          v.userMac(mac, maphash.String(v.seed, user)),
	}
}

// zeroEngineDenial is the denial of the zero Engine, which has no snapshot
// and so no seed of its own.
func zeroEngineDenial(p purpose.ID, recipient, user string) Decision {
	v := &verdict{
		purpose: p,
		reasons: []Reason{{Code: string(CodePolicyError), Message: messageOf(embeddedMessages(), string(CodePolicyError))}},
		seed:    maphash.MakeSeed(),
	}
	v.seal()
	return issue(v, recipient, maphash.String(v.seed, recipient), user, newIDSource().next())
}
