package policy

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/purpose"
)

// timeline is the policy's versions ordered by publication (9.1, 9.2): the
// version in force at an instant is the latest published at or before it.
// Its index is what a decision key holds.
type timeline struct {
	versions []Version
	pub      []int64 // Published in Unix nanoseconds; a zero Published is math.MinInt64
	byID     map[string]int
	strict   bool // WithPriorVersions given: acceptance of another version counts as none
}

// inForce caches which version is in force and until when, so that a
// Check compares one int64 instead of searching the timeline.
type inForce struct {
	idx  int   // index into timeline.versions; -1 when none is in force yet
	from int64 // in force since (math.MinInt64: since always)
	next int64 // the next publication (math.MaxInt64: none scheduled)
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixNano()
}

// newTimeline orders the versions; at equal publication times the one given
// with WithVersion wins, then later prior versions over earlier ones.
func newTimeline(current Version, prior []Version) (timeline, error) {
	all := append(slices.Clone(prior), current)
	tl := timeline{byID: make(map[string]int, len(all)), strict: prior != nil}
	if len(all) > maxVersions {
		return tl, fmt.Errorf("%w: %d versions, at most %d", ErrInvalidConfig, len(all), maxVersions)
	}
	seen := map[string]bool{}
	for _, v := range all {
		if v.ID == "" {
			return tl, fmt.Errorf("%w: a policy version has no ID", ErrInvalidConfig)
		}
		if seen[v.ID] {
			return tl, fmt.Errorf("%w: policy version %s given twice (a prior version cannot be the one given with WithVersion)", ErrInvalidConfig, clip.Quote(v.ID, maxQuote))
		}
		seen[v.ID] = true
	}
	sort.SliceStable(all, func(i, j int) bool { return unixNano(all[i].Published) < unixNano(all[j].Published) })
	for i, v := range all {
		tl.versions = append(tl.versions, v)
		tl.pub = append(tl.pub, unixNano(v.Published))
		tl.byID[v.ID] = i
	}
	return tl, nil
}

// at returns which version is in force at t (Unix nanoseconds).
func (tl *timeline) at(t int64) *inForce {
	// the first publication after t
	i := sort.Search(len(tl.pub), func(i int) bool { return tl.pub[i] > t })
	f := &inForce{idx: i - 1, from: math.MinInt64, next: math.MaxInt64}
	if i > 0 {
		f.from = tl.pub[i-1]
	}
	if i < len(tl.pub) {
		f.next = tl.pub[i]
	}
	return f
}

// inForce returns the version in force now. With no publication scheduled
// after the one in force it reads no clock: one comparison. So a clock set
// back after the latest version took force is not noticed by Check (it
// keeps the latest version); VersionAt answers for any instant.
func (e *snapshot) inForce() *inForce {
	f := e.vf.Load()
	if f.next == math.MaxInt64 && f.idx >= 0 {
		return f
	}
	now := e.now().UnixNano()
	if now >= f.next || now < f.from {
		f = e.tl.at(now)
		e.vf.Store(f)
	}
	return f
}

// VersionAt returns the version of the policy in force at t, the latest
// published at or before it, and reports whether there is one.
func (e *Engine) VersionAt(t time.Time) (Version, bool) {
	s := e.current()
	if s == nil {
		return Version{}, false
	}
	f := s.tl.at(t.UnixNano())
	if f.idx < 0 {
		return Version{}, false
	}
	return s.tl.versions[f.idx], true
}

// Versions returns every version the engine knows, oldest publication
// first.
func (e *Engine) Versions() []Version {
	s := e.current()
	if s == nil {
		return nil
	}
	return slices.Clone(s.tl.versions)
}

func (tl *timeline) has(id string) bool {
	_, ok := tl.byID[id]
	return ok
}

// ChangeKind names a way a policy widens processing compared with an
// earlier one.
type ChangeKind string

