package pgstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// A transaction that Append commits in one round trip also notifies its
// events, so that other instances bring their cached states forward from
// the notification instead of reading the database: eventsPrefix, then,
// in unpadded base64url, a random nonce and the events sealed with
// AES-256-GCM under a key derived from the tables' notify key. NOTIFY is
// readable by any role that may connect to the database, so the events
// (personal data) never travel in the clear; the tags that follow name
// the same users, for instances that cannot read the events (an earlier
// version takes the payload for a tag no user has, and ignores it).
//
// The sealed text is eventsFormat, then one block per user: the subject,
// the number of events, and each event's fields (strings length-prefixed
// with a uvarint, instants as a varint of seconds and a uvarint of
// nanoseconds). A user's events go in one notification or in none (too
// long: the tag alone then tells of the change).
const (
	// eventsPrefix starts a notification of sealed events; a tag is
	// hex, so it never contains ':'.
	eventsPrefix = "e:"
	// eventsFormat is the sealed text's first byte.
	eventsFormat = 1
	// maxSealed is the longest sealed text (nonce, ciphertext, GCM tag)
	// whose base64url after eventsPrefix fits in maxPayload.
	maxSealed = (maxPayload - len(eventsPrefix)) / 4 * 3
	// maxPlain is the longest plain text a notification carries.
	maxPlain = maxSealed - gcmNonce - gcmTag
	gcmNonce = 12
	gcmTag   = 16
)

// eventsKeyLabel separates the events' key from the tags' HMAC, both
// derived from the notify key.
const eventsKeyLabel = "pgstore: notification events, v1"

// errSealed is returned for a notification of events that cannot be
// opened or read: it is then ignored, and its tags tell of the change.
var errSealed = errors.New("pgstore: malformed notification of events")

// sealer seals and opens notifications of events. It is safe for
// concurrent use.
type sealer struct {
	aead cipher.AEAD
}

