package policy

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/internal/hmacpool"
	"github.com/yasam/privacy/purpose"
)

// DecisionID identifies one Decision. It is a value of 16 bytes, made
// without allocating: 8 random bytes chosen when the engine is built, then
// a counter the engine advances on every Check. Its text form is that of a
// UUID of version 8 (RFC 9562: custom layout), as decision logs and traces
// expect. The zero DecisionID is no decision's.
type DecisionID [16]byte

// String returns the ID as a UUID: 8-4-4-4-12 lower-case hex digits.
func (id DecisionID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], id[10:16])
	return string(b[:])
}

// IsZero reports whether id is the zero DecisionID.
func (id DecisionID) IsZero() bool { return id == DecisionID{} }

// MarshalText implements encoding.TextMarshaler (the UUID form).
func (id DecisionID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; see [ParseDecisionID].
func (id *DecisionID) UnmarshalText(b []byte) error {
	v, err := ParseDecisionID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ErrInvalidDecisionID is returned by [ParseDecisionID] for text that is
// not a DecisionID's.
var ErrInvalidDecisionID = errors.New("policy: invalid decision ID")

// ParseDecisionID parses the text form of a DecisionID, for an auditor
// going from a ledger entry or a log record back to the decision.
func ParseDecisionID(s string) (DecisionID, error) {
	var id DecisionID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return DecisionID{}, fmt.Errorf("%w: not in the 8-4-4-4-12 form", ErrInvalidDecisionID)
	}
	hexOnly := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(hexOnly)); err != nil {
		return DecisionID{}, fmt.Errorf("%w: not hexadecimal", ErrInvalidDecisionID)
	}
	return id, nil
}

// mix folds the ID into the seal's recipient hash (see [Verify]).
func (id DecisionID) mix() uint64 {
	return binary.LittleEndian.Uint64(id[0:8])*0xbf58476d1ce4e5b9 ^ binary.LittleEndian.Uint64(id[8:16])
}

// idSource makes DecisionIDs: a random prefix and a counter.
//
// The counter is written by every Check. So that parallel Checks do not
// all write one cache line, it is striped: stripe k of idStripes hands out
// k, k+idStripes, k+2*idStripes, ... (so no two stripes ever give the same
// value), each stripe alone on its cache line, and a Check picks a stripe
// by the address of its goroutine's stack, a hint that differs between
// goroutines and costs nothing. The hint only spreads the writes: any
// stripe gives a unique ID.
type idSource struct {
	prefix  uint64
	_       [cacheLine - 8]byte
	stripes [idStripes]struct {
		n atomic.Uint64
		_ [cacheLine - 8]byte
	}
}

// cacheLine is a cache line's size, or twice it where adjacent lines are
// fetched in pairs (amd64).
const cacheLine = 128

// idStripes is the number of counter stripes, a power of two.
const idStripes = 8

func newIDSource() *idSource {
	// Version 8 in the high nibble of byte 6.
	return &idSource{prefix: rand.Uint64()&^(0xf<<12) | 0x8<<12}
}

func (s *idSource) next() DecisionID {
	var id DecisionID
	// The stack's address, in units of the smallest goroutine stack (8 KiB):
	// a number only, never dereferenced.
	k := uint64(uintptr(unsafe.Pointer(&id))>>13) % idStripes
	n := (s.stripes[k].n.Add(1)-1)*idStripes + k + 1
	binary.BigEndian.PutUint64(id[0:8], s.prefix)
	// Variant 10 in the two high bits of byte 8; 62 bits of counter.
	binary.BigEndian.PutUint64(id[8:16], n&(1<<62-1)|1<<63)
	return id
}

// Observer is told about every Check once it has decided, on the caller's
// goroutine, before Check returns: it must be fast and must not block
// (hand slow work to a goroutine or a buffered handler). It must treat the
// Decision's slices as read-only. An Observer is used by many goroutines
// at once and must be safe for that. A panicking Observer turns the Check
// into a denial (see [ErrObserver]).
//
// An Observer never learns the user's ID: only the pseudonym of
// [WithSubjectPseudonym], when the host sets one.
type Observer interface {
	ObserveCheck(ctx context.Context, c CheckInfo)
}

