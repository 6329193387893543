package consent

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/yasam/privacy/purpose"
)

// Acceptance is a user's standing acceptance of the policy (2.1, 9).
type Acceptance struct {
	// Version is the policy version last accepted; empty if never.
	Version string
	// At is when that version was accepted.
	At time.Time
	// Withdrawn reports whether the user withdrew acceptance after it (9.3).
	Withdrawn bool
	// WithdrawnAt is when acceptance was withdrawn.
	WithdrawnAt time.Time
	// Until is the end of the acceptance's term; zero means none stated.
	Until time.Time
}

// Standing reports whether acceptance of some version is on record and not
// withdrawn. It does not look at the term: see [Acceptance.StandingAt].
func (a Acceptance) Standing() bool { return a.Version != "" && !a.Withdrawn }

// StandingAt reports whether the acceptance stands at time t: on record,
// not withdrawn, and within its term if it has one.
func (a Acceptance) StandingAt(t time.Time) bool {
	return a.Standing() && (a.Until.IsZero() || t.Before(a.Until))
}

// GrantRecord is the latest word of a user on one scope.
type GrantRecord struct {
	Scope Scope
	// Granted reports whether the grant stands: the latest event for the
	// scope is a grant (not a withdrawal) and no withdrawal of acceptance
	// after it voided it.
	Granted bool
	// VoidedAt is set when the latest event for the scope is a grant that a
	// withdrawal of acceptance (9.3) voided: the time of that withdrawal,
	// the first one dated at or after the grant. Granted is then false, and
	// stays so until the user grants the scope anew, whatever acceptance
	// follows. VoidedBy is that withdrawal's event ID.
	VoidedAt time.Time
	VoidedBy string
	// At is the time of that latest event.
	At time.Time
	// Until is the end of the grant's term; zero means no term.
	Until time.Time
	// Channel, Evidence, Flags, Operator, Categories and EventID come from
	// the latest event.
	Channel    Channel
	Evidence   string
	Flags      Flags
	Operator   Operator
	Categories []purpose.Category
	EventID    string
}

// Covers reports whether the grant covers data of the categories cs: a
// grant that lists the data it was given for ([WithData], art. 8 p.4 of
// the Law) covers those only, one that lists none covers whatever its
// purpose uses.
func (g GrantRecord) Covers(cs []purpose.Category) bool {
	if len(g.Categories) == 0 {
		return true
	}
	for _, c := range cs {
		if !slices.Contains(g.Categories, c) {
			return false
		}
	}
	return true
}

// Voided reports whether a withdrawal of acceptance voided the grant.
func (g GrantRecord) Voided() bool { return !g.VoidedAt.IsZero() }

// ActiveAt reports whether the record allows processing at time t: a grant,
// not withdrawn, whose term (if any) has not ended by t. A grant counts from
// the moment it is on record, whatever time it carries: its time orders it
// against withdrawals, it does not defer it.
func (g GrantRecord) ActiveAt(t time.Time) bool {
	return g.Granted && (g.Until.IsZero() || t.Before(g.Until))
}

// State is a user's consent as derived from the log. It is immutable: the
// methods that change it return a new State and leave the receiver as it
// was, so a State can be shared between goroutines and cached freely.
type State struct {
	subject    string
	acceptance Acceptance
	// A scope's latest record is in recent, if there, else in grants.
	// Both are shared between states and never modified once shared.
	// Bringing a cached state forward by one event (as a store does
	// for every append it learns of) so copies at most maxRecent
	// pointers, where a copy of grants costs O(scopes); grants takes
	// recent in once it is full, or on the first change a Folder makes.
	// Records are shared too, and never modified: copying grants copies
	// pointers.
	grants map[Scope]*GrantRecord
	recent []*GrantRecord
	voids  []void // withdrawals of acceptance, by time; shared, never modified
	n      int
	// latestSec and latestNs bound the instants the state holds: none is
	// later than this instant (Unix seconds and nanoseconds; the zero
	// value, 1970, bounds a state of earlier events), the latest of the
	// events applied. A store asks HoldsInstant of every event it brings
	// a state forward by, and those are almost always newer than all the
	// state holds, a hot user's within the same second.
	latestSec int64
	latestNs  int32
}

