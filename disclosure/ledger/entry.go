package ledger

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

	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// Size limits of an entry's fields, in bytes (or items).
const (
	MaxSubjectLen   = policy.MaxUserLen
	MaxRecipientLen = disclosure.MaxIDLen
	MaxReferenceLen = 256
	// MaxSealedReferenceLen bounds a Reference sealed under a subject key
	// (see [WithKeyring]).
	MaxSealedReferenceLen = 4 + (12+MaxReferenceLen+16+2)/3*4
	MaxVersionLen         = 64
	MaxTextLen            = 64 // a purpose, category, kind, exception, basis code or clause
	MaxCategories         = purpose.MaxCategories
	MaxBasis              = 32
)

// Exception is one of the cases of clause 7.1 in which the operator is not
// liable for a disclosure. A host names the one it relies on with
// [WithException]; the ledger records it, it does not judge it.
type Exception string

// The exceptions of clause 7.1.
const (
	// ExceptionPublic: the information was public before it was disclosed.
	ExceptionPublic Exception = "public"
	// ExceptionPriorThirdParty: the information was received from a third
	// party before the operator received it.
	ExceptionPriorThirdParty Exception = "prior_third_party"
	// ExceptionConsent: the information was disclosed with the user's
	// consent.
	ExceptionConsent Exception = "consent"
)

// Valid reports whether x is one of the exceptions of clause 7.1. The empty
// Exception (none claimed) is not one.
func (x Exception) Valid() bool {
	switch x {
	case ExceptionPublic, ExceptionPriorThirdParty, ExceptionConsent:
		return true
	}
	return false
}

// String returns the exception itself.
func (x Exception) String() string { return string(x) }

// Basis is one ground a disclosure rested on: the code and clause of a
// reason of the allowing [policy.Decision], such as
// {Code: "consent_granted", Clause: "5.2"}. Messages are not kept: codes are
// stable, texts may be reworded.
type Basis struct {
	Code   string `json:"code"`
	Clause string `json:"clause"`
}

// Hash is a SHA-256 digest. It is written as lower-case hex in JSON and
// text.
type Hash [sha256.Size]byte

// String returns the hash in lower-case hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zeros, the PrevHash of the first entry.
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText encodes the hash as lower-case hex.
func (h Hash) MarshalText() ([]byte, error) {
	return hex.AppendEncode(make([]byte, 0, 2*len(h)), h[:]), nil
}

// UnmarshalText decodes a hash from 64 hex digits.
func (h *Hash) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(h) {
		return fmt.Errorf("%w: hash must be %d hex digits", ErrInvalidEntry, 2*len(h))
	}
	if _, err := hex.Decode(h[:], b); err != nil {
		return fmt.Errorf("%w: hash: %w", ErrInvalidEntry, err)
	}
	return nil
}

// Head names the last entry of a chain: its sequence number and hash. The
// zero Head is the head of an empty chain.
//
// A host that publishes or stores its Head somewhere the ledger's storage
// cannot reach (another system, a signed e-mail, a timestamping service)
// can later pass it to [Ledger.Verify]: that is what makes dropping or
// rewriting the tail of the chain detectable.
type Head struct {
	Seq  uint64 `json:"seq"`
	Hash Hash   `json:"hash"`
}