// ObserverFunc adapts a function to [Observer].
type ObserverFunc func(ctx context.Context, c CheckInfo)

// ObserveCheck calls f.
func (f ObserverFunc) ObserveCheck(ctx context.Context, c CheckInfo) { f(ctx, c) }

// CheckInfo describes one Check to an [Observer]. It names no user.
type CheckInfo struct {
	// Decision is what Check returns (its ID included).
	Decision Decision
	// Err is the error Check returns, nil on a decision made without
	// fault. Use errors.Is or [FailureReason]; its text may hold a store's
	// words and is not for logs.
	Err error
	// Start is when Check began, by the wall clock; Duration how long it
	// took until the observers were called.
	Start    time.Time
	Duration time.Duration
	// CacheHit reports that the decision came from the decision cache: the
	// Rego was not evaluated.
	CacheHit bool
	// StoreError reports that the consent store failed or misbehaved
	// ([ErrConsentUnavailable]).
	StoreError bool
	// Subject is the user's pseudonym by [WithSubjectPseudonym]; empty
	// when the host set none. Never the user ID.
	Subject string
	// RecipientKind is the registered recipient's kind; empty for
	// [Operator] and for an unknown recipient.
	RecipientKind disclosure.Kind
	// Categories are the categories the Check named, as given; for those
	// the decision judged, see Decision.Categories. Read-only: it may be
	// the caller's slice.
	Categories []purpose.Category
	// BundleRevision is the revision of the bundle in use, if any.
	BundleRevision string
	// Redacted reports that the recipient's ID must not be logged (unless
	// the engine has [WithVerboseErrors]): an individual's (RecipientKind
	// says so), whose ID may be a person's name, or, with RecipientKind
	// empty, one the engine does not know, which may hold whatever the
	// caller sent. Log "[individual]" or "[unregistered]" in its place.
	Redacted bool
	// PurposeUnknown reports that the purpose is not in the catalog: a
	// failed Check's, which may hold whatever the caller sent, not to be
	// logged (unless the engine has [WithVerboseErrors]).
	PurposeUnknown bool
}

// ErrObserver is wrapped by the error of a Check whose [Observer]
// panicked: the Check is denied (fail closed), since what was meant to
// record it did not.
var ErrObserver = errors.New("policy: observer failed")

// WithObserver adds an observer every Check reports to, in the order
// given. Without any, Check pays one nil check for the feature. Reload
// keeps the engine's observers unless its options name some.
func WithObserver(o Observer) Option {
	return func(c *config) { c.telemetry.observers = append(c.telemetry.observers, o) }
}

// WithSubjectPseudonym sets the function that turns a user ID into the
// pseudonym observers and decision logs see, for example a keyed HMAC
// ([HMACPseudonym], or package anonymize's Pseudonymizer) whose key the
// host keeps apart from the logs. Without it observers see no subject.
// The function is called once per Check when an observer is set, and must
// be safe for concurrent use.
func WithSubjectPseudonym(f func(user string) string) Option {
	return func(c *config) { c.telemetry.pseudonym, c.telemetry.pseudonymSet = f, true }
}

// HMACPseudonym returns a pseudonymising function for
// [WithSubjectPseudonym]: HMAC-SHA-256 of the user ID under key, cut to 128
// bits, base64url, prefixed "h1:". The same user gets the same pseudonym
// under the same key, so an auditor holding the key can find a user's
// decisions; without the key the pseudonym tells nothing. key must hold at
// least 32 bytes; keep it out of the logs' reach.
func HMACPseudonym(key []byte) (func(user string) string, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("%w: pseudonym key of %d bytes, at least 32 needed", ErrInvalidConfig, len(key))
	}
	k := hmacpool.New(key)
	const prefix = "h1:"
	return func(user string) string {
		var sum [hmacpool.Size]byte
		var out [len(prefix) + 22]byte // 16 bytes in unpadded base64
		copy(out[:], prefix)
		base64.RawURLEncoding.Encode(out[len(prefix):], k.Sum(sum[:0], user)[:16])
		return string(out[:])
	}, nil
}

