package claims

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/subject/internal/regval"
)

// Limits on the sizes of a claim's strings, so that a store's rows and a
// caller's mistakes stay bounded.
const (
	MaxSubjectLen = 256  // bytes of [Claim.Subject]
	MaxRefLen     = 1024 // bytes of [Claim.TextRef] and [Claim.AnswerRef]
	MaxIDLen      = 128  // bytes of [Claim.ID]
)

// IDPrefix starts the ID of every claim filed by a [Registry].
const IDPrefix = "clm_"

// Claim is a pre-trial claim (претензия) of a data subject, clause 8.1 of
// the policy: the written proposal to settle a dispute that must come
// before any court case, and that the operator must answer in writing
// within 30 calendar days (8.2).
//
// A claim holds where the written claim and the answer are kept, not their
// text, so the register holds no more personal data than the subject's ID.
// Claim is a value: changing a copy changes nothing on record.
type Claim struct {
	// ID names the claim: [IDPrefix] and 26 random characters.
	ID string
	// Subject is the data subject who filed the claim, in the host's
	// user IDs. It is personal data: [Claim.LogValue] leaves it out.
	Subject string
	// Received is when the written claim reached the operator.
	Received time.Time
	// Due is when the answer is due: [DueDate] of Received, fixed when
	// the claim is filed.
	Due time.Time
	// Channel is how the claim arrived.
	Channel Channel
	// Topic is what the claim is about.
	Topic Topic
	// TextRef points to where the written claim is kept (a document ID,
	// a mail archive key, a file path). May be empty.
	TextRef string
	// Status is where the claim stands.
	Status Status
	// Answered is when the written answer was sent; zero until then.
	Answered time.Time
	// AnswerRef points to where the written answer is kept; set with
	// Answered.
	AnswerRef string
	// Withdrawn is when the subject withdrew the claim; zero otherwise.
	Withdrawn time.Time
	// Escalated is when the dispute went to court; zero otherwise.
	Escalated time.Time
}

// Overdue reports whether the claim still awaits its answer at now and
// its due moment has passed. Answered, withdrawn and escalated claims are
// never overdue; [Claim.AnsweredLate] tells whether an answer came late.
func (c Claim) Overdue(now time.Time) bool {
	return c.Status.Open() && now.After(c.Due)
}

// DaysLeft returns the calendar days from now to the due day: 30 on the
// day of receipt, 0 on the due day itself, -1 on the day after, and so on,
// whatever the claim's status. Days are counted back from the end of the
// due day in 24-hour steps, so the result does not depend on the location
// the times are given in; it is exact in any zone without daylight saving
// time, Kazakhstan's among them, and may be one off within an hour of
// midnight where a clock change falls in between. It returns 0 for a
// claim without a due moment.
func (c Claim) DaysLeft(now time.Time) int {
	if c.Due.IsZero() {
		return 0
	}
	return daysLeft(c.Due, now)
}

// AnsweredLate reports whether the claim was answered after its due
// moment. Clause 8.2 sets the period but the operator must still answer,
// so a late answer is accepted and recorded, and this is how to find it.
func (c Claim) AnsweredLate() bool {
	return !c.Answered.IsZero() && c.Answered.After(c.Due)
}

// LogValue implements [slog.LogValuer]. It leaves out the subject and the
// two references (a file name may well carry a person's name), so logging
// a Claim never tells whose claim it is.
func (c Claim) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("id", c.ID),
		slog.String("status", string(c.Status)),
		slog.String("topic", string(c.Topic)),
		slog.String("channel", string(c.Channel)),
		slog.Time("received", c.Received),
		slog.Time("due", c.Due),
	}
	if !c.Answered.IsZero() {
		attrs = append(attrs, slog.Time("answered", c.Answered), slog.Bool("late", c.AnsweredLate()))
	}
	if !c.Withdrawn.IsZero() {
		attrs = append(attrs, slog.Time("withdrawn", c.Withdrawn))
	}
	if !c.Escalated.IsZero() {
		attrs = append(attrs, slog.Time("escalated", c.Escalated))
	}
	return slog.GroupValue(attrs...)
}