// after reports whether t is after the latest instant applied to s.
func (s *State) after(t time.Time) bool {
	sec := t.Unix()
	return sec > s.latestSec || (sec == s.latestSec && int32(t.Nanosecond()) > s.latestNs)
}

// maxRecent bounds State.recent: a lookup scans it before the map.
const maxRecent = 8

// recentIndex returns the index of sc's record in recent, or -1.
func (s *State) recentIndex(sc Scope) int {
	for i, r := range s.recent {
		if r.Scope == sc {
			return i
		}
	}
	return -1
}

// grant returns the latest record for sc.
func (s *State) grant(sc Scope) (GrantRecord, bool) {
	if i := s.recentIndex(sc); i >= 0 {
		return *s.recent[i], true
	}
	if g, ok := s.grants[sc]; ok {
		return *g, true
	}
	return GrantRecord{}, false
}

// shadowed reports whether recent holds sc, whose record in grants is
// then out of date.
func (s *State) shadowed(sc Scope) bool { return s.recentIndex(sc) >= 0 }

// eachGrant calls f with every scope's latest record, in no order, until
// f returns false.
func (s *State) eachGrant(f func(GrantRecord) bool) {
	for _, r := range s.recent {
		if !f(*r) {
			return
		}
	}
	for k, g := range s.grants {
		if len(s.recent) > 0 && s.shadowed(k) {
			continue
		}
		if !f(*g) {
			return
		}
	}
}

// void is a withdrawal of acceptance on record.
type void struct {
	at time.Time
	id string
}

// Subject returns the user the state belongs to.
func (s State) Subject() string { return s.subject }

// Acceptance returns the user's standing acceptance of the policy.
func (s State) Acceptance() Acceptance { return s.acceptance }

// Accepted reports whether acceptance of some policy version is on record
// and not withdrawn.
func (s State) Accepted() bool { return s.acceptance.Standing() }

// Events returns how many events were folded into the state.
func (s State) Events() int { return s.n }

// Grant returns the latest record for purpose p and recipient, and reports
// whether there is one.
func (s State) Grant(p purpose.ID, recipient string) (GrantRecord, bool) {
	return s.grant(Scope{p, recipient})
}

// AcceptedAt reports whether acceptance stands at time t: on record, not
// withdrawn, within its term.
func (s State) AcceptedAt(t time.Time) bool { return s.acceptance.StandingAt(t) }

// Granted reports whether a grant for purpose p and recipient is active at
// time t: granted, not withdrawn, not voided by a later withdrawal of
// acceptance, within its term. It says nothing of acceptance itself, which
// the grant also rests on (see [State.AcceptedAt]).
func (s State) Granted(p purpose.ID, recipient string, t time.Time) bool {
	g, ok := s.grant(Scope{p, recipient})
	return ok && g.ActiveAt(t)
}

// Grants returns every scope's record, sorted by purpose then recipient.
func (s State) Grants() []GrantRecord {
	if len(s.grants)+len(s.recent) == 0 {
		return nil
	}
	out := make([]GrantRecord, 0, len(s.grants)+len(s.recent))
	s.eachGrant(func(g GrantRecord) bool {
		out = append(out, g)
		return true
	})
	slices.SortFunc(out, func(a, b GrantRecord) int {
		return cmp.Or(cmp.Compare(a.Scope.Purpose, b.Scope.Purpose), cmp.Compare(a.Scope.Recipient, b.Scope.Recipient))
	})
	return out
}

// HoldsInstant reports whether a record s holds is dated at t: the
// acceptance or its withdrawal, any withdrawal of acceptance on record
// (an earlier one too: it voids grants dated at or before it), or a
// scope's latest record or that record's void. A store that brings a
// state forward by applying newer events needs to know: events of one
// instant fold in log order, which the state no longer records. It
// allocates nothing.
func (s State) HoldsInstant(t time.Time) bool {
	if s.after(t) {
		return false
	}
	if t.Equal(s.acceptance.At) || t.Equal(s.acceptance.WithdrawnAt) {
		return true
	}
	if _, ok := slices.BinarySearchFunc(s.voids, t, func(v void, t time.Time) int { return v.at.Compare(t) }); ok {
		return true
	}
	for _, r := range s.recent {
		if t.Equal(r.At) || (r.Voided() && t.Equal(r.VoidedAt)) {
			return true
		}
	}
	for k, g := range s.grants {
		if (t.Equal(g.At) || (g.Voided() && t.Equal(g.VoidedAt))) && !s.shadowed(k) {
			return true
		}
	}
	return false
}

