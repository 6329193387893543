package consent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/yasam/privacy/purpose"
)

// BatchReader is an optional interface of a [Store]: the states of many
// subjects in one round trip, for batch questions such as a nightly export
// ("which of these subjects may go to recipient R for purpose P?"). The
// policy engine uses it when the store has it, and asks [Store.State] per
// subject otherwise. MemoryStore, pgstore and sqlitestore implement it.
type BatchReader interface {
	// States returns the state of each subject, in the order given; a
	// subject with no events gets the empty state ([NewState]). At most
	// [MaxBatch] subjects per call.
	States(ctx context.Context, subjects []string) ([]State, error)
}

// ErrInvalidBatch is returned by [BatchReader.States] for too many
// subjects, or an empty or overlong one.
var ErrInvalidBatch = errors.New("consent: invalid batch")

// MaxBatch is the most subjects one [BatchReader.States] call takes.
const MaxBatch = 1000

// CheckBatch validates the subjects of one States call.
func CheckBatch(subjects []string) error {
	if len(subjects) > MaxBatch {
		return fmt.Errorf("%w: %d subjects in one batch, at most %d", ErrInvalidBatch, len(subjects), MaxBatch)
	}
	for _, s := range subjects {
		if s == "" || len(s) > MaxSubjectLen {
			return fmt.Errorf("%w: a subject in the batch is empty or longer than %d bytes", ErrInvalidBatch, MaxSubjectLen)
		}
	}
	return nil
}

// States implements [BatchReader].
func (m *MemoryStore) States(ctx context.Context, subjects []string) ([]State, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("consent: states: %w", err)
	}
	if err := CheckBatch(subjects); err != nil {
		return nil, err
	}
	out := make([]State, len(subjects))
	for i, s := range subjects {
		out[i] = NewState(s)
		if v, ok := m.states.Load(s); ok {
			out[i] = v.(State)
		}
	}
	return out, nil
}

// Standing is a subject's acceptance of the policy as a decision sees it,
// relative to the version in force.
type Standing uint8

// Standings, in the policy engine's order.
const (
	StandingNone      Standing = iota // never accepted, or a version the policy never had
	StandingWithdrawn                 // accepted, then withdrew acceptance (9.3)
	StandingCurrent                   // accepted the version in force
	StandingOutdated                  // accepted an earlier version (9.2)
)

func (s Standing) String() string {
	switch s {
	case StandingWithdrawn:
		return "withdrawn"
	case StandingCurrent:
		return "current"
	case StandingOutdated:
		return "outdated"
	}
	return "none"
}

// Condition is what a decision for one purpose and recipient reads of a
// subject's consent: the acceptance standing, whether a grant for the
// scope is active, and whether that grant allows a transfer abroad.
type Condition struct {
	Standing    Standing
	Grant       bool
	CrossBorder bool // only with Grant
}

// Filter selects the subjects whose consent meets one of the Allow
// conditions for a scope: the consent part of a batch question, made by
// the policy engine's Plan and turned into SQL by a store. The zero
// Filter selects no one.
type Filter struct {
	// Scope is the purpose and recipient of the grant read.
	Scope Scope
	// At is the instant grant and acceptance terms are judged at.
	At time.Time
	// Current is the policy version in force.
	Current string
	// Known are the versions whose acceptance counts as outdated when
	// Strict; without Strict any other non-empty version does.
	Known  []string
	Strict bool
	// Allow are the conditions under which a subject is selected.
	Allow []Condition
	// Categories are the data the question is about: a grant that lists
	// the data it was given for counts only when it lists them all
	// ([GrantRecord.Covers]).
	Categories []purpose.Category
	// AtLeast, when not empty, is the token of a write the selection must
	// reflect (the policy's WithAtLeast). Classify judges the state it is
	// given, so read that state at the token; a store that turns the
	// Filter into a query makes the query reflect the write or fail.
	AtLeast Token
}

// Classify returns the subject's condition under f, as the policy engine
// derives it for a Check.
func (f *Filter) Classify(st State) Condition {
	var c Condition
	a := st.Acceptance()
	switch {
	case a.Version == "":
		c.Standing = StandingNone
	case a.Withdrawn:
		c.Standing = StandingWithdrawn
	case !a.Until.IsZero() && !f.At.Before(a.Until):
		// An acceptance past its term is no acceptance, as for Check.
		c.Standing = StandingNone
	case a.Version == f.Current:
		c.Standing = StandingCurrent
	case f.Strict && !slices.Contains(f.Known, a.Version):
		c.Standing = StandingNone
	default:
		c.Standing = StandingOutdated
	}
	if g, ok := st.Grant(f.Scope.Purpose, f.Scope.Recipient); ok && g.Granted {
		c.Grant = (g.Until.IsZero() || g.ActiveAt(f.At)) && g.Covers(f.Categories)
		c.CrossBorder = c.Grant && g.Flags.CrossBorderTransfer
	}
	return c
}

// Match reports whether f selects the subject of st.
func (f *Filter) Match(st State) bool {
	return slices.Contains(f.Allow, f.Classify(st))
}

// Conditions returns every condition a subject can be in: 4 standings ×
// (no grant, grant, grant with cross-border transfer).
func Conditions() []Condition {
	var out []Condition
	for s := StandingNone; s <= StandingOutdated; s++ {
		out = append(out, Condition{Standing: s}, Condition{Standing: s, Grant: true}, Condition{Standing: s, Grant: true, CrossBorder: true})
	}
	return out
}
