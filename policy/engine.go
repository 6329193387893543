package policy

import (
	"context"
	"embed"
	"hash/maphash"
	"io/fs"
	"sync/atomic"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/internal/regoeval"
	"github.com/yasam/privacy/purpose"
)

// Operator is the recipient ID that means processing by the operator itself:
// nothing is disclosed, and the decision rests on the user's acceptance of
// the policy (2.1). It cannot be registered as a recipient.
const Operator = "operator"

// operatorKind is the recipient kind the Rego sees for [Operator].
const operatorKind = "operator"

// MaxUserLen is the longest user ID Check accepts, in bytes.
const MaxUserLen = consent.MaxSubjectLen

// DefaultCacheSize is the default bound of the decision cache, in entries.
const DefaultCacheSize = 4096

//go:embed rego/*.rego
var regoFS embed.FS

// Rego returns the embedded Rego of the seed policy, tests included: the
// starting point for an operator who writes its own rules (see [WithRego]).
func Rego() fs.FS {
	sub, err := fs.Sub(regoFS, "rego")
	if err != nil {
		panic("policy: embedded rego: " + err.Error())
	}
	return sub
}

// Version is a version (редакция) of the policy (clause 9).
type Version struct {
	// ID names the version; consent records acceptance of this ID.
	ID string
	// Published is when the version was published and came into force
	// (9.2).
	Published time.Time
	// URL is where the text in force is published (9.4).
	URL string
}

// DefaultVersion is the version of the embedded seed policy.
var DefaultVersion = Version{
	ID:        "2023-ru-1",
	Published: time.Date(2023, time.January, 1, 0, 0, 0, 0, time.UTC),
	URL:       "https://digitaltaxtech.kz/docs/privacyru.pdf",
}

// StateReader is what the engine needs of a consent store: one user's
// current state. Every [consent.Store] is one.
type StateReader interface {
	State(ctx context.Context, user string) (consent.State, error)
}

// Engine decides whether personal data may be processed for a purpose and
// shared with a recipient.
//
// Decisions are evaluated by OPA Rego from a small input resolved in Go: the
// purpose, the recipient's kind and confidentiality, the categories of data
// involved, the user's acceptance standing and whether a grant for this
// purpose and recipient is active. Because the rules see nothing else and
// may not call non-deterministic builtins, the engine caches decisions by
// that input; consent state itself is read from the store on every Check,
// so a withdrawal takes effect for the very next Check.
//
// Engine is safe for concurrent use by multiple goroutines.
type Engine struct {
	cur atomic.Pointer[snapshot]
}

// current returns the policy in force: nil for a nil or zero Engine,
// which every method treats as having no policy (Check denies).
func (e *Engine) current() *snapshot {
	if e == nil {
		return nil
	}
	return e.cur.Load()
}

// snapshot is one built policy: everything a Check reads. Reload swaps
// it whole, so a Check sees one policy from start to end.
type snapshot struct {
	catalog    *purpose.Catalog
	recipients map[string]*recipientInfo // pointers: Check carries one, never copies
	store      StateReader
	tl         timeline
	vf         atomic.Pointer[inForce] // which version is in force, until when
	law        bool                    // the Law's layer is on
	revision   string                  // the bundle's, WithBundle
	attrs      map[string]*attribute   // WithAttribute, by name
	attrOrder  []*attribute            // as declared
	adequate   []string                // WithAdequateCountries
	rulesSum   [32]byte                // SHA-256 of the Rego modules, for Widenings
	messages   map[string]purpose.Text
	now        func() time.Time
	verbose    bool
	budget     time.Duration // of one evaluation; 0 for none
	eval       *regoeval.Evaluator
	memo       *memo // nil when caching is off
	purposes   map[purpose.ID]*purposeInfo
	purposeIDs []purpose.ID // by purposeInfo.index
	seed       maphash.Seed // keys the seals of this snapshot's decisions
	operator   uint64       // maphash.String(seed, Operator)
	tel        *telemetry   // decision IDs, observers (observe.go)
}

type purposeInfo struct {
	index     uint16
	retention time.Duration // 0: unlimited
	mask      uint64        // the purpose's own categories, as a decisionKey bit set
	legal     purpose.Text
}

type recipientInfo struct {
	disclosure.Recipient
	hash    uint64 // maphash.String(snapshot.seed, ID), for the seal
	kind    uint8  // index into recipientKinds
	basis   uint8  // index into bases: WithRecipientBasis
	country uint16 // the country code's two letters; 0 for Kazakhstan
}

// recipientKinds are the kinds the Rego sees, by index; 0 is the operator.
var recipientKinds = append([]string{operatorKind}, func() []string {
	var ks []string
	for _, k := range disclosure.Kinds() {
		ks = append(ks, string(k))
	}
	return ks
}()...)

// Version returns the policy version in force now by the engine's clock;
// the zero Version when none is (the zero Engine, or every version is
// scheduled for later). See [Engine.VersionAt].
func (e *Engine) Version() Version {
	s := e.current()
	if s == nil {
		return Version{}
	}
	if f := s.inForce(); f.idx >= 0 {
		return s.tl.versions[f.idx]
	}
	return Version{}
}

// Catalog returns the catalog of purposes the engine decides by; nil for
// the zero Engine.
func (e *Engine) Catalog() *purpose.Catalog {
	s := e.current()
	if s == nil {
		return nil
	}
	return s.catalog
}

// Recipient returns the registered recipient with the given ID and reports
// whether there is one.
func (e *Engine) Recipient(id string) (disclosure.Recipient, bool) {
	s := e.current()
	if s == nil {
		return disclosure.Recipient{}, false
	}
	r, ok := s.recipients[id]
	if !ok {
		return disclosure.Recipient{}, false
	}
	return r.Recipient, true
}