// telemetryConfig is what the options above collect.
type telemetryConfig struct {
	observers    []Observer
	pseudonym    func(string) string
	pseudonymSet bool
	logs         []*decisionLog
}

// telemetry is a snapshot's: decision IDs and observers.
type telemetry struct {
	ids       *idSource
	obs       Observer // nil: none (the warm path's one check)
	pseudonym func(string) string
	// nondeterministic: the rules may call non-deterministic builtins, so
	// a decision is not a function of its key and cannot be planned.
	nondeterministic bool
}

// newTelemetry builds a snapshot's telemetry; a reload keeps the ID
// source, and the observers and pseudonym unless opts name others.
func newTelemetry(cfg *config, current *snapshot) (*telemetry, error) {
	tc := cfg.telemetry
	t := &telemetry{pseudonym: tc.pseudonym, nondeterministic: cfg.nondeterminism}
	if current != nil && current.tel != nil {
		t.ids = current.tel.ids
		if len(tc.observers) == 0 && len(tc.logs) == 0 {
			t.obs = current.tel.obs
		}
		if !tc.pseudonymSet {
			t.pseudonym = current.tel.pseudonym
		}
	} else {
		t.ids = newIDSource()
	}
	if tc.pseudonymSet && tc.pseudonym == nil {
		return nil, fmt.Errorf("%w: nil subject pseudonym function", ErrInvalidConfig)
	}
	obs := make(observers, 0, len(tc.observers)+len(tc.logs))
	for _, o := range tc.observers {
		if o == nil {
			return nil, fmt.Errorf("%w: nil observer", ErrInvalidConfig)
		}
		obs = append(obs, o)
	}
	for _, l := range tc.logs {
		if err := l.validate(); err != nil {
			return nil, err
		}
		obs = append(obs, l)
	}
	switch len(obs) {
	case 0:
	case 1:
		t.obs = obs[0]
	default:
		t.obs = obs
	}
	return t, nil
}

// observers calls each in turn.
type observers []Observer

func (os observers) ObserveCheck(ctx context.Context, c CheckInfo) {
	for _, o := range os {
		o.ObserveCheck(ctx, c)
	}
}

// observed is Check with observers: it times the Check and tells them.
func (e *snapshot) observed(ctx context.Context, user string, p purpose.ID, recipient string, opts []CheckOption) (d Decision, err error) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			// The panic value may hold anything: it is not quoted.
			base := Decision{Purpose: p, Recipient: recipient, PolicyVersion: d.PolicyVersion}
			d, err = e.deny(base, user, CodePolicyError, ""), fmt.Errorf("%w: an observer or the subject pseudonym panicked", ErrObserver)
		}
	}()
	var hit bool
	err = e.check(ctx, user, p, recipient, opts, &hit, &d)
	info := CheckInfo{
		Duration:       time.Since(start),
		Decision:       d,
		Err:            err,
		Start:          start,
		CacheHit:       hit,
		StoreError:     errors.Is(err, ErrConsentUnavailable),
		BundleRevision: e.revision,
		Redacted:       d.issued != nil && d.issued.redact,
		PurposeUnknown: d.issued != nil && d.issued.hidePurpose,
	}
	if r, ok := e.recipients[recipient]; ok {
		info.RecipientKind = r.Kind
	}
	if len(opts) == 1 {
		info.Categories = opts[0].categories // the common case: no copy
	} else {
		for _, o := range opts {
			info.Categories = append(info.Categories, o.categories...)
		}
	}
	if e.tel.pseudonym != nil && user != "" && len(user) <= MaxUserLen {
		info.Subject = e.tel.pseudonym(user)
	}
	e.tel.obs.ObserveCheck(ctx, info)
	return d, err
}
