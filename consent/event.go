package consent

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
//
// The policy engine reads CrossBorderTransfer (art. 16: a transfer abroad
// needs it). It does not read ThirdPartyTransfer or Publication: a grant
// is given for one recipient, so a grant to a third party is itself the
// consent to that transfer, and the engine has no recipient that
// publishes. They are kept as what the consent said, for evidence.
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

// Bits returns f as one byte: 1 for ThirdPartyTransfer, 2 for
// CrossBorderTransfer, 4 for Publication (the form an event's ID hashes,
// and stores may keep).
func (f Flags) Bits() byte {
	var b byte
	if f.ThirdPartyTransfer {
		b |= 1
	}
	if f.CrossBorderTransfer {
		b |= 2
	}
	if f.Publication {
		b |= 4
	}
	return b
}

// FlagsFromBits is the inverse of [Flags.Bits]; ok is false when b has a
// bit set that names no flag.
func FlagsFromBits(b byte) (f Flags, ok bool) {
	return Flags{ThirdPartyTransfer: b&1 != 0, CrossBorderTransfer: b&2 != 0, Publication: b&4 != 0}, b <= 7
}

// Operator is who the consent is given to, as art. 8 p.4 of the Law asks
// a consent to name it: the operator and its BIN (or IIN for an
// individual entrepreneur).
type Operator struct {
	// Name is the operator's registered name.
	Name string
	// BIN is the operator's business identification number, 12 digits
	// (an IIN for an individual entrepreneur).
	BIN string
}

// IsZero reports whether no operator is named.
func (o Operator) IsZero() bool { return o == Operator{} }