// The kinds of widening [Widenings] reports.
const (
	// NewPurpose: the catalog has a purpose the earlier one did not.
	NewPurpose ChangeKind = "new_purpose"
	// NewCategory: a purpose may use a category it could not before.
	NewCategory ChangeKind = "new_category"
	// NewRecipient: a recipient is registered that was not before.
	NewRecipient ChangeKind = "new_recipient"
	// NewRecipientKind: data go to a kind of recipient none went to before,
	// or a registered recipient changed kind.
	NewRecipientKind ChangeKind = "new_recipient_kind"
	// NewCountry: a recipient processes data in a country it did not
	// before.
	NewCountry ChangeKind = "new_country"
	// ExplicitConsentDropped: a purpose no longer needs the explicit
	// consent of 4.1.
	ExplicitConsentDropped ChangeKind = "explicit_consent_dropped"
	// RetentionExtended: a purpose keeps data longer (4.2).
	RetentionExtended ChangeKind = "retention_extended"
	// RulesChanged: the Rego differs; whether it widens processing takes
	// a person to read it.
	RulesChanged ChangeKind = "rules_changed"
	// LawLayerChanged: the Law's layer was switched off, or the countries
	// held adequate grew.
	LawLayerChanged ChangeKind = "law_layer_changed"
)

// Change is one widening of processing from one policy to the next.
type Change struct {
	Kind      ChangeKind
	Purpose   purpose.ID       // for purpose and category changes
	Category  purpose.Category // for NewCategory
	Recipient string           // for recipient changes
}

// Widenings compares the policy loaded in after with the one in before
// (catalog, recipients, rules) and reports the changes that widen
// processing: a new purpose, a new category for a purpose, a new recipient
// or recipient kind, a recipient abroad, a dropped explicit consent, a
// longer retention, changed rules. A host that publishes the new version
// notifies its users of these (9.5). Narrowing changes are not reported.
// Either engine being the zero Engine reports nothing.
func Widenings(before, after *Engine) []Change {
	b, a := before.current(), after.current()
	if b == nil || a == nil {
		return nil
	}
	var out []Change
	for _, p := range a.catalog.Purposes() {
		old, ok := b.catalog.Lookup(p.ID)
		if !ok {
			out = append(out, Change{Kind: NewPurpose, Purpose: p.ID})
			continue
		}
		for _, c := range p.Categories {
			if !old.Uses(c) {
				out = append(out, Change{Kind: NewCategory, Purpose: p.ID, Category: c})
			}
		}
		if old.ExplicitConsent && !p.ExplicitConsent {
			out = append(out, Change{Kind: ExplicitConsentDropped, Purpose: p.ID})
		}
		if !old.Retention.Unlimited() && (p.Retention.Unlimited() || p.Retention.Period > old.Retention.Period) {
			out = append(out, Change{Kind: RetentionExtended, Purpose: p.ID})
		}
	}
	kinds := map[disclosure.Kind]bool{}
	for _, r := range b.recipients {
		kinds[r.Kind] = true
	}
	ids := make([]string, 0, len(a.recipients))
	for id := range a.recipients {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r := a.recipients[id]
		old, ok := b.recipients[id]
		switch {
		case !ok:
			out = append(out, Change{Kind: NewRecipient, Recipient: id})
			if !kinds[r.Kind] {
				out = append(out, Change{Kind: NewRecipientKind, Recipient: id})
			}
		case old.Kind != r.Kind:
			out = append(out, Change{Kind: NewRecipientKind, Recipient: id})
		}
		if countryCode(r.country) != "KZ" && (!ok || old.country != r.country) {
			out = append(out, Change{Kind: NewCountry, Recipient: id})
		}
	}
	if a.rulesSum != b.rulesSum {
		out = append(out, Change{Kind: RulesChanged})
	}
	if (b.law && !a.law) || slices.ContainsFunc(a.adequate, func(c string) bool { return !slices.Contains(b.adequate, c) }) {
		out = append(out, Change{Kind: LawLayerChanged})
	}
	return out
}