// NewState returns the state of a user with no events.
func NewState(subject string) State { return State{subject: subject} }

// Apply returns the state with e folded in. An event about another subject
// is ignored. Events older than what the state already holds for the same
// scope (or for acceptance) do not override it, which makes the result
// independent of arrival order when times differ. Among equal times a
// withdrawal stands: a grant dated at the instant of a withdrawal of its
// scope, or of acceptance, does not override it, and an acceptance dated
// at the instant of a withdrawal of acceptance does not either, whichever
// was applied first, since the order of one instant's choices is not
// known (a clock with coarse ticks, a retried withdrawal taken for the
// first one). Otherwise the later applied wins.
//
// Apply never changes s (states are shared). A call that changes a
// grant copies a few pointers, and one in every few of them copies the
// grants; one that a withdrawal of acceptance changes copies them too. To
// fold many events, use a [Folder].
func (s State) Apply(e Event) State {
	var ownGrants, ownVoids bool
	s.apply(e, &ownGrants, &ownVoids, false)
	return s
}

// apply folds e into s. *ownGrants and *ownVoids say whether s's grants
// and voids belong to the caller, who may then have them written in
// place; otherwise they are copied on their first change, and owned from
// then on. A fold (a Folder, which goes on changing the grants it owns)
// does so for a grant too; one event's Apply puts it in recent.
func (s *State) apply(e Event, ownGrants, ownVoids *bool, fold bool) {
	if e.Subject != s.subject {
		return
	}
	s.n++
	if s.after(e.At) {
		s.latestSec, s.latestNs = e.At.Unix(), int32(e.At.Nanosecond())
	}
	switch e.Action {
	case ActionAcceptPolicy:
		switch {
		case e.At.Before(s.acceptance.At):
			// Older than the acceptance on record.
		case !s.acceptance.Withdrawn || e.At.After(s.acceptance.WithdrawnAt):
			s.acceptance = Acceptance{Version: e.PolicyVersion, At: e.At, Until: e.Until}
		default:
			// Dated at or before the withdrawal on record (recorded late,
			// or at the same instant): the acceptance that withdrawal
			// withdrew.
			s.acceptance.Version, s.acceptance.At, s.acceptance.Until = e.PolicyVersion, e.At, e.Until
		}
	case ActionWithdrawAcceptance:
		if !e.At.Before(s.acceptance.At) && !e.At.Before(s.acceptance.WithdrawnAt) {
			s.acceptance.Withdrawn = true
			s.acceptance.WithdrawnAt = e.At
		}
		s.voidGrants(e, ownGrants, ownVoids)
	case ActionGrant, ActionWithdraw:
		if old, ok := s.grant(e.Scope); ok {
			if e.At.Before(old.At) {
				return
			}
			if e.Action == ActionGrant && e.At.Equal(old.At) && !old.Granted && !old.Voided() {
				return // a withdrawal of the same instant stands
			}
		}
		g := GrantRecord{
			Scope: e.Scope, Granted: e.Action == ActionGrant, At: e.At, Until: e.Until,
			Channel: e.Channel, Evidence: e.Evidence, Flags: e.Flags, Operator: e.Operator,
			Categories: e.Categories, EventID: e.ID,
		}
		if g.Granted {
			// A grant recorded late, dated at or before a withdrawal of
			// acceptance on record, was voided by it (9.3).
			i, _ := slices.BinarySearchFunc(s.voids, e.At, func(v void, t time.Time) int {
				if v.at.Before(t) {
					return -1
				}
				return 1
			})
			if i < len(s.voids) {
				g.Granted, g.VoidedAt, g.VoidedBy = false, s.voids[i].at, s.voids[i].id
			}
		}
		s.setGrant(g, ownGrants, fold)
	}
}

