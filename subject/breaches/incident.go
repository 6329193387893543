package breaches

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/subject/internal/regval"
)

// Errors of [Register] and every [Store]; test with errors.Is. Messages
// name incident IDs, which are random, never a subject.
var (
	ErrNotFound = errors.New("breaches: incident not found")
	// ErrInvalid: an incident or argument failed validation; nothing was
	// written.
	ErrInvalid = errors.New("breaches: invalid incident")
	// ErrAlreadyNotified: that notice was already recorded as sent.
	ErrAlreadyNotified = errors.New("breaches: notice already sent")
	// ErrConflict: the incident ID is taken.
	ErrConflict = errors.New("breaches: conflicting write")
	// ErrRetained: erasure refused: the subject is in an incident whose
	// subjects have not been notified yet.
	ErrRetained = errors.New("breaches: record must be kept")
	// ErrDeadline: the calendar could not compute a due date.
	ErrDeadline    = errors.New("breaches: cannot compute the due date")
	ErrClosed      = errors.New("breaches: store closed")
	ErrUnavailable = errors.New("breaches: store unavailable")
	// ErrNotConfigured: a [Register] not made by [New] was used.
	ErrNotConfigured = errors.New("breaches: register not configured: create it with breaches.New")
)

// Limits.
const (
	MaxSubjectLen = 256
	MaxRefLen     = 1024
	MaxIDLen      = 128
	// MaxSubjects bounds the subjects of one incident record; a larger
	// breach is recorded as several incidents.
	MaxSubjects = 100_000
)

// IDPrefix starts the ID of every incident recorded by a [Register].
const IDPrefix = "brc_"

// ErasedPrefix starts a subject erased from an incident.
const ErasedPrefix = "erased:"

// Addressee is who a breach notice goes to.
type Addressee string

// The addressees of breach notices.
const (
	// ToAuthority: the authorised body for personal data protection
	// (Law 94-V art. 25, unconfirmed; Law 44-VIII, secondary: from
	// 1 July 2024, within 1 working day of detection).
	ToAuthority Addressee = "authority"
	// ToSubjects: the data subjects affected (Rules 481 of 9 August
	// 2024, secondary; their deadline was not read).
	ToSubjects Addressee = "subjects"
)

// Valid reports whether a is a known addressee.
func (a Addressee) Valid() bool { return a == ToAuthority || a == ToSubjects }

// Incident is a breach of the security of personal data: unauthorised
// access to, or loss or disclosure of, the data of the Subjects. Times of
// notices are zero until the notice is sent. Incident is a value.
type Incident struct {
	ID       string
	Detected time.Time
	// DescriptionRef points to the internal report (what happened, the
	// measures taken, the responsible person's contacts).
	DescriptionRef string
	// Subjects are the subjects affected, sorted, without duplicates.
	// Personal data: [Incident.LogValue] gives only their number.
	Subjects []string

	AuthorityDue      time.Time
	AuthorityNotified time.Time
	AuthorityRef      string
	SubjectsDue       time.Time
	SubjectsNotified  time.Time
	SubjectsRef       string
}

// NewID returns a new incident ID: [IDPrefix] and 128 random bits.
func NewID() string { return IDPrefix + rand.Text() }

// Notice is a notice an incident owes.
type Notice struct {
	Incident string
	To       Addressee
	Due      time.Time
}

// Pending returns the notices of i not yet sent.
func (i Incident) Pending() []Notice {
	var out []Notice
	if i.AuthorityNotified.IsZero() {
		out = append(out, Notice{i.ID, ToAuthority, i.AuthorityDue})
	}
	if i.SubjectsNotified.IsZero() && len(i.Subjects) > 0 {
		out = append(out, Notice{i.ID, ToSubjects, i.SubjectsDue})
	}
	return out
}

// LogValue implements [slog.LogValuer]: the number of subjects, never who.
func (i Incident) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", i.ID), slog.Time("detected", i.Detected), slog.Int("subjects", len(i.Subjects)),
		slog.Time("authority_due", i.AuthorityDue), slog.Bool("authority_notified", !i.AuthorityNotified.IsZero()),
		slog.Time("subjects_due", i.SubjectsDue), slog.Bool("subjects_notified", !i.SubjectsNotified.IsZero()),
	)
}

// Validate checks that i could be on record (among the rest, every time
// in years 1 to 9999 and every string valid UTF-8 without NUL bytes, what
// every store holds exactly); the error wraps [ErrInvalid] and names no
// subject.
func (i Incident) Validate() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	switch {
	case i.ID == "":
		bad("empty id")
	case len(i.ID) > MaxIDLen || !utf8.ValidString(i.ID) || strings.ContainsFunc(i.ID, func(c rune) bool { return c < 0x20 || c == 0x7f }):
		bad("malformed id")
	}
	if i.Detected.IsZero() {
		bad("zero detection time")
	}
	for _, t := range []time.Time{i.Detected, i.AuthorityDue, i.AuthorityNotified, i.SubjectsDue, i.SubjectsNotified} {
		if !regval.InYears(t) {
			bad("a time outside years 1 to 9999")
			break
		}
	}
	if len(i.DescriptionRef) > MaxRefLen || len(i.AuthorityRef) > MaxRefLen || len(i.SubjectsRef) > MaxRefLen {
		bad("reference longer than %d bytes", MaxRefLen)
	} else if !regval.Storable(i.DescriptionRef) || !regval.Storable(i.AuthorityRef) || !regval.Storable(i.SubjectsRef) {
		bad("reference not valid UTF-8 or holds a NUL byte")
	}
	if len(i.Subjects) > MaxSubjects {
		bad("more than %d subjects", MaxSubjects)
	}
	for k, s := range i.Subjects {
		if s == "" || len(s) > MaxSubjectLen {
			bad("subject %d empty or longer than %d bytes", k, MaxSubjectLen)
			break
		}
		if !regval.Storable(s) {
			bad("subject %d not valid UTF-8 or holds a NUL byte", k)
			break
		}
		if k > 0 && i.Subjects[k-1] >= s {
			bad("subjects not sorted or duplicated")
			break
		}
	}
	for _, n := range []struct {
		what      string
		due, sent time.Time
		ref       string
	}{{"authority", i.AuthorityDue, i.AuthorityNotified, i.AuthorityRef}, {"subjects", i.SubjectsDue, i.SubjectsNotified, i.SubjectsRef}} {
		if n.due.IsZero() || n.due.Before(i.Detected) {
			bad("%s due before detection", n.what)
		}
		if !n.sent.IsZero() && n.sent.Before(i.Detected) {
			bad("%s notified before detection", n.what)
		}
		if n.sent.IsZero() != (n.ref == "") {
			bad("%s notice time and reference go together", n.what)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: incident %q: %s", ErrInvalid, clip.String(i.ID, maxQuote), strings.Join(problems, "; "))
	}
	return nil
}

// normalizeSubjects sorts and deduplicates subjects, in a new slice.
func normalizeSubjects(subjects []string) []string {
	out := slices.Clone(subjects)
	slices.Sort(out)
	return slices.Compact(out)
}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64

// takesErasedPrefix reports whether s starts with [ErasedPrefix] in any
// case of ASCII letters: such a subject is refused when filed, so a
// store's trigger or index, which may compare without regard to case
// (SQLite's LIKE does), never takes a live record for an erased one.
func takesErasedPrefix(s string) bool { return regval.HasPrefixFold(s, ErasedPrefix) }
