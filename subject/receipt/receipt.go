package receipt

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/internal/b64url"
	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/purpose"
)

// Errors of the package; test with errors.Is.
var (
	// ErrInvalid: a bad argument (an invalid event, a bad key, an unknown
	// purpose); nothing was signed.
	ErrInvalid = errors.New("receipt: invalid")
	// ErrMalformed: a token is not a compact JWS of a receipt.
	ErrMalformed = errors.New("receipt: malformed token")
	// ErrSignature: the token's signature does not verify with the key.
	ErrSignature = errors.New("receipt: signature does not verify")
	// ErrNotConfigured: an Issuer not made by [New] was used.
	ErrNotConfigured = errors.New("receipt: issuer not configured: create it with receipt.New")
)

// Version names the receipt format: the fields of the Kantara Initiative
// Consent Receipt v1.1, extended with the statements Law 94-V art. 8 p.4
// asks of a consent (read in the law: the operator and its BIN; the
// rest from secondary sources), in the shape ISO/IEC TS 27560 describes
// for consent records.
const Version = "KI-CR-v1.1.0+yasam-privacy/consent-receipt/v1"

// MaxTokenLen bounds the tokens [Verify] reads.
const MaxTokenLen = 64 << 10

// Controller is the operator (PII controller): its name and BIN.
type Controller struct {
	Name    string `json:"piiController"`
	BIN     string `json:"bin"`
	Contact string `json:"contact,omitempty"`
	URL     string `json:"piiControllerUrl,omitempty"`
}

// Purpose is one purpose a receipt covers.
type Purpose struct {
	Purpose string `json:"purpose"`
	// Clause is the policy clause that lists it.
	Clause string `json:"clause,omitempty"`
	// Title is the purpose as the policy words it, in the receipt's
	// language.
	Title string `json:"purposeTitle,omitempty"`
	// ConsentType is "IMPLICIT" for acceptance of the policy (2.1) and
	// "EXPLICIT" for a grant.
	ConsentType string `json:"consentType"`
	// PIICategory are the categories of data the purpose may use.
	PIICategory []string `json:"piiCategory"`
	// ThirdPartyDisclosure reports whether data go to a recipient other
	// than the operator, named in ThirdPartyName.
	ThirdPartyDisclosure bool   `json:"thirdPartyDisclosure"`
	ThirdPartyName       string `json:"thirdPartyName,omitempty"`
	// Termination says when the consent ends.
	Termination string `json:"termination"`
}

// Flags are the statements of Law 94-V art. 8 p.4 a grant makes.
type Flags struct {
	ThirdPartyTransfer  bool `json:"thirdPartyTransfer"`
	CrossBorderTransfer bool `json:"crossBorderTransfer"`
	Publication         bool `json:"publication"`
}

// Receipt is a consent receipt: what a subject is given as the record of
// one acceptance of the policy, grant, or withdrawal.
type Receipt struct {
	Version      string `json:"version"`
	Jurisdiction string `json:"jurisdiction"`
	// ID is the consent log event's ID, so the receipt names the record.
	ID string `json:"consentReceiptID"`
	// Timestamp is when consent was given or withdrawn, Unix seconds as
	// the Kantara receipt has it; At carries the full time.
	Timestamp int64     `json:"consentTimestamp"`
	At        time.Time `json:"consentTime"`
	// Action is the consent log action: accept_policy, grant, withdraw,
	// withdraw_acceptance.
	Action string `json:"action"`
	// CollectionMethod is the channel consent came through.
	CollectionMethod string       `json:"collectionMethod"`
	Language         string       `json:"language"`
	Subject          string       `json:"piiPrincipalId"`
	Controllers      []Controller `json:"piiControllers"`
	PolicyURL        string       `json:"policyUrl,omitempty"`
	PolicyVersion    string       `json:"policyVersion,omitempty"`
	Purposes         []Purpose    `json:"purposes"`
	// Recipients are the recipients the consent names (a grant's one).
	Recipients []string `json:"recipients"`
	// Term is the end of a grant's term; zero for none.
	Term     time.Time `json:"term,omitzero"`
	Flags    Flags     `json:"flags"`
	Evidence string    `json:"evidence,omitempty"`
	// IssuedAt is when the receipt was signed.
	IssuedAt time.Time `json:"iat"`
}