// Size limits of an event's text fields, in bytes (or items).
const (
	MaxIDLen           = 128
	MaxSubjectLen      = 256
	MaxScopeLen        = 256
	MaxVersionLen      = 64
	MaxEvidenceLen     = 1024
	MaxOperatorNameLen = 256
	MaxCategories      = purpose.MaxCategories
	BINLen             = 12
	// MaxSealedEvidenceLen bounds Evidence as a [KeyedStore] stores it:
	// sealed, with the event's own ID when the host chose it.
	MaxSealedEvidenceLen = 4 + (12+2+MaxIDLen+MaxEvidenceLen+16+2)/3*4
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
	// Until is the end of the consent's term, for a grant or an
	// acceptance; zero means none stated: the consent lasts until the
	// purpose is achieved or it is withdrawn. An expired grant no longer
	// allows anything ([GrantRecord.ActiveAt]); an expired acceptance no
	// longer stands ([Acceptance.StandingAt]).
	Until time.Time
	// Flags are the art. 8 p.4 statements of a grant or an acceptance:
	// transfer to third parties, abroad, publication.
	Flags Flags

	// Operator is the operator (and its BIN) the consent is given to or
	// withdrawn from (art. 8 p.4). Optional in storage, so events recorded
	// before it existed stay readable; [ValidateBatch] with
	// [WithRequiredContent] requires it on grants and acceptances.
	Operator Operator
	// Categories is the list of data collected under a grant or an
	// acceptance (art. 8 p.4), sorted. Optional in storage;
	// [ValidateBatch] with [WithRequiredContent] requires it on grants and
	// acceptances, and with [WithCatalog] requires a grant's categories to
	// be ones its purpose lists.
	//
	// The subject's full name, which art. 8 p.4 also lists, is not held:
	// Subject is the reference the host's own records resolve to the
	// person, so that names stay out of the consent log (and out of every
	// copy and log line made of it).
	Categories []purpose.Category
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

// WithTerm limits a grant or an acceptance to the given end time.
func WithTerm(until time.Time) EventOption { return func(e *Event) { e.Until = until } }

// WithFlags records the art. 8 p.4 statements of a grant or an acceptance.
func WithFlags(f Flags) EventOption { return func(e *Event) { e.Flags = f } }

// WithOperator names the operator, and its BIN, the consent is given to or
// withdrawn from (art. 8 p.4).
func WithOperator(name, bin string) EventOption {
	return func(e *Event) { e.Operator = Operator{Name: name, BIN: bin} }
}

// WithData records the list of data collected under a grant or an
// acceptance (art. 8 p.4). The constructors sort it and drop repeats. A
// grant that lists data covers those only ([GrantRecord.Covers]): the
// policy engine does not rest a decision about other categories on it.
func WithData(cs ...purpose.Category) EventOption {
	return func(e *Event) { e.Categories = append(e.Categories, cs...) }
}

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
	if len(e.Categories) > 0 {
		e.Categories = slices.Clone(e.Categories)
		slices.Sort(e.Categories)
		e.Categories = slices.Compact(e.Categories)
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
	h.Write([]byte{e.Flags.Bits()})
	// Fields added later are hashed only when set, so an event without
	// them keeps the ID it always had and a retried append stays a no-op.
	if !e.Operator.IsZero() {
		field("operator")
		field(e.Operator.Name)
		field(e.Operator.BIN)
	}
	if len(e.Categories) > 0 {
		field("categories")
		binary.BigEndian.PutUint64(n[:], uint64(len(e.Categories)))
		h.Write(n[:])
		for _, c := range e.Categories {
			field(string(c))
		}
	}
	return "ev_" + hex.EncodeToString(h.Sum(nil)[:16])
}

// Validate reports what is wrong with the event, if anything: among the
// rest, every string must be valid UTF-8 without NUL bytes, which every
// store can keep (PostgreSQL's text refuses both). The error wraps
// [ErrInvalidEvent]; it names fields, never their personal content.
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
	if len(e.Evidence) > MaxEvidenceLen && (!sealedEvidence(e.Evidence) || len(e.Evidence) > MaxSealedEvidenceLen) {
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
	consentGiven := e.Action == ActionGrant || e.Action == ActionAcceptPolicy
	if !e.Until.IsZero() {
		if !consentGiven {
			bad("only a grant or an acceptance has a term")
		} else if !e.Until.After(e.At) {
			bad("term ends before it starts")
		}
	}
	if !consentGiven && e.Flags != (Flags{}) {
		bad("only a grant or an acceptance carries art. 8 flags")
	}
	if len(e.Operator.Name) > MaxOperatorNameLen {
		bad("operator name longer than %d bytes", MaxOperatorNameLen)
	}
	if e.Operator.BIN != "" && !validBIN(e.Operator.BIN) {
		bad("operator BIN is not %d digits", BINLen)
	}
	for _, f := range []struct{ what, s string }{
		{"id", e.ID}, {"subject", e.Subject}, {"purpose", string(e.Scope.Purpose)}, {"recipient", e.Scope.Recipient},
		{"policy version", e.PolicyVersion}, {"evidence", e.Evidence}, {"operator name", e.Operator.Name},
	} {
		if !storable(f.s) {
			bad("%s not valid UTF-8 or holds a NUL byte", f.what)
		}
	}
	if slices.ContainsFunc(e.Categories, func(c purpose.Category) bool { return !storable(string(c)) }) {
		bad("category not valid UTF-8 or holds a NUL byte")
	}
	if !consentGiven && len(e.Categories) > 0 {
		bad("only a grant or an acceptance lists data collected")
	}
	if len(e.Categories) > MaxCategories {
		bad("more than %d categories", MaxCategories)
	}
	for _, c := range e.Categories {
		if c == "" || len(c) > MaxScopeLen {
			bad("category empty or longer than %d bytes", MaxScopeLen)
			break
		}
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
		e.Until.Equal(o.Until) && e.Flags == o.Flags &&
		e.Operator == o.Operator && slices.Equal(e.Categories, o.Categories)
}

// validBIN reports whether s is 12 ASCII digits. The check digit is not
// verified: a wrong BIN is the host's to catch, a valid one refused would
// lose a consent.
func validBIN(s string) bool {
	if len(s) != BINLen {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// storable reports whether every store can keep s as it is: valid UTF-8
// without NUL bytes.
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