// newSealer derives the events' key from the tables' notify key.
func newSealer(notifyKey []byte) (*sealer, error) {
	m := hmac.New(sha256.New, notifyKey)
	m.Write([]byte(eventsKeyLabel))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// userEvents are one user's events of a transaction, in log order.
type userEvents struct {
	subject string
	events  []consent.Event
}

// byUser groups events by subject, users in order of first appearance
// and each user's events in their order.
func byUser(events []consent.Event) []userEvents {
	var out []userEvents
	at := make(map[string]int)
	for _, e := range events {
		i, ok := at[e.Subject]
		if !ok {
			i = len(out)
			at[e.Subject] = i
			out = append(out, userEvents{subject: e.Subject})
		}
		out[i].events = append(out[i].events, e)
	}
	return out
}

// seal returns the notifications that carry users' events: as many
// users to a notification as fit under PostgreSQL's limit, and a user
// whose events alone do not fit in none.
func (s *sealer) seal(users []userEvents) []string {
	var (
		out   []string
		plain = []byte{eventsFormat}
		block []byte
	)
	flush := func() {
		if len(plain) > 1 {
			out = append(out, s.sealOne(plain))
			plain = plain[:1]
		}
	}
	for _, u := range users {
		block = appendUser(block[:0], u)
		if 1+len(block) > maxPlain {
			continue
		}
		if len(plain)+len(block) > maxPlain {
			flush()
		}
		plain = append(plain, block...)
	}
	flush()
	return out
}

func (s *sealer) sealOne(plain []byte) string {
	buf := make([]byte, gcmNonce, gcmNonce+len(plain)+gcmTag)
	if _, err := rand.Read(buf); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	buf = s.aead.Seal(buf, buf[:gcmNonce], plain, []byte(eventsPrefix))
	return eventsPrefix + base64.RawURLEncoding.EncodeToString(buf)
}

// open reads a notification of events (payload starts with
// eventsPrefix), interning low-cardinality strings through in (may be
// nil). Any fault, tampering included, returns errSealed.
func (s *sealer) open(payload string, in *interner) ([]userEvents, error) {
	raw, err := base64.RawURLEncoding.DecodeString(payload[len(eventsPrefix):])
	if err != nil || len(raw) < gcmNonce+gcmTag {
		return nil, errSealed
	}
	plain, err := s.aead.Open(nil, raw[:gcmNonce], raw[gcmNonce:], []byte(eventsPrefix))
	if err != nil {
		return nil, errSealed
	}
	return decodeUsers(plain, in)
}

func appendUser(b []byte, u userEvents) []byte {
	b = appendString(b, u.subject)
	b = binary.AppendUvarint(b, uint64(len(u.events)))
	for _, e := range u.events {
		b = appendString(b, e.ID)
		b = appendString(b, string(e.Action))
		b = appendString(b, string(e.Scope.Purpose))
		b = appendString(b, e.Scope.Recipient)
		b = appendString(b, e.PolicyVersion)
		b = appendTime(b, e.At)
		b = appendString(b, string(e.Channel))
		b = appendString(b, e.Evidence)
		if e.Until.IsZero() {
			b = append(b, 0)
		} else {
			b = appendTime(append(b, 1), e.Until)
		}
		b = append(b, e.Flags.Bits())
		b = appendString(b, e.Operator.Name)
		b = appendString(b, e.Operator.BIN)
		b = binary.AppendUvarint(b, uint64(len(e.Categories)))
		for _, c := range e.Categories {
			b = appendString(b, string(c))
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendTime(b []byte, t time.Time) []byte {
	return binary.AppendUvarint(binary.AppendVarint(b, t.Unix()), uint64(t.Nanosecond()))
}

// decoder reads the sealed text; the first fault sticks.
type decoder struct {
	b   []byte
	bad bool
	in  *interner
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// common is a string interned (the ones many events share).
func (d *decoder) common() string {
	s := d.string()
	if d.in != nil {
		s = d.in.get(s)
	}
	return s
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) time() time.Time {
	sec, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return time.Time{}
	}
	d.b = d.b[n:]
	ns := d.uvarint()
	if ns >= 1e9 {
		d.bad = true
		return time.Time{}
	}
	return time.Unix(sec, int64(ns)).UTC()
}

// count reads a number of items, each taking at least min bytes: more
// than the bytes left could hold is a fault (and bounds allocations).
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)/min) || n > math.MaxInt32 {
		d.bad = true
		return 0
	}
	return int(n)
}

// minEvent is the fewest bytes an event takes: 9 empty strings, an
// instant, the until and flags bytes, and the count of categories.
const minEvent = 9 + 2 + 1 + 1 + 1

func decodeUsers(plain []byte, in *interner) ([]userEvents, error) {
	if len(plain) == 0 || plain[0] != eventsFormat {
		return nil, errSealed
	}
	d := &decoder{b: plain[1:], in: in}
	var out []userEvents
	for len(d.b) > 0 && !d.bad {
		u := userEvents{subject: d.string()}
		n := d.count(minEvent)
		if d.bad || n == 0 || u.subject == "" {
			return nil, errSealed
		}
		u.events = make([]consent.Event, 0, n)
		for range n {
			e := consent.Event{Subject: u.subject}
			e.ID = d.string()
			e.Action = consent.Action(d.common())
			e.Scope.Purpose = purpose.ID(d.common())
			e.Scope.Recipient = d.common()
			e.PolicyVersion = d.common()
			e.At = d.time()
			e.Channel = consent.Channel(d.common())
			e.Evidence = d.string()
			switch d.byte() {
			case 0:
			case 1:
				e.Until = d.time()
			default:
				d.bad = true
			}
			var ok bool
			if e.Flags, ok = consent.FlagsFromBits(d.byte()); !ok {
				d.bad = true
			}
			e.Operator.Name = d.common()
			e.Operator.BIN = d.common()
			if k := d.count(1); k > 0 {
				e.Categories = make([]purpose.Category, k)
				for i := range k {
					e.Categories[i] = purpose.Category(d.common())
				}
			}
			if d.bad {
				return nil, errSealed
			}
			u.events = append(u.events, e)
		}
		out = append(out, u)
	}
	if d.bad || len(out) == 0 {
		return nil, errSealed
	}
	return out, nil
}
