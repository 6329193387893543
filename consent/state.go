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
}

// Standing reports whether acceptance of some version is on record and not
// withdrawn.
func (a Acceptance) Standing() bool { return a.Version != "" && !a.Withdrawn }

// GrantRecord is the latest word of a user on one scope.
type GrantRecord struct {
	Scope Scope
	// Granted reports whether the latest event for the scope is a grant
	// (true) or a withdrawal (false).
	Granted bool
	// At is the time of that latest event.
	At time.Time
	// Until is the end of the grant's term; zero means no term.
	Until time.Time
	// Channel, Evidence, Flags and EventID come from the latest event.
	Channel  Channel
	Evidence string
	Flags    Flags
	EventID  string
}

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
	grants     map[Scope]GrantRecord
	n          int
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
	g, ok := s.grants[Scope{p, recipient}]
	return g, ok
}

// Granted reports whether a grant for purpose p and recipient is active at
// time t. It says nothing of acceptance: a grant outlives a withdrawal of
// acceptance on record, but rests on it (see [State.Accepted]).
func (s State) Granted(p purpose.ID, recipient string, t time.Time) bool {
	g, ok := s.grants[Scope{p, recipient}]
	return ok && g.ActiveAt(t)
}

// Grants returns every scope's record, sorted by purpose then recipient.
func (s State) Grants() []GrantRecord {
	out := slices.Collect(maps.Values(s.grants))
	slices.SortFunc(out, func(a, b GrantRecord) int {
		return cmp.Or(cmp.Compare(a.Scope.Purpose, b.Scope.Purpose), cmp.Compare(a.Scope.Recipient, b.Scope.Recipient))
	})
	return out
}

// NewState returns the state of a user with no events.
func NewState(subject string) State { return State{subject: subject} }

// Apply returns the state with e folded in. An event about another subject
// is ignored. Events older than what the state already holds for the same
// scope (or for acceptance) do not override it, which makes the result
// independent of arrival order when times differ; among equal times the
// later applied wins.
func (s State) Apply(e Event) State {
	if e.Subject != s.subject {
		return s
	}
	s.n++
	switch e.Action {
	case ActionAcceptPolicy:
		if !e.At.Before(s.acceptance.At) && !e.At.Before(s.acceptance.WithdrawnAt) {
			s.acceptance = Acceptance{Version: e.PolicyVersion, At: e.At}
		}
	case ActionWithdrawAcceptance:
		if !e.At.Before(s.acceptance.At) && !e.At.Before(s.acceptance.WithdrawnAt) {
			s.acceptance.Withdrawn = true
			s.acceptance.WithdrawnAt = e.At
		}
	case ActionGrant, ActionWithdraw:
		if old, ok := s.grants[e.Scope]; ok && e.At.Before(old.At) {
			return s
		}
		grants := make(map[Scope]GrantRecord, len(s.grants)+1)
		maps.Copy(grants, s.grants)
		grants[e.Scope] = GrantRecord{
			Scope: e.Scope, Granted: e.Action == ActionGrant, At: e.At, Until: e.Until,
			Channel: e.Channel, Evidence: e.Evidence, Flags: e.Flags, EventID: e.ID,
		}
		s.grants = grants
	}
	return s
}

// Fold derives a user's state from their events in log order (see the
// package documentation on ordering).
func Fold(subject string, events []Event) State {
	sorted := slices.Clone(events)
	SortEvents(sorted)
	s := NewState(subject)
	for _, e := range sorted {
		s = s.Apply(e)
	}
	return s
}

// SortEvents sorts events in log order: by time, the stable sort keeping
// append order among equal times.
func SortEvents(events []Event) {
	slices.SortStableFunc(events, func(a, b Event) int { return a.At.Compare(b.At) })
}