// Validate checks that c could be on record: an ID, a subject, sizes
// within bounds, every time in years 1 to 9999, every string valid UTF-8 without NUL bytes (what every
// store can hold), a known channel, topic and status, a receipt time, a due
// moment not before it, and the times of the status changes the status
// implies (an answered claim has Answered and AnswerRef, an escalated one
// Escalated, and so on), none before the receipt. Stores call it before
// they write. The error wraps [ErrInvalid] and never contains the subject.
func (c Claim) Validate() error {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	switch {
	case c.ID == "":
		bad("empty id")
	case len(c.ID) > MaxIDLen || !utf8.ValidString(c.ID) || strings.ContainsFunc(c.ID, isControl):
		bad("malformed id")
	}
	switch {
	case c.Subject == "":
		bad("empty subject")
	case len(c.Subject) > MaxSubjectLen:
		bad("subject longer than %d bytes", MaxSubjectLen)
	case !regval.Storable(c.Subject):
		bad("subject not valid UTF-8 or holds a NUL byte")
	}
	if len(c.TextRef) > MaxRefLen {
		bad("text reference longer than %d bytes", MaxRefLen)
	} else if !regval.Storable(c.TextRef) {
		bad("text reference not valid UTF-8 or holds a NUL byte")
	}
	if len(c.AnswerRef) > MaxRefLen {
		bad("answer reference longer than %d bytes", MaxRefLen)
	} else if !regval.Storable(c.AnswerRef) {
		bad("answer reference not valid UTF-8 or holds a NUL byte")
	}
	if !c.Channel.Valid() {
		bad("unknown channel %q", clip.String(string(c.Channel), maxQuote))
	}
	if !c.Topic.Valid() {
		bad("unknown topic %q", clip.String(string(c.Topic), maxQuote))
	}
	if !c.Status.Valid() {
		bad("unknown status %q", clip.String(string(c.Status), maxQuote))
	}
	if c.Received.IsZero() {
		bad("zero receipt time")
	} else if c.Due.Before(c.Received) {
		bad("due before receipt")
	}
	notBefore := func(what string, t time.Time) {
		if !t.IsZero() && t.Before(c.Received) {
			bad("%s before receipt", what)
		}
	}
	for _, t := range []time.Time{c.Received, c.Due, c.Answered, c.Withdrawn, c.Escalated} {
		if !regval.InYears(t) {
			bad("a time outside years 1 to 9999")
			break
		}
	}
	notBefore("answer", c.Answered)
	notBefore("withdrawal", c.Withdrawn)
	notBefore("escalation", c.Escalated)

	answered := !c.Answered.IsZero()
	if answered != (c.AnswerRef != "") {
		bad("answer time and answer reference go together")
	}
	switch c.Status {
	case StatusReceived:
		if answered || !c.Withdrawn.IsZero() || !c.Escalated.IsZero() {
			bad("received claim with a later status's time")
		}
	case StatusAnswered:
		if !answered || !c.Withdrawn.IsZero() || !c.Escalated.IsZero() {
			bad("answered claim needs the answer's time and only it")
		}
	case StatusWithdrawn:
		if answered || c.Withdrawn.IsZero() || !c.Escalated.IsZero() {
			bad("withdrawn claim needs the withdrawal's time and only it")
		}
	case StatusEscalated:
		if c.Escalated.IsZero() || !c.Withdrawn.IsZero() {
			bad("escalated claim needs the escalation's time")
		}
		if answered && c.Escalated.Before(c.Answered) {
			bad("escalation before answer")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: claim %q: %s", ErrInvalid, clip.String(c.ID, maxQuote), strings.Join(problems, "; "))
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
