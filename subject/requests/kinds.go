package requests

import (
	"fmt"
	"strings"

	"github.com/yasam/privacy/internal/clip"
)

// Kind is the right a request invokes, under Law 94-V "On personal data
// and their protection". Articles marked "unconfirmed" were not read in
// the law's text, only in secondary sources (see LAW-94-V.md in the
// project's notes); check them before citing them to a subject.
type Kind string

// The kinds of request.
const (
	// KindAccess: to know whether the operator holds the subject's data,
	// which, why, and to whom they went (art. 24, unconfirmed; answer
	// art. 25 p.2, unconfirmed: 3 working days per a 2013 secondary note).
	KindAccess Kind = "access"
	// KindCorrection: to change or complete the data (art. 24/25,
	// unconfirmed; 1 working day, unconfirmed).
	KindCorrection Kind = "correction"
	// KindBlocking: to block the data (art. 24/25, unconfirmed; 1 working
	// day, unconfirmed).
	KindBlocking Kind = "blocking"
	// KindUnblocking: to lift a blocking (art. 25, unconfirmed; 1 working
	// day, unconfirmed).
	KindUnblocking Kind = "unblocking"
	// KindDestruction: to destroy data collected or processed unlawfully
	// (art. 24, unconfirmed; art. 18 and the Rules, secondary: 1 day).
	KindDestruction Kind = "destruction"
	// KindWithdrawal: to withdraw consent (art. 8 p.1, p.2, read in the
	// law). The law as read sets no period; the default of 1 working day
	// is the library's, not the law's.
	KindWithdrawal Kind = "withdrawal"
	// KindObjection: to object to a processing. No such right was found
	// in the law as read; the kind exists so that an operator can record
	// such requests, with a period of its own choosing (default 3
	// working days, as for access).
	KindObjection Kind = "objection"
	// KindPublicRemoval: to remove unlawfully collected data from public
	// sources (art. 6, read in the law; paragraph unconfirmed; 1 working
	// day per the digest).
	KindPublicRemoval Kind = "public_removal"
)

// Kinds returns every kind, in a stable order.
func Kinds() []Kind {
	return []Kind{KindAccess, KindCorrection, KindBlocking, KindUnblocking, KindDestruction,
		KindWithdrawal, KindObjection, KindPublicRemoval}
}

// Valid reports whether k is one of [Kinds].
func (k Kind) Valid() bool {
	for _, v := range Kinds() {
		if k == v {
			return true
		}
	}
	return false
}

// ParseKind reads a kind: case, surrounding spaces and '-' for '_' do not
// matter.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ReplaceAll(normalize(s), "-", "_"))
	if !k.Valid() {
		return "", fmt.Errorf("%w: unknown kind %q", ErrInvalid, clip.String(s, maxQuote))
	}
	return k, nil
}

// Unit is what a period counts.
type Unit string

// The units of a period.
const (
	WorkingDays  Unit = "working_days"
	CalendarDays Unit = "calendar_days"
)

// Rule is the period to answer a kind of request: Days of Unit, counted
// from the day after receipt, to the end of the last day.
type Rule struct {
	Days int
	Unit Unit
	// Basis cites where the period comes from.
	Basis string
	// Confirmed reports whether the article was read in the law's text
	// (false: secondary sources only, or the library's own choice).
	Confirmed bool
}

// DefaultRules returns the periods a [Registry] uses unless
// [WithRule] changes one. None of the Law's periods was confirmed
// against its text; see each [Kind].
func DefaultRules() map[Kind]Rule {
	return map[Kind]Rule{
		KindAccess:        {3, WorkingDays, "Law 94-V art. 25 p.2 (unconfirmed; 3 WD per a 2013 secondary source)", false},
		KindCorrection:    {1, WorkingDays, "Law 94-V art. 25 p.2 (unconfirmed; 1 WD not seen in the law)", false},
		KindBlocking:      {1, WorkingDays, "Law 94-V art. 25 p.2 (unconfirmed; 1 WD not seen in the law)", false},
		KindUnblocking:    {1, WorkingDays, "Law 94-V art. 25 p.2 (unconfirmed; 1 WD not seen in the law)", false},
		KindDestruction:   {1, WorkingDays, "Law 94-V art. 18, 25 (unconfirmed); Rules 395: 1 day (secondary)", false},
		KindWithdrawal:    {1, WorkingDays, "Law 94-V art. 8 p.1-2 (no period in the law as read: the library's default)", false},
		KindObjection:     {3, WorkingDays, "no such right found in Law 94-V as read: the library's default", false},
		KindPublicRemoval: {1, WorkingDays, "Law 94-V art. 6 (paragraph unconfirmed; 1 WD per the digest)", false},
	}
}