// Entry is one recorded disclosure of a subject's personal data.
//
// Hash is SHA-256 over the canonical encoding of every other field
// (PrevHash included), described at [Entry.Canonical]; PrevHash is the Hash
// of the entry before it (zero for the first). Changing any field of any
// entry therefore changes its hash, and breaks the link from the next one.
type Entry struct {
	// Seq numbers the entries 1, 2, 3, ... without gaps.
	Seq uint64 `json:"seq"`
	// At is when the disclosure was recorded, by the recording ledger's
	// clock, in UTC.
	At time.Time `json:"at"`
	// Subject is the user whose data was disclosed.
	Subject string `json:"subject"`
	// Purpose is the purpose the disclosure served.
	Purpose purpose.ID `json:"purpose"`
	// Recipient is the ID of whom the data went to, and RecipientKind its
	// kind, which decides the rule of clause 5 or 6.3 that applied.
	Recipient     string          `json:"recipient"`
	RecipientKind disclosure.Kind `json:"recipient_kind"`
	// Categories are the categories of data actually disclosed, sorted.
	Categories []purpose.Category `json:"categories"`
	// Basis is what the disclosure rested on: the reasons of the allowing
	// decision, in its order.
	Basis []Basis `json:"basis"`
	// Exception is the clause 7.1 exception the host relies on, if any.
	Exception Exception `json:"exception,omitempty"`
	// PolicyVersion is the version of the policy in force at the decision.
	PolicyVersion string `json:"policy_version"`
	// Reference optionally ties the entry to the host's request or
	// document. It must not carry personal data: it is logged.
	Reference string `json:"reference,omitempty"`
	// DecisionID is the ID of the decision that allowed the disclosure
	// (policy.Decision.ID in its UUID text form, see policy.DecisionID),
	// the decision_id of that decision's decision log record and trace
	// span. [Ledger.Record] always sets it; it is empty only in entries
	// recorded before the ledger kept it (encoding v1, see
	// [Entry.Canonical]).
	DecisionID string `json:"decision_id,omitempty"`
	// PrevHash is the Hash of the entry before; zero for entry 1.
	PrevHash Hash `json:"prev_hash"`
	// Hash is SHA-256 of [Entry.Canonical].
	Hash Hash `json:"hash"`
}

// Domain is the first field of the canonical encoding of every entry with
// a decision ID (encoding v2), so that a hash of this format is never
// mistaken for a hash of another.
const Domain = "yasam-privacy/disclosure-ledger/v2"

// DomainV1 is the first field of the canonical encoding of an entry
// without a decision ID (encoding v1): entries recorded before the ledger
// kept decision IDs, which still verify as they were hashed.
const DomainV1 = "yasam-privacy/disclosure-ledger/v1"

// Canonical returns the bytes the entry's Hash is computed over. An auditor
// can recompute every hash from a copy of the ledger with nothing but this
// description and SHA-256.
//
// Integers are 8 bytes, big-endian (the seconds in two's complement). A
// string is its length in bytes as such an integer, then its UTF-8 bytes. A
// list is its number of items, then the items. The fields follow one
// another in this order, with nothing between them:
//
//	domain          string  "yasam-privacy/disclosure-ledger/v2" ([Domain]),
//	                        or ".../v1" ([DomainV1]) without a decision ID
//	seq             uint64
//	at_seconds      int64   At as Unix seconds
//	at_nanos        uint64  At's nanoseconds within the second, 0-999999999
//	subject         string
//	purpose         string
//	recipient       string
//	recipient_kind  string
//	categories      list of string
//	basis           list of (code string, clause string)
//	exception       string  "" when none
//	policy_version  string
//	reference       string  "" when none
//	decision_id     string  v2 only: the UUID text, 36 bytes
//	prev_hash       32 raw bytes (zeros for the first entry)
//
// Hash is not part of the encoding: it is SHA-256 of it.
//
// Two versions of the encoding exist, told apart by the entry itself: an
// entry with a DecisionID is encoded in v2, which begins with [Domain] and
// has decision_id after reference; an entry without one is encoded in v1,
// which begins with [DomainV1] and has no decision_id field (it is the
// encoding of entries recorded before decision IDs were kept, and those
// still verify). Adding, removing or changing a decision ID therefore
// changes the hash, whichever way it goes. One chain may hold both: v1
// entries, then v2 entries after the upgrade.
func (e Entry) Canonical() []byte {
	n := len(Domain) + 8*21 + 32 + len(e.Subject) + len(e.Purpose) + len(e.Recipient) + len(e.RecipientKind) +
		len(e.Exception) + len(e.PolicyVersion) + len(e.Reference) + len(e.DecisionID)
	for _, c := range e.Categories {
		n += 8 + len(c)
	}
	for _, b := range e.Basis {
		n += 16 + len(b.Code) + len(b.Clause)
	}
	return e.appendCanonical(make([]byte, 0, n))
}

