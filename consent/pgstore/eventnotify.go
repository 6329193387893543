package pgstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// A transaction that Append commits in one round trip also notifies its
// events, so that other instances bring their cached states forward from
// the notification instead of reading the database: eventsPrefix, then,
// in unpadded base64url, a nonce and the events sealed with AES-256-GCM.
// NOTIFY is open to any role that may connect to the database, so the
// events (personal data) never travel in the clear, and a listener
// trusts them only as far as it can check them:
//
//   - The transaction's first notification, "o:<xid>/<mark>", ends in a
//     MAC over that text that the server computes in the same statement
//     (it alone knows the xid), from the notify key read in SQL: a role
//     that may not read consent_meta cannot name a transaction as one of
//     the store's. Without a valid MAC the listener ignores the events.
//   - The events are sealed under a key of the sending Store (derived by
//     HKDF from the notify key and the Store's random nonce, the first
//     part of its mark), with the mark as additional data: they open only
//     after the "o:" of the commit that sealed them. The GCM nonce is the
//     mark's sequence number and the payload's index, so it never repeats
//     under a key.
//
// A replay of a whole transaction's notifications brings nothing new: a
// state that lacks that transaction takes its own events. The tags that
// follow name the same users, for instances that cannot read the events
// (an earlier version takes the payload for a tag no user has).
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
	// macLen is the length of the MAC that ends an "o:" notification:
	// 16 bytes in hex.
	macLen = 32
)

// eventsSalt separates the events' keys from the tags' HMAC and the
// marks' MAC, all derived from the notify key.
const eventsSalt = "pgstore: notification events"

// maxSenders bounds the senders' keys a listener keeps.
const maxSenders = 256

// errSealed is returned for a notification of events that cannot be
// opened or read: it is then ignored, and its tags tell of the change.
var errSealed = errors.New("pgstore: malformed notification of events")

// b64 is the payloads' encoding; strict, so that a payload has one form.
var b64 = base64.RawURLEncoding.Strict()

// sealer seals and opens notifications of events and checks the MAC of
// a transaction's "o:" notification. It is safe for concurrent use.
type sealer struct {
	key    []byte   // the tables' notify key
	k1, k2 [32]byte // the marks' MAC keys: sha256(key || 0x01), sha256(key || 0x02)

	mu    sync.Mutex
	aeads map[string]cipher.AEAD // by sending Store's nonce
}

func newSealer(notifyKey []byte) *sealer {
	s := &sealer{key: notifyKey, aeads: make(map[string]cipher.AEAD)}
	s.k1 = sha256.Sum256(append(slices.Clip(notifyKey), 1))
	s.k2 = sha256.Sum256(append(slices.Clip(notifyKey), 2))
	return s
}

// headMAC is the MAC that the server appends to a transaction's head,
// "o:<xid>/<mark>" (see queries.notify): sha256(k2 || sha256(k1 || head
// "|" server)), its first 16 bytes in hex. server names the server and
// the tables (see queries.macServer): a transaction ID names one
// transaction only on one server's history, so a head captured before a
// failover that lost commits, a point-in-time restore, or on a copy of
// the tables elsewhere does not check here.
func (s *sealer) headMAC(head, server string) string {
	inner := sha256.Sum256(append(append(append(s.k1[:], head...), '|'), server...))
	outer := sha256.Sum256(append(s.k2[:], inner[:]...))
	return hex.EncodeToString(outer[:macLen/2])
}

// checkHead reports whether payload is a head followed by "/" and its
// valid MAC on server, and returns the head (payload itself when it is
// not). signed reports whether payload ends in something of a MAC's
// form, checked or not (an earlier version's heads do not).
func (s *sealer) checkHead(payload, server string) (head string, ok, signed bool) {
	i := strings.LastIndexByte(payload, '/')
	if i < 0 || len(payload)-i-1 != macLen || !isTag(payload[i+1:]) {
		return payload, false, false
	}
	head = payload[:i]
	if server == "" || !hmac.Equal([]byte(payload[i+1:]), []byte(s.headMAC(head, server))) {
		return payload, false, true
	}
	return head, true, true
}