// ClaimRule is the period of a pre-trial claim, clause 8.2 of the policy,
// kept by subject/claims: 30 calendar days. It is listed here so that a
// table of periods shows claims beside the Law's requests.
var ClaimRule = Rule{Days: 30, Unit: CalendarDays, Basis: "policy clause 8.2", Confirmed: true}

// Reason is why a request was refused.
type Reason string

// The reasons a refusal may give.
const (
	// ReasonLaw: answering would contradict the laws of the Republic of
	// Kazakhstan (art. 8 p.2 for withdrawal, read in the law; art. 25 p.2
	// "motivated refusal", unconfirmed, for the others).
	ReasonLaw Reason = "law"
	// ReasonUnfulfilledObligation: withdrawal of consent while an
	// obligation between subject and operator is unfulfilled (art. 8 p.2,
	// read in the law). Only for [KindWithdrawal].
	ReasonUnfulfilledObligation Reason = "unfulfilled_obligation"
	// ReasonIdentity: the requester could not be identified as the
	// subject or their representative; answering would disclose a
	// person's data to another.
	ReasonIdentity Reason = "identity_not_confirmed"
)

// Reasons returns every reason, in a stable order.
func Reasons() []Reason { return []Reason{ReasonLaw, ReasonUnfulfilledObligation, ReasonIdentity} }

// Valid reports whether r is one of [Reasons].
func (r Reason) Valid() bool {
	return r == ReasonLaw || r == ReasonUnfulfilledObligation || r == ReasonIdentity
}

// Allows reports whether a request of kind k may be refused for reason r.
func (k Kind) Allows(r Reason) bool {
	switch r {
	case ReasonLaw, ReasonIdentity:
		return k.Valid()
	case ReasonUnfulfilledObligation:
		return k == KindWithdrawal
	}
	return false
}

// Channel is how a request reached the operator (Law 94-V art. 8 p.1,
// read in the law, names the state and non-state services).
type Channel string

// The channels.
const (
	ChannelPaper           Channel = "paper"
	ChannelEmail           Channel = "email"
	ChannelApp             Channel = "app"
	ChannelStateService    Channel = "state_service"
	ChannelNonStateService Channel = "non_state_service"
	ChannelOther           Channel = "other"
)

// Channels returns every channel, in a stable order.
func Channels() []Channel {
	return []Channel{ChannelPaper, ChannelEmail, ChannelApp, ChannelStateService, ChannelNonStateService, ChannelOther}
}

// Valid reports whether c is one of [Channels].
func (c Channel) Valid() bool {
	for _, v := range Channels() {
		if c == v {
			return true
		}
	}
	return false
}

// Status is where a request stands. A request starts [StatusReceived];
// the changes allowed are to [StatusAnswered], [StatusRefused] or
// [StatusWithdrawn], and nothing follows them.
type Status string

// The statuses.
const (
	StatusReceived  Status = "received"
	StatusAnswered  Status = "answered"  // done, and the subject told in writing
	StatusRefused   Status = "refused"   // a motivated refusal was sent
	StatusWithdrawn Status = "withdrawn" // the subject withdrew the request
)

// Statuses returns every status.
func Statuses() []Status {
	return []Status{StatusReceived, StatusAnswered, StatusRefused, StatusWithdrawn}
}

// Valid reports whether s is one of [Statuses].
func (s Status) Valid() bool {
	switch s {
	case StatusReceived, StatusAnswered, StatusRefused, StatusWithdrawn:
		return true
	}
	return false
}

// Open reports whether a request in status s awaits its answer.
func (s Status) Open() bool { return s == StatusReceived }

// CanBecome reports whether a request in status s may change to next.
func (s Status) CanBecome(next Status) bool {
	return s == StatusReceived && (next == StatusAnswered || next == StatusRefused || next == StatusWithdrawn)
}

func normalize(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 32
