package claims

import (
	"fmt"
	"strings"

	"github.com/yasam/privacy/internal/clip"
)

// Topic is what a claim is about.
type Topic string

// The topics a claim can have. A host that needs finer ones keeps them in
// the written claim; the register sorts claims only as far as reports and
// reminders need.
const (
	// TopicMisuse: misuse of personal data, the liability of clause 7.1.
	TopicMisuse Topic = "misuse"
	// TopicDisclosure: data handed to a recipient (clauses 5.1, 5.2, 6.3).
	TopicDisclosure Topic = "disclosure"
	// TopicConsent: consent or acceptance of the policy, given or
	// withdrawn (clauses 2.1, 5.2, 9.3).
	TopicConsent Topic = "consent"
	// TopicAccess: the subject's access to, or correction of, their data.
	TopicAccess Topic = "access"
	// TopicOther: anything else; the default of [Registry.File].
	TopicOther Topic = "other"
)

// Topics returns every topic, in a stable order.
func Topics() []Topic {
	return []Topic{TopicMisuse, TopicDisclosure, TopicConsent, TopicAccess, TopicOther}
}

// Valid reports whether t is one of [Topics].
func (t Topic) Valid() bool {
	switch t {
	case TopicMisuse, TopicDisclosure, TopicConsent, TopicAccess, TopicOther:
		return true
	}
	return false
}

// ParseTopic reads a topic as written in a form or a query string: case
// and surrounding spaces do not matter.
func ParseTopic(s string) (Topic, error) {
	t := Topic(normalize(s))
	if !t.Valid() {
		return "", fmt.Errorf("%w: unknown topic %q", ErrInvalid, clip.String(s, maxQuote))
	}
	return t, nil
}

// MarshalText implements [encoding.TextMarshaler].
func (t Topic) MarshalText() ([]byte, error) { return []byte(t), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseTopic].
func (t *Topic) UnmarshalText(b []byte) error {
	v, err := ParseTopic(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Channel is how a written claim reached the operator.
type Channel string

// The channels a claim can arrive by.
const (
	ChannelPaper Channel = "paper" // a letter or a paper handed in
	ChannelEmail Channel = "email" // an e-mail
	ChannelApp   Channel = "app"   // a form in the mobile app or on the site
	// ChannelOther: any other written form; the default of
	// [Registry.File].
	ChannelOther Channel = "other"
)

// Channels returns every channel, in a stable order.
func Channels() []Channel {
	return []Channel{ChannelPaper, ChannelEmail, ChannelApp, ChannelOther}
}

// Valid reports whether c is one of [Channels].
func (c Channel) Valid() bool {
	switch c {
	case ChannelPaper, ChannelEmail, ChannelApp, ChannelOther:
		return true
	}
	return false
}

// ParseChannel reads a channel: case and surrounding spaces do not
// matter, and "e-mail" is read as [ChannelEmail].
func ParseChannel(s string) (Channel, error) {
	n := normalize(s)
	if n == "e-mail" {
		n = string(ChannelEmail)
	}
	c := Channel(n)
	if !c.Valid() {
		return "", fmt.Errorf("%w: unknown channel %q", ErrInvalid, clip.String(s, maxQuote))
	}
	return c, nil
}

// MarshalText implements [encoding.TextMarshaler].
func (c Channel) MarshalText() ([]byte, error) { return []byte(c), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseChannel].
func (c *Channel) UnmarshalText(b []byte) error {
	v, err := ParseChannel(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Status is where a claim stands. A claim starts [StatusReceived]; the
// changes allowed are
//
//	received → answered    the written answer of clause 8.2 was sent
//	received → withdrawn   the subject withdrew the claim
//	received → escalated   the subject went to court (8.3) without an answer
//	answered → escalated   the answer did not settle the dispute (8.3)
//
// Withdrawn and escalated claims are closed: nothing follows them.
type Status string

// The statuses of a claim.
const (
	StatusReceived  Status = "received"
	StatusAnswered  Status = "answered"
	StatusWithdrawn Status = "withdrawn"
	StatusEscalated Status = "escalated" // to court, clause 8.3
)

// Statuses returns every status, in the order a claim goes through them.
func Statuses() []Status {
	return []Status{StatusReceived, StatusAnswered, StatusWithdrawn, StatusEscalated}
}

// Valid reports whether s is one of [Statuses].
func (s Status) Valid() bool {
	switch s {
	case StatusReceived, StatusAnswered, StatusWithdrawn, StatusEscalated:
		return true
	}
	return false
}

// Open reports whether a claim in status s still awaits its answer.
func (s Status) Open() bool { return s == StatusReceived }

// CanBecome reports whether a claim in status s may change to next; see
// [Status] for the allowed changes.
func (s Status) CanBecome(next Status) bool {
	switch s {
	case StatusReceived:
		return next == StatusAnswered || next == StatusWithdrawn || next == StatusEscalated
	case StatusAnswered:
		return next == StatusEscalated
	}
	return false
}

// ParseStatus reads a status: case and surrounding spaces do not matter,
// and "escalated-to-court" and "escalated_to_court" are read as
// [StatusEscalated].
func ParseStatus(s string) (Status, error) {
	n := normalize(s)
	if n == "escalated-to-court" || n == "escalated_to_court" {
		n = string(StatusEscalated)
	}
	st := Status(n)
	if !st.Valid() {
		return "", fmt.Errorf("%w: unknown status %q", ErrInvalid, clip.String(s, maxQuote))
	}
	return st, nil
}

// MarshalText implements [encoding.TextMarshaler].
func (s Status) MarshalText() ([]byte, error) { return []byte(s), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseStatus].
func (s *Status) UnmarshalText(b []byte) error {
	v, err := ParseStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

func normalize(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 32
