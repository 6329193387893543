package policytest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// Epoch is the time a [Fixture]'s clock starts at: after the seed policy's
// version was published, so that acceptance of it is current.
var Epoch = time.Date(2024, time.January, 15, 9, 0, 0, 0, time.UTC)

// The IDs of the recipients a [Fixture] registers, one of each
// disclosure.Kind.
const (
	StateBody  = "state-body"  // disclosure.StateBody (5.1)
	Partner    = "partner"     // disclosure.Partner (5.1)
	Affiliate  = "affiliate"   // disclosure.Affiliate (5.1)
	ThirdParty = "third-party" // disclosure.ThirdParty (5.2)
	Individual = "individual"  // disclosure.Individual (5.2)
	Employee   = "employee"    // disclosure.Employee (6.3), with a confidentiality obligation
	Contractor = "contractor"  // disclosure.Contractor (6.3), without one
)

// Recipients returns the recipients a [Fixture] registers: one of each
// disclosure.Kind, with the IDs above. The employee has a confidentiality
// obligation on record and the contractor has none, so that both sides of
// clause 6.3 can be tested.
func Recipients() []disclosure.Recipient {
	return []disclosure.Recipient{
		{ID: StateBody, Kind: disclosure.StateBody, Name: "State body"},
		{ID: Partner, Kind: disclosure.Partner, Name: "Partner"},
		{ID: Affiliate, Kind: disclosure.Affiliate, Name: "Affiliated company"},
		{ID: ThirdParty, Kind: disclosure.ThirdParty, Name: "Unaffiliated company"},
		{ID: Individual, Kind: disclosure.Individual, Name: "Private individual"},
		{ID: Employee, Kind: disclosure.Employee, Name: "Employee", Confidentiality: true, Agreement: "NDA-1"},
		{ID: Contractor, Kind: disclosure.Contractor, Name: "Contractor"},
	}
}

// Fixture is a real [policy.Engine] over a [consent.MemoryStore] and a
// fixed clock, with helpers that put users in a consent state in one line
// and fail the test if they cannot.
//
// Its helpers must be called from the test's goroutine, since they stop
// the test on failure; the engine and the store may be used from any.
type Fixture struct {
	t      testing.TB
	engine *policy.Engine
	store  *consent.MemoryStore

	mu   sync.Mutex
	now  time.Time
	last time.Time // the date of the last event a helper recorded

	seq atomic.Uint64 // numbers the events the helpers append
}

// New returns a Fixture for the seed policy. Its engine reads consent from
// a fresh consent.MemoryStore, tells time by the Fixture's clock (starting
// at [Epoch], moved only by [Fixture.Advance]) and knows the recipients
// [Recipients] lists. The events the helpers record are dated by that
// clock, each a nanosecond after the one before while the clock stands
// still, so that they order as the test makes them: consent dated at one
// instant leaves a withdrawal standing whatever the order.
//
// opts are applied after those: they may add recipients (under other IDs:
// the defaults are always registered, and an ID registered twice fails the
// test), or set the catalog, the rules or the version. An option that
// replaces the store or the clock cuts the Fixture's helpers off from the
// engine; don't.
func New(t testing.TB, opts ...policy.Option) *Fixture {
	t.Helper()
	f := &Fixture{t: t, store: consent.NewMemoryStore(), now: Epoch}
	all := append([]policy.Option{
		policy.WithConsentStore(f.store),
		policy.WithClock(f.Now),
		policy.WithRecipients(Recipients()...),
	}, opts...)
	e, err := policy.New(all...)
	if err != nil {
		t.Fatalf("policytest: New: %v", err)
		return nil
	}
	f.engine = e
	return f
}

// Engine returns the fixture's engine, to hand to the code under test.
func (f *Fixture) Engine() *policy.Engine { return f.engine }

// Store returns the consent store the engine reads.
func (f *Fixture) Store() *consent.MemoryStore { return f.store }

// Now returns the time on the fixture's clock. It is safe for concurrent
// use.
func (f *Fixture) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the fixture's clock forward by d, for grants with a term.
func (f *Fixture) Advance(d time.Duration) {
	f.t.Helper()
	if d < 0 {
		f.t.Fatalf("policytest: Advance(%v): the clock only moves forward", d)
		return
	}
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Check asks the engine, with a background context. It is Engine().Check
// for tests that want it shorter.
func (f *Fixture) Check(user string, p purpose.ID, recipient string, opts ...policy.CheckOption) (policy.Decision, error) {
	return f.engine.Check(context.Background(), user, p, recipient, opts...)
}

// Accept records that user accepted the policy version in force (2.1).
func (f *Fixture) Accept(user string) {
	f.t.Helper()
	f.AcceptVersion(user, f.engine.Version().ID)
}

// AcceptVersion records that user accepted policy version v: an earlier
// version than the one in force still stands, with the obligation to show
// the version in force (9.2, 9.5).
func (f *Fixture) AcceptVersion(user, v string) {
	f.t.Helper()
	f.append("AcceptVersion", consent.AcceptPolicy(user, v, f.stamp(), f.id()))
}

// Grant records that user consented to processing for purpose p with
// recipient (5.2). opts may set a term (consent.WithTerm), the channel or
// the art. 8 statements.
func (f *Fixture) Grant(user string, p purpose.ID, recipient string, opts ...consent.EventOption) {
	f.t.Helper()
	f.append("Grant", consent.Grant(user, p, recipient, f.stamp(), f.opts(opts)...))
}

// Withdraw records that user withdrew the grant for purpose p and
// recipient.
func (f *Fixture) Withdraw(user string, p purpose.ID, recipient string, opts ...consent.EventOption) {
	f.t.Helper()
	f.append("Withdraw", consent.Withdraw(user, p, recipient, f.stamp(), f.opts(opts)...))
}

// WithdrawAcceptance records that user withdrew acceptance of the policy
// (9.3): everything resting on it stops.
func (f *Fixture) WithdrawAcceptance(user string) {
	f.t.Helper()
	f.append("WithdrawAcceptance", consent.WithdrawAcceptance(user, f.stamp(), f.id()))
}

// stamp dates the next event a helper records: the clock's time, or a
// nanosecond after the last event's while the clock has not moved past it.
func (f *Fixture) stamp() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = f.last.Add(time.Nanosecond)
	if f.now.After(f.last) {
		f.last = f.now
	}
	return f.last
}

// id gives each event appended by a helper an ID of its own. The
// constructors derive IDs from content, so a grant given again at the same
// instant after a withdrawal would be taken for a retry of the first and
// skipped; the clock stands still in a fixture, so that would be common.
func (f *Fixture) id() consent.EventOption {
	return consent.WithID(fmt.Sprintf("policytest-%d", f.seq.Add(1)))
}

// opts puts the fixture's event ID first, so that a caller's
// consent.WithID still wins.
func (f *Fixture) opts(opts []consent.EventOption) []consent.EventOption {
	return append([]consent.EventOption{f.id()}, slices.Clone(opts)...)
}

func (f *Fixture) append(what string, e consent.Event) {
	f.t.Helper()
	if err := f.store.Append(context.Background(), e); err != nil {
		f.t.Fatalf("policytest: %s: %v", what, err)
	}
}