// Option configures an [Issuer].
type Option func(*Issuer)

// WithCatalog sets the purpose catalog the receipts describe purposes
// from (default [purpose.Default]).
func WithCatalog(c *purpose.Catalog) Option {
	return func(i *Issuer) {
		if c != nil {
			i.catalog = c
		}
	}
}

// WithLanguage sets the language of purpose titles: "ru", "kk" or "en"
// (default "ru").
func WithLanguage(lang string) Option { return func(i *Issuer) { i.lang = lang } }

// WithPolicyURL sets where the policy is published (clause 9.5).
func WithPolicyURL(u string) Option { return func(i *Issuer) { i.policyURL = u } }

// WithKeyID names the key in the token header ("kid"), so a verifier
// holding several keys knows which to use.
func WithKeyID(kid string) Option { return func(i *Issuer) { i.kid = kid } }

// WithClock sets the clock of the receipts' issue time (default
// time.Now).
func WithClock(now func() time.Time) Option { return func(i *Issuer) { i.now = now } }

// Issuer builds and signs receipts. It is safe for concurrent use by
// multiple goroutines. Create it with [New]; the zero value fails with
// [ErrNotConfigured].
type Issuer struct {
	op        Controller
	key       ed25519.PrivateKey
	catalog   *purpose.Catalog
	lang      string
	policyURL string
	kid       string
	now       func() time.Time
}

// New returns an Issuer for the operator op that signs with key. The
// error wraps [ErrInvalid] for a key of the wrong size or an operator
// without a name or BIN (art. 8 p.4 item 1).
func New(op Controller, key ed25519.PrivateKey, opts ...Option) (*Issuer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: an Ed25519 private key has %d bytes", ErrInvalid, ed25519.PrivateKeySize)
	}
	if op.Name == "" || op.BIN == "" {
		return nil, fmt.Errorf("%w: the operator's name and BIN are required", ErrInvalid)
	}
	i := &Issuer{op: op, key: key, catalog: purpose.Default(), lang: "ru", now: time.Now}
	for _, o := range opts {
		o(i)
	}
	return i, nil
}

// PublicKey returns the key that verifies the Issuer's receipts.
func (i *Issuer) PublicKey() ed25519.PublicKey {
	if i == nil || i.key == nil {
		return nil
	}
	return i.key.Public().(ed25519.PublicKey)
}