func (e Entry) appendCanonical(b []byte) []byte {
	str := func(s string) {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	v2 := e.DecisionID != ""
	if v2 {
		str(Domain)
	} else {
		str(DomainV1)
	}
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.Unix()))
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.Nanosecond()))
	str(e.Subject)
	str(string(e.Purpose))
	str(e.Recipient)
	str(string(e.RecipientKind))
	b = binary.BigEndian.AppendUint64(b, uint64(len(e.Categories)))
	for _, c := range e.Categories {
		str(string(c))
	}
	b = binary.BigEndian.AppendUint64(b, uint64(len(e.Basis)))
	for _, r := range e.Basis {
		str(r.Code)
		str(r.Clause)
	}
	str(string(e.Exception))
	str(e.PolicyVersion)
	str(e.Reference)
	if v2 {
		str(e.DecisionID)
	}
	return append(b, e.PrevHash[:]...)
}

// ComputeHash returns SHA-256 of [Entry.Canonical]: what Hash must be.
func (e Entry) ComputeHash() Hash {
	var buf [512]byte
	return sha256.Sum256(e.appendCanonical(buf[:0]))
}

// Head returns the entry's sequence number and hash.
func (e Entry) Head() Head { return Head{Seq: e.Seq, Hash: e.Hash} }

// Equal reports whether e and o are the same entry, field by field (times
// as instants).
func (e Entry) Equal(o Entry) bool {
	return e.Seq == o.Seq && e.At.Equal(o.At) && e.Subject == o.Subject && e.Purpose == o.Purpose &&
		e.Recipient == o.Recipient && e.RecipientKind == o.RecipientKind &&
		slices.Equal(e.Categories, o.Categories) && slices.Equal(e.Basis, o.Basis) &&
		e.Exception == o.Exception && e.PolicyVersion == o.PolicyVersion && e.Reference == o.Reference &&
		e.DecisionID == o.DecisionID && e.PrevHash == o.PrevHash && e.Hash == o.Hash
}

// Clone returns a copy of e that shares no slice with it.
func (e Entry) Clone() Entry {
	e.Categories = slices.Clone(e.Categories)
	e.Basis = slices.Clone(e.Basis)
	return e
}

// LogValue keeps the subject out of logs, and the recipient too when it is a
// private individual (whose ID may name a person): logging an Entry never
// leaks whose data went where.
func (e Entry) LogValue() slog.Value {
	recipient := e.Recipient
	if e.RecipientKind == disclosure.Individual {
		recipient = "(individual)"
	}
	codes := make([]string, len(e.Basis))
	for i, b := range e.Basis {
		codes[i] = b.Clause + " " + b.Code
	}
	attrs := []slog.Attr{
		slog.Uint64("seq", e.Seq),
		slog.Time("at", e.At),
		slog.String("purpose", string(e.Purpose)),
		slog.String("recipient", recipient),
		slog.String("recipient_kind", string(e.RecipientKind)),
		slog.Any("categories", e.Categories),
		slog.Any("basis", codes),
	}
	if e.Exception != "" {
		attrs = append(attrs, slog.String("exception", string(e.Exception)))
	}
	attrs = append(attrs, slog.String("policy_version", e.PolicyVersion))
	if e.Reference != "" {
		attrs = append(attrs, slog.String("reference", e.Reference))
	}
	if e.DecisionID != "" {
		attrs = append(attrs, slog.String("decision_id", e.DecisionID))
	}
	attrs = append(attrs, slog.String("hash", e.Hash.String()))
	return slog.GroupValue(attrs...)
}

