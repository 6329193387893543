package consent

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/yasam/privacy/purpose"
)

// Action is what an event does to a user's consent.
type Action string

// The actions of the consent log.
const (
	// ActionAcceptPolicy records acceptance of a policy version (2.1).
	ActionAcceptPolicy Action = "accept_policy"
	// ActionGrant records consent to process for one purpose with one
	// recipient (5.2).
	ActionGrant Action = "grant"
	// ActionWithdraw withdraws a grant for one purpose and recipient.
	ActionWithdraw Action = "withdraw"
	// ActionWithdrawAcceptance withdraws acceptance of the policy (9.3):
	// everything resting on it stops.
	ActionWithdrawAcceptance Action = "withdraw_acceptance"
)

// Valid reports whether a is one of the defined actions.
func (a Action) Valid() bool {
	switch a {
	case ActionAcceptPolicy, ActionGrant, ActionWithdraw, ActionWithdrawAcceptance:
		return true
	}
	return false
}

// Channel is how the consent was obtained.
type Channel string

// The channels the operator collects consent through.
const (
	ChannelUnspecified  Channel = ""
	ChannelMobileApp    Channel = "mobile_app"
	ChannelWeb          Channel = "web"
	ChannelPaper        Channel = "paper"
	ChannelStateService Channel = "state_service" // the state consent service (eGov)
	ChannelAPI          Channel = "api"
)

// Valid reports whether c is one of the defined channels.
func (c Channel) Valid() bool {
	switch c {
	case ChannelUnspecified, ChannelMobileApp, ChannelWeb, ChannelPaper, ChannelStateService, ChannelAPI:
		return true
	}
	return false
}

// Scope is what a grant or a withdrawal is about: one purpose, one recipient.
type Scope struct {
	Purpose   purpose.ID
	Recipient string
}

// Flags are the statements art. 8 p.4 of the Law requires a consent to make.
type Flags struct {
	// ThirdPartyTransfer reports whether the user agreed to transfer to
	// third parties.
	ThirdPartyTransfer bool
	// CrossBorderTransfer reports whether the user agreed to transfer
	// abroad.
	CrossBorderTransfer bool
	// Publication reports whether the user agreed to publication in
	// publicly available sources.
	Publication bool
}

// Size limits of an event's text fields, in bytes.
const (
	MaxIDLen       = 128
	MaxSubjectLen  = 256
	MaxScopeLen    = 256
	MaxVersionLen  = 64
	MaxEvidenceLen = 1024
)

// Event is one entry of the consent log. Build events with [AcceptPolicy],
// [Grant], [Withdraw] and [WithdrawAcceptance]; they fill the ID.
type Event struct {
	// ID identifies the event. Appending an event whose ID is on record
	// with the same content is a no-op; with other content, an error
	// wrapping [ErrConflict]. The constructors derive it from the content,
	// so a retried call appends nothing twice.
	ID string
	// Subject is the user the event is about.
	Subject string
	// Action is what the event does.
	Action Action
	// Scope is the purpose and recipient of a grant or withdrawal; empty
	// for acceptance events.
	Scope Scope
	// PolicyVersion is the version accepted; for other actions, the version
	// in force when the event was recorded, if known.
	PolicyVersion string
	// At is when the user gave or withdrew consent.
	At time.Time
	// Channel is how the consent was obtained.
	Channel Channel
	// Evidence optionally references the proof kept elsewhere: a signed
	// document's ID, a request ID of the state consent service.
	Evidence string
	// Until is the end of a grant's term; zero means no term. An expired
	// grant no longer allows anything.
	Until time.Time
	// Flags are the art. 8 p.4 statements of a grant.
	Flags Flags
}

// LogValue keeps the subject out of logs: only the action, scope and time
// are logged, so logging an Event never leaks whose consent it is.
func (e Event) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", e.ID),
		slog.String("action", string(e.Action)),
		slog.String("purpose", string(e.Scope.Purpose)),
		slog.String("recipient", e.Scope.Recipient),
		slog.Time("at", e.At),
	)
}

// EventOption sets an optional field of an event built by a constructor.
type EventOption func(*Event)

// WithChannel records how the consent was obtained.
func WithChannel(c Channel) EventOption { return func(e *Event) { e.Channel = c } }

// WithEvidence references the proof of consent kept elsewhere.
func WithEvidence(ref string) EventOption { return func(e *Event) { e.Evidence = ref } }

// WithTerm limits a grant to the given end time.
func WithTerm(until time.Time) EventOption { return func(e *Event) { e.Until = until } }

// WithFlags records the art. 8 p.4 statements of a grant.
func WithFlags(f Flags) EventOption { return func(e *Event) { e.Flags = f } }

// WithPolicyVersion records the policy version in force for a grant or a
// withdrawal.
func WithPolicyVersion(v string) EventOption { return func(e *Event) { e.PolicyVersion = v } }

// WithID sets the event ID instead of the one derived from the content, for
// hosts that carry their own request IDs.
func WithID(id string) EventOption { return func(e *Event) { e.ID = id } }