// aead returns the AEAD of the Store whose nonce is sender.
func (s *sealer) aead(sender string) (cipher.AEAD, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.aeads[sender]; ok {
		return a, nil
	}
	k, err := hkdf.Key(sha256.New, s.key, []byte(eventsSalt), sender, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	a, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(s.aeads) >= maxSenders {
		clear(s.aeads) // senders of long ago: derived again if they speak
	}
	s.aeads[sender] = a
	return a, nil
}

// markParts splits a mark, "/<nonce>.<seq>", into the sending Store's
// nonce and the commit's sequence number.
func markParts(mark string) (sender string, seq uint64, ok bool) {
	rest, ok := strings.CutPrefix(mark, "/")
	if !ok {
		return "", 0, false
	}
	return splitMark(rest)
}

// splitMark splits a mark without its "/", "<nonce>.<seq>" (see
// markParts).
func splitMark(m string) (sender string, seq uint64, ok bool) {
	sender, n, ok := strings.Cut(m, ".")
	if !ok || sender == "" {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	return sender, seq, err == nil
}

// userEvents are one user's events of a transaction, in log order.
type userEvents struct {
	subject string
	events  []consent.Event
}

// byUser groups the events of batches by subject, users in order of
// first appearance and each user's events in their order.
//
// Every user's events share one array: a group commit of many users'
// single events makes one allocation for them, not one each.
func byUser(batches ...[]consent.Event) []userEvents {
	var (
		out    []userEvents
		counts []int
		n      int
		at     = make(map[string]int)
	)
	for _, b := range batches {
		for _, e := range b {
			i, ok := at[e.Subject]
			if !ok {
				i = len(out)
				at[e.Subject] = i
				out = append(out, userEvents{subject: e.Subject})
				counts = append(counts, 0)
			}
			counts[i]++
			n++
		}
	}
	all := make([]consent.Event, n)
	off := 0
	for i := range out {
		out[i].events = all[off : off : off+counts[i]]
		off += counts[i]
	}
	for _, b := range batches {
		for _, e := range b {
			i := at[e.Subject]
			out[i].events = append(out[i].events, e)
		}
	}
	return out
}

// seal returns the notifications that carry users' events for the
// commit whose mark is mark (this Store's): as many users to a
// notification as fit under PostgreSQL's limit, and a user whose events
// alone do not fit in none.
func (s *sealer) seal(mark string, users []userEvents) ([]string, error) {
	sender, seq, ok := markParts(mark)
	if !ok {
		return nil, errors.New("pgstore: seal events: malformed mark")
	}
	a, err := s.aead(sender)
	if err != nil {
		return nil, err
	}
	var (
		out   []string
		plain = []byte{eventsFormat}
		block []byte
	)
	flush := func() {
		if len(plain) > 1 {
			var nonce [gcmNonce]byte
			binary.BigEndian.PutUint64(nonce[:8], seq)
			binary.BigEndian.PutUint32(nonce[8:], uint32(len(out)))
			buf := append(make([]byte, 0, gcmNonce+len(plain)+gcmTag), nonce[:]...)
			buf = a.Seal(buf, nonce[:], plain, []byte(eventsPrefix+mark))
			text := make([]byte, 0, len(eventsPrefix)+b64.EncodedLen(len(buf)))
			out = append(out, string(b64.AppendEncode(append(text, eventsPrefix...), buf)))
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
	return out, nil
}

// open reads a notification of events (payload starts with
// eventsPrefix) of the commit whose mark, checked by its head's MAC, is
// mark, interning low-cardinality strings through in (may be nil). Any
// fault, tampering or another commit's payload included, returns
// errSealed.
func (s *sealer) open(payload, mark string, in *interner) ([]userEvents, error) {
	sender, _, ok := markParts(mark)
	if !ok {
		return nil, errSealed
	}
	a, err := s.aead(sender)
	if err != nil {
		return nil, errSealed
	}
	raw, err := b64.DecodeString(payload[len(eventsPrefix):])
	if err != nil || len(raw) < gcmNonce+gcmTag {
		return nil, errSealed
	}
	plain, err := a.Open(nil, raw[:gcmNonce], raw[gcmNonce:], []byte(eventsPrefix+mark))
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
	seen := make(map[string]bool)
	for len(d.b) > 0 && !d.bad {
		u := userEvents{subject: d.string()}
		n := d.count(minEvent)
		if d.bad || n == 0 || u.subject == "" || seen[u.subject] {
			return nil, errSealed
		}
		seen[u.subject] = true
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