// Validate reports what is wrong with the entry's content, if anything:
// required fields, sizes, valid UTF-8 without NUL bytes (which no
// PostgreSQL text column holds), kinds and the exception. It does not check Seq,
// PrevHash or Hash; see [CheckAppend]. The error wraps [ErrInvalidEntry]
// and names fields, never their content.
func (e Entry) Validate() error { return e.validate(true) }

func (e Entry) validate(stamped bool) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidEntry}, args...)...))
	}
	text := func(name, s string, limit int, required bool) {
		switch {
		case s == "" && required:
			bad("empty %s", name)
		case len(s) > limit:
			bad("%s longer than %d bytes", name, limit)
		case !utf8.ValidString(s):
			bad("%s is not valid UTF-8", name)
		case strings.IndexByte(s, 0) >= 0:
			bad("%s contains a NUL byte", name)
		}
	}
	if stamped && e.At.IsZero() {
		bad("no time")
	}
	text("subject", e.Subject, MaxSubjectLen, true)
	text("purpose", string(e.Purpose), MaxTextLen, true)
	text("recipient", e.Recipient, MaxRecipientLen, true)
	if e.Recipient == policy.Operator {
		bad("recipient is the operator: nothing is disclosed")
	}
	if !e.RecipientKind.Valid() {
		bad("unknown recipient kind")
	}
	switch {
	case len(e.Categories) == 0:
		bad("no categories: an entry must say what was disclosed")
	case len(e.Categories) > MaxCategories:
		bad("more than %d categories", MaxCategories)
	}
	for _, c := range e.Categories {
		text("category", string(c), MaxTextLen, true)
	}
	switch {
	case len(e.Basis) == 0:
		bad("no basis: an entry must say what the disclosure rested on")
	case len(e.Basis) > MaxBasis:
		bad("more than %d basis items", MaxBasis)
	}
	for _, b := range e.Basis {
		text("basis code", b.Code, MaxTextLen, true)
		text("basis clause", b.Clause, MaxTextLen, false)
	}
	if e.Exception != "" && !e.Exception.Valid() {
		bad("unknown exception")
	}
	text("policy version", e.PolicyVersion, MaxVersionLen, false)
	refLimit := MaxReferenceLen
	if strings.HasPrefix(e.Reference, keyring.SealPrefix) {
		refLimit = MaxSealedReferenceLen // sealed under a subject key (WithKeyring)
	}
	text("reference", e.Reference, refLimit, false)
	if e.DecisionID != "" {
		// Only the canonical text of a real decision's ID: one decision,
		// one spelling, so that a lookup by ID finds its entries.
		if id, err := policy.ParseDecisionID(e.DecisionID); err != nil || id.IsZero() || id.String() != e.DecisionID {
			bad("decision ID is not a decision's ID in lower-case UUID form")
		}
	}
	return errors.Join(errs...)
}

// CheckAppend reports whether entries may be appended to a chain whose head
// is head: each entry valid, numbered and linked after the one before, with
// the right Hash, the first continuing head. A [Store] calls it under the
// lock that makes its append atomic. The error wraps [ErrConflict] when the
// first entry does not continue head (someone appended first), and
// [ErrInvalidEntry] when the entries are wrong in themselves.
func CheckAppend(head Head, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	if entries[0].Seq != head.Seq+1 || entries[0].PrevHash != head.Hash {
		return fmt.Errorf("%w: the batch starts at entry %d, the head is entry %d", ErrConflict, entries[0].Seq, head.Seq)
	}
	prev := head
	for i, e := range entries {
		if i > 0 && (e.Seq != prev.Seq+1 || e.PrevHash != prev.Hash) {
			return fmt.Errorf("%w: entry %d of the batch does not follow the one before", ErrInvalidEntry, i)
		}
		if err := e.Validate(); err != nil {
			return fmt.Errorf("ledger: entry %d of the batch: %w", i, err)
		}
		if e.Hash != e.ComputeHash() {
			return fmt.Errorf("%w: entry %d of the batch: hash does not match the content", ErrInvalidEntry, i)
		}
		prev = e.Head()
	}
	return nil
}