// Receipt builds the receipt of one consent log event. An acceptance of
// the policy covers every purpose of the catalog that needs no explicit
// consent (clause 2.1); a grant or withdrawal covers its one purpose and
// recipient.
func (i *Issuer) Receipt(ev consent.Event) (Receipt, error) {
	if i == nil || i.key == nil {
		return Receipt{}, ErrNotConfigured
	}
	if err := ev.Validate(); err != nil {
		return Receipt{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	r := Receipt{
		Version: Version, Jurisdiction: "KZ", ID: ev.ID, Timestamp: ev.At.Unix(), At: ev.At.UTC(),
		Action: string(ev.Action), CollectionMethod: string(ev.Channel), Language: i.lang,
		Subject: ev.Subject, Controllers: []Controller{i.op}, PolicyURL: i.policyURL, PolicyVersion: ev.PolicyVersion,
		Purposes: []Purpose{}, Recipients: []string{}, Evidence: ev.Evidence,
		Flags:    Flags{ev.Flags.ThirdPartyTransfer, ev.Flags.CrossBorderTransfer, ev.Flags.Publication},
		IssuedAt: i.now().UTC().Truncate(time.Second),
	}
	if r.CollectionMethod == "" {
		r.CollectionMethod = "unspecified"
	}
	if !ev.Until.IsZero() {
		r.Term = ev.Until.UTC()
	}
	termination := "until the purpose is achieved or consent is withdrawn"
	if !r.Term.IsZero() {
		termination = "until " + r.Term.Format(time.RFC3339) + " or withdrawal"
	}
	switch ev.Action {
	case consent.ActionAcceptPolicy, consent.ActionWithdrawAcceptance:
		for _, p := range i.catalog.Purposes() {
			if !p.ExplicitConsent {
				r.Purposes = append(r.Purposes, i.purpose(p, "IMPLICIT", "", termination))
			}
		}
	case consent.ActionGrant, consent.ActionWithdraw:
		p, ok := i.catalog.Lookup(ev.Scope.Purpose)
		if !ok {
			return Receipt{}, fmt.Errorf("%w: purpose %q not in the catalog", ErrInvalid, clip.String(string(ev.Scope.Purpose), maxQuote))
		}
		r.Purposes = append(r.Purposes, i.purpose(p, "EXPLICIT", ev.Scope.Recipient, termination))
		r.Recipients = append(r.Recipients, ev.Scope.Recipient)
	}
	return r, nil
}

func (i *Issuer) purpose(p purpose.Purpose, kind, recipient, termination string) Purpose {
	out := Purpose{
		Purpose: string(p.ID), Clause: p.Clause, Title: p.Title.In(i.lang), ConsentType: kind,
		PIICategory: []string{}, ThirdPartyDisclosure: recipient != "", ThirdPartyName: recipient, Termination: termination,
	}
	for _, c := range p.Categories {
		out.PIICategory = append(out.PIICategory, string(c))
	}
	slices.Sort(out.PIICategory)
	return out
}

type header struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid,omitempty"`
}

var b64 = base64.RawURLEncoding

// Sign returns r as a JWS compact serialization (RFC 7515) signed with
// Ed25519, "alg":"EdDSA" (RFC 8037): header.payload.signature, each
// base64url without padding. Anyone with the public key verifies it
// offline, with [Verify] or any JOSE library.
func (i *Issuer) Sign(r Receipt) (string, error) {
	if i == nil || i.key == nil {
		return "", ErrNotConfigured
	}
	h, err := json.Marshal(header{Alg: "EdDSA", Typ: "JWT", Kid: i.kid})
	if err != nil {
		return "", fmt.Errorf("receipt: sign: %w", err)
	}
	p, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("receipt: sign: %w", err)
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	return input + "." + b64.EncodeToString(ed25519.Sign(i.key, []byte(input))), nil
}

// Issue builds and signs the receipt of ev.
func (i *Issuer) Issue(ev consent.Event) (string, error) {
	r, err := i.Receipt(ev)
	if err != nil {
		return "", err
	}
	return i.Sign(r)
}

// Verify checks a token's Ed25519 signature with pub and returns its
// receipt. It needs nothing but the key: no network, no clock. It accepts
// only "alg":"EdDSA" (never "none" or another algorithm a token might
// name), and fails with [ErrMalformed] for anything that is not a compact
// JWS of a receipt, [ErrSignature] when the signature does not verify.
func Verify(token string, pub ed25519.PublicKey) (Receipt, error) {
	if len(pub) != ed25519.PublicKeySize {
		return Receipt{}, fmt.Errorf("%w: an Ed25519 public key has %d bytes", ErrInvalid, ed25519.PublicKeySize)
	}
	if len(token) > MaxTokenLen {
		return Receipt{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenLen)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Receipt{}, fmt.Errorf("%w: not three parts", ErrMalformed)
	}
	hb, err := b64url.Decode(parts[0])
	if err != nil {
		return Receipt{}, fmt.Errorf("%w: header encoding", ErrMalformed)
	}
	var h header
	if err := strictUnmarshal(hb, &h); err != nil {
		return Receipt{}, fmt.Errorf("%w: header: %s", ErrMalformed, clip.String(err.Error(), maxQuote))
	}
	if h.Alg != "EdDSA" {
		return Receipt{}, fmt.Errorf("%w: algorithm %q, want EdDSA", ErrMalformed, clip.String(h.Alg, maxQuote))
	}
	sig, err := b64url.Decode(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Receipt{}, fmt.Errorf("%w: signature encoding", ErrMalformed)
	}
	if !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
		return Receipt{}, ErrSignature
	}
	pb, err := b64url.Decode(parts[1])
	if err != nil {
		return Receipt{}, fmt.Errorf("%w: payload encoding", ErrMalformed)
	}
	var r Receipt
	if err := strictUnmarshal(pb, &r); err != nil {
		return Receipt{}, fmt.Errorf("%w: payload: %s", ErrMalformed, clip.String(err.Error(), maxQuote))
	}
	if r.Version != Version {
		return Receipt{}, fmt.Errorf("%w: version %q", ErrMalformed, clip.String(r.Version, maxQuote))
	}
	return r, nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64
