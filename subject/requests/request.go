package requests

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/subject/internal/regval"
)

// Limits on the sizes of a request's strings.
const (
	MaxSubjectLen = 256
	MaxRefLen     = 1024
	MaxIDLen      = 128
)

// IDPrefix starts the ID of every request filed by a [Registry].
const IDPrefix = "req_"

// ErasedPrefix starts the subject of an erased request (see
// [Forgetter]); ErasedRef replaces its answer reference.
const (
	ErasedPrefix = "erased:"
	ErasedRef    = "erased"
)

// Request is a data subject's request under Law 94-V. Like a claim, it
// holds references to where the written request and answer are kept, not
// their text. Request is a value: changing a copy changes nothing on
// record.
type Request struct {
	ID       string
	Subject  string // personal data: [Request.LogValue] leaves it out
	Kind     Kind
	Channel  Channel
	Received time.Time
	// Due is the end of the period of the kind's [Rule], fixed at filing.
	Due     time.Time
	TextRef string
	Status  Status
	// Closed is when the request was answered, refused or withdrawn.
	Closed time.Time
	// AnswerRef points to the written answer or refusal.
	AnswerRef string
	// Reason is why it was refused; set only for [StatusRefused].
	Reason Reason
}

// NewID returns a new request ID: [IDPrefix] and 128 random bits.
func NewID() string { return IDPrefix + rand.Text() }

// Overdue reports whether the request awaits its answer at now past its
// due moment.
func (r Request) Overdue(now time.Time) bool { return r.Status.Open() && now.After(r.Due) }

// AnsweredLate reports whether the request was closed by the operator
// (answered or refused) after its due moment.
func (r Request) AnsweredLate() bool {
	return (r.Status == StatusAnswered || r.Status == StatusRefused) && r.Closed.After(r.Due)
}

// Erased reports whether the request was erased by Forget.
func (r Request) Erased() bool { return strings.HasPrefix(r.Subject, ErasedPrefix) }

// LogValue implements [slog.LogValuer], leaving out the subject and the
// references.
func (r Request) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("id", r.ID), slog.String("kind", string(r.Kind)),
		slog.String("status", string(r.Status)), slog.Time("received", r.Received), slog.Time("due", r.Due),
	}
	if !r.Closed.IsZero() {
		attrs = append(attrs, slog.Time("closed", r.Closed))
	}
	if r.Reason != "" {
		attrs = append(attrs, slog.String("reason", string(r.Reason)))
	}
	return slog.GroupValue(attrs...)
}

// Erase returns r as [Forgetter.Forget] leaves it.
func Erase(r Request) Request {
	r.Subject = ErasedPrefix + rand.Text()
	r.TextRef = ""
	if r.AnswerRef != "" {
		r.AnswerRef = ErasedRef
	}
	return r
}

// Validate checks that r could be on record: among the rest, every time
// in years 1 to 9999 and every string valid UTF-8 without NUL bytes, what
// every store holds exactly. The error wraps [ErrInvalid] and never
// contains the subject.
func (r Request) Validate() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	switch {
	case r.ID == "":
		bad("empty id")
	case len(r.ID) > MaxIDLen || !utf8.ValidString(r.ID) || strings.ContainsFunc(r.ID, func(c rune) bool { return c < 0x20 || c == 0x7f }):
		bad("malformed id")
	}
	switch {
	case r.Subject == "":
		bad("empty subject")
	case len(r.Subject) > MaxSubjectLen:
		bad("subject longer than %d bytes", MaxSubjectLen)
	case !regval.Storable(r.Subject):
		bad("subject not valid UTF-8 or holds a NUL byte")
	}
	if len(r.TextRef) > MaxRefLen || len(r.AnswerRef) > MaxRefLen {
		bad("reference longer than %d bytes", MaxRefLen)
	} else if !regval.Storable(r.TextRef) || !regval.Storable(r.AnswerRef) {
		bad("reference not valid UTF-8 or holds a NUL byte")
	}
	if !r.Kind.Valid() {
		bad("unknown kind %q", clip.String(string(r.Kind), maxQuote))
	}
	if !r.Channel.Valid() {
		bad("unknown channel %q", clip.String(string(r.Channel), maxQuote))
	}
	if !r.Status.Valid() {
		bad("unknown status %q", clip.String(string(r.Status), maxQuote))
	}
	if r.Received.IsZero() {
		bad("zero receipt time")
	} else if r.Due.Before(r.Received) {
		bad("due before receipt")
	}
	for _, t := range []time.Time{r.Received, r.Due, r.Closed} {
		if !regval.InYears(t) {
			bad("a time outside years 1 to 9999")
			break
		}
	}
	if !r.Closed.IsZero() && r.Closed.Before(r.Received) {
		bad("closed before receipt")
	}
	switch r.Status {
	case StatusReceived:
		if !r.Closed.IsZero() || r.AnswerRef != "" || r.Reason != "" {
			bad("received request with a closing")
		}
	case StatusAnswered:
		if r.Closed.IsZero() || r.AnswerRef == "" || r.Reason != "" {
			bad("answered request needs its time and answer reference, and no reason")
		}
	case StatusRefused:
		if r.Closed.IsZero() || r.AnswerRef == "" {
			bad("refused request needs its time and the reference of the written refusal")
		}
		if !r.Reason.Valid() {
			bad("refused request needs a known reason")
		} else if !r.Kind.Allows(r.Reason) {
			bad("reason %s not allowed for kind %s", r.Reason, r.Kind)
		}
	case StatusWithdrawn:
		if r.Closed.IsZero() || r.AnswerRef != "" || r.Reason != "" {
			bad("withdrawn request needs its time only")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: request %q: %s", ErrInvalid, clip.String(r.ID, maxQuote), strings.Join(problems, "; "))
	}
	return nil
}

// takesErasedPrefix reports whether s starts with [ErasedPrefix] in any
// case of ASCII letters: such a subject is refused when filed, so a
// store's trigger or index, which may compare without regard to case
// (SQLite's LIKE does), never takes a live record for an erased one.
func takesErasedPrefix(s string) bool { return regval.HasPrefixFold(s, ErasedPrefix) }