// setGrant makes g its scope's latest record. Owned grants, or a fold's,
// take it in place (a fold copies them first); otherwise it goes into a
// copy of recent, unless recent is full, when grants are copied and take
// it.
func (s *State) setGrant(g GrantRecord, own *bool, fold bool) {
	if !fold && !*own {
		i := s.recentIndex(g.Scope)
		if i >= 0 || len(s.recent) < maxRecent {
			r := &g
			recent := make([]*GrantRecord, len(s.recent), len(s.recent)+1)
			copy(recent, s.recent)
			if i >= 0 {
				recent[i] = r
			} else {
				recent = append(recent, r)
			}
			s.recent = recent
			return
		}
	}
	s.ownGrants(own, 1)
	s.grants[g.Scope] = &g
}

// ownGrants makes s's grants its own, with recent taken in (a copy with
// room for extra more), unless *own says they are already. Owned grants
// have no recent.
func (s *State) ownGrants(own *bool, extra int) {
	if *own && s.grants != nil {
		return
	}
	grants := make(map[Scope]*GrantRecord, len(s.grants)+len(s.recent)+extra)
	maps.Copy(grants, s.grants)
	for _, r := range s.recent {
		grants[r.Scope] = r
	}
	s.grants, s.recent, *own = grants, nil, true
}

// voidGrants folds in a withdrawal of acceptance (9.3): every grant dated
// at or before it is void, and stays void until granted anew. A grant
// already voided by a later withdrawal is credited to this earlier one.
func (s *State) voidGrants(e Event, ownGrants, ownVoids *bool) {
	i, _ := slices.BinarySearchFunc(s.voids, e.At, func(v void, t time.Time) int {
		if v.at.After(t) {
			return 1
		}
		return -1
	})
	if *ownVoids {
		s.voids = slices.Insert(s.voids, i, void{e.At, e.ID})
	} else {
		voids := make([]void, 0, len(s.voids)+1)
		s.voids = append(append(append(voids, s.voids[:i]...), void{e.At, e.ID}), s.voids[i:]...)
		*ownVoids = true
	}
	voided := func(g GrantRecord) bool {
		standing := g.Granted && !g.At.After(e.At)
		earlier := g.Voided() && !g.At.After(e.At) && e.At.Before(g.VoidedAt)
		return standing || earlier
	}
	hit := false
	s.eachGrant(func(g GrantRecord) bool {
		hit = voided(g)
		return !hit
	})
	if !hit {
		return
	}
	// Owned grants hold every record (no recent); the range sets only
	// values of keys present, which a range allows.
	s.ownGrants(ownGrants, 0)
	for k, g := range s.grants {
		if voided(*g) {
			v := *g
			v.Granted, v.VoidedAt, v.VoidedBy = false, e.At, e.ID
			s.grants[k] = &v
		}
	}
}

// A Folder folds events, in log order, into a state it builds in place:
// folding n events costs O(n), where n calls of [State.Apply] copy the
// grants n times. A store reading a user's history folds it so.
//
// A Folder is not safe for concurrent use; the States it returns are,
// like every State. The zero Folder folds into the zero State; start one
// with [NewFolder].
type Folder struct {
	s                   State
	ownGrants, ownVoids bool
}

// NewFolder returns a Folder that starts from s: NewState(subject) for a
// user's whole history, or a state on record to fold newer events into
// (s itself is never changed).
func NewFolder(s State) Folder { return Folder{s: s} }

// Apply folds e in, as [State.Apply] does.
func (f *Folder) Apply(e Event) { f.s.apply(e, &f.ownGrants, &f.ownVoids, true) }

// Subject returns the subject whose events the Folder folds.
func (f *Folder) Subject() string { return f.s.subject }

// State returns the state folded so far. The Folder may go on: its next
// change copies what the returned state shares.
func (f *Folder) State() State {
	f.ownGrants, f.ownVoids = false, false
	return f.s
}

// Fold derives a user's state from their events in log order (see the
// package documentation on ordering).
func Fold(subject string, events []Event) State {
	sorted := slices.Clone(events)
	SortEvents(sorted)
	f := NewFolder(NewState(subject))
	for _, e := range sorted {
		f.Apply(e)
	}
	return f.State()
}

// SortEvents sorts events in log order: by time, the stable sort keeping
// append order among equal times.
func SortEvents(events []Event) {
	slices.SortStableFunc(events, func(a, b Event) int { return a.At.Compare(b.At) })
}