// AcceptPolicy records that user accepted policy version at the given time.
func AcceptPolicy(user, version string, at time.Time, opts ...EventOption) Event {
	return build(Event{Subject: user, Action: ActionAcceptPolicy, PolicyVersion: version, At: at}, opts)
}

// Grant records that user consented to processing for purpose p with the
// recipient recipientID.
func Grant(user string, p purpose.ID, recipientID string, at time.Time, opts ...EventOption) Event {
	return build(Event{Subject: user, Action: ActionGrant, Scope: Scope{p, recipientID}, At: at}, opts)
}

// Withdraw records that user withdrew the grant for purpose p and
// recipientID.
func Withdraw(user string, p purpose.ID, recipientID string, at time.Time, opts ...EventOption) Event {
	return build(Event{Subject: user, Action: ActionWithdraw, Scope: Scope{p, recipientID}, At: at}, opts)
}

// WithdrawAcceptance records that user withdrew acceptance of the policy
// (9.3): all processing resting on it must stop.
func WithdrawAcceptance(user string, at time.Time, opts ...EventOption) Event {
	return build(Event{Subject: user, Action: ActionWithdrawAcceptance, At: at}, opts)
}

func build(e Event, opts []EventOption) Event {
	e.At = e.At.UTC()
	for _, o := range opts {
		o(&e)
	}
	if !e.Until.IsZero() {
		e.Until = e.Until.UTC()
	}
	if e.ID == "" {
		e.ID = e.ContentID()
	}
	return e
}

// ContentID derives an ID from the event's content (everything but the
// ID): the same consent given at the same instant gets the same ID.
func (e Event) ContentID() string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	stamp := func(t time.Time) {
		if t.IsZero() {
			field("")
			return
		}
		field(t.UTC().Format(time.RFC3339Nano))
	}
	field(e.Subject)
	field(string(e.Action))
	field(string(e.Scope.Purpose))
	field(e.Scope.Recipient)
	field(e.PolicyVersion)
	stamp(e.At)
	field(string(e.Channel))
	field(e.Evidence)
	stamp(e.Until)
	var f byte
	if e.Flags.ThirdPartyTransfer {
		f |= 1
	}
	if e.Flags.CrossBorderTransfer {
		f |= 2
	}
	if e.Flags.Publication {
		f |= 4
	}
	h.Write([]byte{f})
	return "ev_" + hex.EncodeToString(h.Sum(nil)[:16])
}

// Validate reports what is wrong with the event, if anything. The error
// wraps [ErrInvalidEvent]; it names fields, never their personal content.
func (e Event) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if e.ID == "" {
		bad("empty id")
	} else if len(e.ID) > MaxIDLen {
		bad("id longer than %d bytes", MaxIDLen)
	}
	if e.Subject == "" {
		bad("empty subject")
	} else if len(e.Subject) > MaxSubjectLen {
		bad("subject longer than %d bytes", MaxSubjectLen)
	}
	if e.At.IsZero() {
		bad("zero time")
	}
	if !e.Channel.Valid() {
		bad("unknown channel %q", e.Channel)
	}
	if len(e.PolicyVersion) > MaxVersionLen {
		bad("policy version longer than %d bytes", MaxVersionLen)
	}
	if len(e.Evidence) > MaxEvidenceLen {
		bad("evidence longer than %d bytes", MaxEvidenceLen)
	}
	scoped := e.Action == ActionGrant || e.Action == ActionWithdraw
	switch {
	case !e.Action.Valid():
		bad("unknown action %q", e.Action)
	case scoped:
		if e.Scope.Purpose == "" || e.Scope.Recipient == "" {
			bad("%s needs a purpose and a recipient", e.Action)
		}
		if len(e.Scope.Purpose) > MaxScopeLen || len(e.Scope.Recipient) > MaxScopeLen {
			bad("scope longer than %d bytes", MaxScopeLen)
		}
	default:
		if e.Scope != (Scope{}) {
			bad("%s takes no purpose or recipient", e.Action)
		}
	}
	if e.Action == ActionAcceptPolicy && e.PolicyVersion == "" {
		bad("accept_policy needs a policy version")
	}
	if !e.Until.IsZero() {
		if e.Action != ActionGrant {
			bad("only a grant has a term")
		} else if !e.Until.After(e.At) {
			bad("term ends before it starts")
		}
	}
	if e.Action != ActionGrant && e.Flags != (Flags{}) {
		bad("only a grant carries art. 8 flags")
	}
	if len(errs) == 0 {
		return nil
	}
	if e.ID == "" {
		return fmt.Errorf("%w: %w", ErrInvalidEvent, errors.Join(errs...))
	}
	return fmt.Errorf("%w %s: %w", ErrInvalidEvent, e.ID, errors.Join(errs...))
}

// Equal reports whether two events have the same content, comparing times
// as instants.
func (e Event) Equal(o Event) bool {
	return e.ID == o.ID && e.Subject == o.Subject && e.Action == o.Action &&
		e.Scope == o.Scope && e.PolicyVersion == o.PolicyVersion &&
		e.At.Equal(o.At) && e.Channel == o.Channel && e.Evidence == o.Evidence &&
		e.Until.Equal(o.Until) && e.Flags == o.Flags
}
