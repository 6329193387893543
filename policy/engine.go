package policy

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
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

//go:embed messages.json
var messagesJSON []byte

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

// Option configures an [Engine].
type Option func(*config)

type config struct {
	store          StateReader
	storeSet       bool
	prior          []Version
	recipients     []disclosure.Recipient
	catalog        *purpose.Catalog
	version        Version
	rego           fs.FS
	messages       map[string]purpose.Text
	now            func() time.Time
	cacheSize      int
	nondeterminism bool
	verbose        bool
	evalTimeout    time.Duration

	// the Law's layer (law.go)
	withoutLaw            bool
	recipientBasis        map[string]Basis
	adequate              []string
	storeLocation         string
	localisationException string
}

// WithConsentStore sets where the engine reads consent state. Without it
// the engine uses a fresh [consent.MemoryStore], which knows no user and so
// denies everything that rests on acceptance.
func WithConsentStore(s consent.Store) Option {
	return func(c *config) { c.store, c.storeSet = s, true }
}

// WithStateReader is [WithConsentStore] for hosts that hand the engine only
// the read side of their store.
func WithStateReader(r StateReader) Option {
	return func(c *config) { c.store, c.storeSet = r, true }
}

// WithRecipients registers the recipients data may be disclosed to. It may
// be given more than once; IDs must be unique.
func WithRecipients(rs ...disclosure.Recipient) Option {
	return func(c *config) { c.recipients = append(c.recipients, rs...) }
}

// WithCatalog replaces the seed catalog of purposes and categories.
func WithCatalog(cat *purpose.Catalog) Option { return func(c *config) { c.catalog = cat } }

// WithVersion sets the latest version of the policy. It is in force from
// its Published time (9.2): until then the latest of [WithPriorVersions]
// published at or before the engine's clock is, and at that instant the
// new version takes force by itself, with no Reload. A zero Published
// means in force from the start. Acceptance of another version is treated
// as acceptance of an earlier one: it stands (9.2), with the obligation to
// show the user the version in force (9.5).
func WithVersion(v Version) Option { return func(c *config) { c.version = v } }

// WithPriorVersions names the other versions of the policy, published
// before the one given with [WithVersion] or scheduled: together they make
// the engine's timeline (see [Engine.VersionAt]). When it is given,
// acceptance of a version on the timeline counts, and acceptance of any
// other version (a typo, a version never published here) counts as no
// acceptance at all (2.1). Without it, acceptance of any other version is
// taken for acceptance of an earlier one.
func WithPriorVersions(vs ...Version) Option {
	return func(c *config) { c.prior = append(c.prior, vs...) }
}

// WithRego replaces the embedded rules with the .rego files at the root of
// fsys (files ending in _test.rego are skipped). The rules must define
// data.privacy.decision as the embedded ones do; see [Rego] for them.
// Non-deterministic builtins (time, randomness, network) are not available
// unless [WithNondeterministicBuiltins] is given.
func WithRego(fsys fs.FS) Option { return func(c *config) { c.rego = fsys } }

// WithMessages adds or replaces the texts of reason and obligation codes,
// for codes a host's own Rego introduces.
func WithMessages(m map[string]purpose.Text) Option {
	return func(c *config) {
		if c.messages == nil {
			c.messages = map[string]purpose.Text{}
		}
		maps.Copy(c.messages, m)
	}
}

// WithClock sets the clock the engine judges grant terms by. The default is
// time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithCacheSize bounds the decision cache at n entries; n <= 0 turns it
// off, so that every Check evaluates the Rego. See [Engine] on caching.
func WithCacheSize(n int) Option { return func(c *config) { c.cacheSize = n } }

// DefaultEvalTimeout is the default budget of one Rego evaluation; see
// [WithEvalTimeout]. The seed policy evaluates in about 0.1 ms, but on a
// 2-core machine at load average 13 an evaluation was measured over 250
// ms (scheduling, not work), which would deny for no fault of the policy;
// one second still bounds a host rule that runs away.
const DefaultEvalTimeout = time.Second

// WithEvalTimeout bounds how long one evaluation of the Rego may take,
// whatever the caller's context allows. Over budget, Check denies with an
// error wrapping [ErrEvaluation] and context.DeadlineExceeded. d must be
// positive. Only evaluations pay for the budget: a cached decision needs
// none.
func WithEvalTimeout(d time.Duration) Option { return func(c *config) { c.evalTimeout = d } }

// WithVerboseErrors lets errors returned by Check carry the consent
// store's own error text, and lets decisions logged through
// [Decision.LogValue] name recipients of kind [disclosure.Individual]. By
// default neither does, since a store's text may hold a user ID and an
// individual's recipient ID may be a person's name. errors.Is and
// errors.As reach the store's error either way.
func WithVerboseErrors() Option { return func(c *config) { c.verbose = true } }

// WithNondeterministicBuiltins lets a host's Rego call builtins whose result
// is not a function of their input, such as time.now_ns or http.send. By
// default the Rego may call only builtins on the library's allow-list of
// pure ones; this option lifts the list entirely. It
// turns the decision cache off, since decisions then depend on more than
// the input.
func WithNondeterministicBuiltins() Option { return func(c *config) { c.nondeterminism = true } }

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

// snapshot is one built policy: everything a Check reads. Reload swaps
// it whole, so a Check sees one policy from start to end.
type snapshot struct {
	catalog    *purpose.Catalog
	recipients map[string]recipientInfo
	store      StateReader
	tl         timeline
	vf         atomic.Pointer[inForce] // which version is in force, until when
	law        bool                    // the Law's layer is on
	adequate   []string                // WithAdequateCountries
	rulesSum   [32]byte                // SHA-256 of the Rego modules, for Widenings
	messages   map[string]purpose.Text
	now        func() time.Time
	verbose    bool
	budget     time.Duration // of one evaluation
	eval       *regoeval.Evaluator
	memo       *memo // nil when caching is off
	purposes   map[purpose.ID]purposeInfo
	purposeIDs []purpose.ID // by purposeInfo.index
	seed       maphash.Seed // keys the seals of this snapshot's decisions
	operator   uint64       // maphash.String(seed, Operator)
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

// countryKey packs an ISO 3166-1 alpha-2 code into the decision key;
// Kazakhstan, the default, is 0.
func countryKey(c string) uint16 {
	if c == "" || c == "KZ" {
		return 0
	}
	return uint16(c[0])<<8 | uint16(c[1])
}

func countryCode(k uint16) string {
	if k == 0 {
		return "KZ"
	}
	return string([]byte{byte(k >> 8), byte(k)})
}

// recipientKinds are the kinds the Rego sees, by index; 0 is the operator.
var recipientKinds = append([]string{operatorKind}, func() []string {
	var ks []string
	for _, k := range disclosure.Kinds() {
		ks = append(ks, string(k))
	}
	return ks
}()...)

// New builds an engine: it validates the configuration, compiles the Rego
// and prepares its query once.
func New(opts ...Option) (*Engine, error) {
	s, err := build(opts, nil)
	if err != nil {
		return nil, err
	}
	e := &Engine{}
	e.cur.Store(s)
	return e, nil
}

// Reload rebuilds the policy from opts, as [New] would from the same
// options, and swaps it in at once: rules, catalog, recipients, version,
// messages. The consent store in use is kept unless opts name another
// (consent is not part of the policy). Checks already running finish on the
// policy they started with; the next Check uses the new one. The decision
// cache starts empty, since decisions belong to the policy that made them.
// On error the engine keeps its current policy.
//
// Use it when the operator publishes a new version of the policy (9.2)
// or changes its recipients, without restarting the service.
func (e *Engine) Reload(opts ...Option) error {
	s, err := build(opts, e.cur.Load())
	if err != nil {
		return err
	}
	e.cur.Store(s)
	return nil
}

// build makes a snapshot from opts; a reload passes the snapshot in force,
// whose consent store is kept unless opts name another.
func build(opts []Option, current *snapshot) (*snapshot, error) {
	cfg := config{
		catalog:     purpose.Default(),
		version:     DefaultVersion,
		now:         time.Now,
		cacheSize:   DefaultCacheSize,
		evalTimeout: DefaultEvalTimeout,
	}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case cfg.storeSet && cfg.store == nil:
		return nil, fmt.Errorf("%w: nil consent store", ErrInvalidConfig)
	case cfg.storeSet:
	case current != nil:
		cfg.store = current.store
	default:
		cfg.store = consent.NewMemoryStore()
	}
	if cfg.catalog == nil || cfg.now == nil {
		return nil, fmt.Errorf("%w: nil catalog or clock", ErrInvalidConfig)
	}
	if err := checkLocalisation(&cfg); err != nil {
		return nil, err
	}
	if cfg.evalTimeout <= 0 {
		return nil, fmt.Errorf("%w: evaluation timeout %v is not positive", ErrInvalidConfig, cfg.evalTimeout)
	}
	// Every bound that packs into the decision key, checked here so that
	// nothing wraps around at Check time.
	if n := len(cfg.catalog.Purposes()); n > maxPurposes {
		return nil, fmt.Errorf("%w: %d purposes, at most %d", ErrInvalidConfig, n, maxPurposes)
	}
	if n := len(cfg.catalog.Categories()); n > purpose.MaxCategories {
		return nil, fmt.Errorf("%w: %d categories, at most %d", ErrInvalidConfig, n, purpose.MaxCategories)
	}
	if len(recipientKinds) > maxKinds {
		return nil, fmt.Errorf("%w: %d recipient kinds, at most %d", ErrInvalidConfig, len(recipientKinds), maxKinds)
	}
	e := &snapshot{
		catalog:    cfg.catalog,
		recipients: make(map[string]recipientInfo, len(cfg.recipients)),
		store:      cfg.store,
		law:        !cfg.withoutLaw,
		now:        cfg.now,
		verbose:    cfg.verbose,
		budget:     cfg.evalTimeout,
		purposes:   make(map[purpose.ID]purposeInfo),
		seed:       maphash.MakeSeed(),
	}
	e.operator = maphash.String(e.seed, Operator)
	var err error
	if e.tl, err = newTimeline(cfg.version, cfg.prior); err != nil {
		return nil, err
	}
	e.vf.Store(e.tl.at(cfg.now().UnixNano()))
	kindIndex := make(map[disclosure.Kind]uint8, len(recipientKinds))
	for i, k := range recipientKinds {
		kindIndex[disclosure.Kind(k)] = uint8(i)
	}
	for _, r := range cfg.recipients {
		// An individual's ID may be a person's name: errors name it only
		// with verbose errors.
		name := clip(r.ID)
		if r.Kind == disclosure.Individual && !cfg.verbose {
			name = "(an individual)"
		}
		if err := r.Validate(); err != nil {
			if r.Kind == disclosure.Individual && !cfg.verbose {
				return nil, &withheld{text: ErrInvalidConfig.Error() + ": recipient " + name + " is invalid", errs: []error{ErrInvalidConfig, err}}
			}
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		if r.Country != "" && len(r.Country) != 2 {
			return nil, fmt.Errorf("%w: recipient %s: country is not two letters", ErrInvalidConfig, name)
		}
		if r.ID == Operator {
			return nil, fmt.Errorf("%w: recipient ID %q is reserved for the operator", ErrInvalidConfig, Operator)
		}
		if _, dup := e.recipients[r.ID]; dup {
			return nil, fmt.Errorf("%w: recipient %s registered twice", ErrInvalidConfig, name)
		}
		e.recipients[r.ID] = recipientInfo{Recipient: r, kind: kindIndex[r.Kind], country: countryKey(r.Country), hash: maphash.String(e.seed, r.ID)}
	}
	for id, b := range cfg.recipientBasis {
		r, ok := e.recipients[id]
		if !ok {
			return nil, fmt.Errorf("%w: basis for recipient %s, which is not registered", ErrInvalidConfig, clip(id))
		}
		i, ok := basisIndex(b)
		if !ok || i == 0 {
			return nil, fmt.Errorf("%w: recipient %s: unknown basis %s", ErrInvalidConfig, clip(id), clip(string(b)))
		}
		r.basis = i
		e.recipients[id] = r
	}
	adequate := make([]string, 0, len(cfg.adequate))
	for _, c := range cfg.adequate {
		if len(c) != 2 || !isUpperASCII(c[0]) || !isUpperASCII(c[1]) {
			return nil, fmt.Errorf("%w: adequate country %s is not an ISO 3166-1 alpha-2 code", ErrInvalidConfig, clip(c))
		}
		adequate = append(adequate, c)
	}
	for i, p := range cfg.catalog.Purposes() {
		pi := purposeInfo{index: uint16(i), legal: p.LegalBasis, retention: p.Retention.Period}
		for _, c := range p.Categories {
			j, _ := cfg.catalog.CategoryIndex(c)
			pi.mask |= 1 << j
		}
		e.purposes[p.ID] = pi
		e.purposeIDs = append(e.purposeIDs, p.ID)
	}
	e.messages = maps.Clone(embeddedMessages())
	maps.Copy(e.messages, cfg.messages)

	modules, err := readModules(cfg.rego)
	if err != nil {
		return nil, err
	}
	e.adequate = adequate
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		fmt.Fprintf(h, "%s\x00%d\x00%s", name, len(modules[name]), modules[name])
	}
	h.Sum(e.rulesSum[:0])
	e.eval, err = regoeval.New(context.Background(), regoeval.Options{
		Modules:               modules,
		Data:                  staticData(cfg.catalog, e.recipients, e.law, adequate),
		AllowNondeterministic: cfg.nondeterminism,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if cfg.cacheSize > 0 && !cfg.nondeterminism {
		e.memo = newMemo(cfg.cacheSize)
	}
	return e, nil
}

// readModules returns the policy's Rego: the embedded rules, or the host's.
func readModules(fsys fs.FS) (map[string]string, error) {
	if fsys == nil {
		fsys = Rego()
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("%w: read rego: %w", ErrInvalidConfig, err)
	}
	modules := map[string]string{}
	for _, ent := range entries {
		name := ent.Name()
		if ent.IsDir() || path.Ext(name) != ".rego" || strings.HasSuffix(name, "_test.rego") {
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("%w: read rego %s: %w", ErrInvalidConfig, name, err)
		}
		modules[name] = string(b)
	}
	if len(modules) == 0 {
		return nil, fmt.Errorf("%w: no .rego files", ErrInvalidConfig)
	}
	return modules, nil
}

// staticData is what the Rego may read besides the input: the catalog and
// the recipients.
func staticData(cat *purpose.Catalog, recipients map[string]recipientInfo, law bool, adequate []string) map[string]any {
	purposes := map[string]any{}
	for _, p := range cat.Purposes() {
		cats := make([]string, len(p.Categories))
		for i, c := range p.Categories {
			cats[i] = string(c)
		}
		purposes[string(p.ID)] = map[string]any{
			"clause":           p.Clause,
			"categories":       cats,
			"explicit_consent": p.ExplicitConsent,
			"depersonalise":    p.Depersonalise,
			"retention":        p.Retention.String(),
		}
	}
	var categories []string
	for _, c := range cat.Categories() {
		categories = append(categories, string(c.ID))
	}
	rs := map[string]any{}
	for id, r := range recipients {
		rs[id] = map[string]any{"kind": string(r.Kind), "confidentiality": r.Confidentiality, "country": r.Country}
	}
	if adequate == nil {
		adequate = []string{}
	}
	return map[string]any{
		"catalog":    map[string]any{"purposes": purposes, "categories": categories},
		"recipients": rs,
		"law":        map[string]any{"enabled": law, "adequate_countries": adequate},
	}
}

// Version returns the policy version in force now by the engine's clock;
// the zero Version when none is (the zero Engine, or every version is
// scheduled for later). See [Engine.VersionAt].
func (e *Engine) Version() Version {
	s := e.cur.Load()
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
	s := e.cur.Load()
	if s == nil {
		return nil
	}
	return s.catalog
}

// Recipient returns the registered recipient with the given ID and reports
// whether there is one.
func (e *Engine) Recipient(id string) (disclosure.Recipient, bool) {
	s := e.cur.Load()
	if s == nil {
		return disclosure.Recipient{}, false
	}
	r, ok := s.recipients[id]
	return r.Recipient, ok
}

// CheckOption adds a detail to one Check. Build one with [WithCategories].
//
// Unlike [Option], a CheckOption is a small value rather than a function:
// Check runs on every request, and a value costs no allocation.
type CheckOption struct {
	categories  []purpose.Category
	basis       Basis
	collectedAt time.Time
}

// WithCategories names the categories of data the request involves. The
// engine denies categories the purpose may not use (3) and commercial
// secrets for 5.1 recipients.
func WithCategories(cs ...purpose.Category) CheckOption {
	return CheckOption{categories: cs}
}

// Check decides whether personal data of user may be processed for purpose
// p and, unless recipient is [Operator], disclosed to recipient.
//
// It fails closed: on any error (empty user, unknown purpose, recipient or
// category, cancelled context, consent store failure, policy failure) it
// returns a denying Decision that says why, and an error that wraps one of
// the package's sentinels. It never returns an error with an allow.
//
// The zero Engine denies every Check with [ErrInvalidConfig]: build one
// with [New].
func (e *Engine) Check(ctx context.Context, user string, p purpose.ID, recipient string, opts ...CheckOption) (Decision, error) {
	s := e.cur.Load()
	if s == nil {
		return zeroEngineDenial(p, recipient), fmt.Errorf("%w: the zero Engine has no policy; build one with New", ErrInvalidConfig)
	}
	return s.check(ctx, user, p, recipient, opts)
}

func (e *snapshot) check(ctx context.Context, user string, p purpose.ID, recipient string, opts []CheckOption) (Decision, error) {
	vf := e.inForce()
	base := Decision{Purpose: p, Recipient: recipient}
	if vf.idx >= 0 {
		base.PolicyVersion = e.tl.versions[vf.idx].ID
	}
	if ctx == nil {
		return e.deny(base, "invalid_request", ""), fmt.Errorf("%w: nil context", ErrInvalidRequest)
	}
	if user == "" {
		return e.deny(base, "invalid_request", ""), ErrEmptyUser
	}
	if len(user) > MaxUserLen {
		return e.deny(base, "invalid_request", ""), fmt.Errorf("%w: user longer than %d bytes", ErrInvalidRequest, MaxUserLen)
	}
	if err := ctx.Err(); err != nil {
		return e.deny(base, "request_cancelled", ""), fmt.Errorf("policy: check: %w", err)
	}
	pi, ok := e.purposes[p]
	if !ok {
		return e.deny(base, "unknown_purpose", "3"), fmt.Errorf("%w: %s", ErrUnknownPurpose, clip(string(p)))
	}
	if vf.idx < 0 {
		return e.deny(base, "no_version_in_force", "9.2"), fmt.Errorf("%w: no version of the policy is in force yet", ErrInvalidConfig)
	}
	key := decisionKey{purpose: pi.index, version: uint16(vf.idx)}
	rh := e.operator
	if recipient != Operator {
		r, ok := e.recipients[recipient]
		if !ok {
			return e.deny(base, "unknown_recipient", "5"), fmt.Errorf("%w: %s", ErrUnknownRecipient, clip(recipient))
		}
		key.kind, key.confident, key.country, rh, key.basis = r.kind, r.Confidentiality, r.country, r.hash, r.basis
	}
	for _, o := range opts {
		if o.basis != "" {
			i, ok := basisIndex(o.basis)
			if !ok {
				return e.deny(base, "invalid_request", ""), fmt.Errorf("%w: unknown basis %s", ErrInvalidRequest, clip(string(o.basis)))
			}
			key.basis = i
		}
		if !o.collectedAt.IsZero() && pi.retention > 0 && o.collectedAt.Before(e.now().Add(-pi.retention)) {
			key.expired = true // 4.2: kept beyond the purpose's retention
		}
		for _, c := range o.categories {
			i, ok := e.catalog.CategoryIndex(c)
			if !ok {
				return e.deny(base, "invalid_request", ""), fmt.Errorf("%w: %s", ErrUnknownCategory, clip(string(c)))
			}
			key.categories |= 1 << i
		}
	}
	if key.categories == 0 {
		// Naming no category judges the purpose's own (3.2): not naming
		// them never skips the category rules.
		key.categories, key.implied = pi.mask, true
	}
	st, err := e.state(ctx, user)
	if err != nil {
		return e.deny(base, "consent_unavailable", ""), err
	}
	key.accept = e.standing(st.Acceptance(), vf.idx)
	if g, ok := st.Grant(p, recipient); ok && g.Granted {
		// Read the clock only for a grant with a term: most have none.
		key.grant = g.Until.IsZero() || g.ActiveAt(e.now())
		key.crossBorder = key.grant && g.Flags.CrossBorderTransfer
	}

	v, err := e.verdict(ctx, key)
	if cerr := ctx.Err(); cerr != nil {
		// The context ended before the decision was made, maybe while a
		// store that ignores it was answering: deny on every path, the
		// warm cache included.
		return e.deny(base, "request_cancelled", ""), fmt.Errorf("policy: check: %w", cerr)
	}
	if err != nil {
		return e.deny(base, "policy_error", ""), err
	}
	return issue(v, recipient, rh), nil
}

// state reads user's consent state, turning a panic of the store into an
// error and refusing a state that belongs to someone else.
func (e *snapshot) state(ctx context.Context, user string) (st consent.State, err error) {
	defer func() {
		if r := recover(); r != nil {
			// The panic value may hold personal data: it is not quoted.
			st, err = consent.State{}, fmt.Errorf("%w: the consent store panicked", ErrConsentUnavailable)
		}
	}()
	st, err = e.store.State(ctx, user)
	if err != nil {
		return consent.State{}, &storeError{err: err, verbose: e.verbose}
	}
	if st.Subject() != user {
		return consent.State{}, fmt.Errorf("%w: the consent store returned another subject's state", ErrConsentUnavailable)
	}
	return st, nil
}

func (e *snapshot) standing(a consent.Acceptance, inForce int) acceptance {
	switch {
	case a.Version == "":
		return acceptNone
	case a.Withdrawn:
		return acceptWithdrawn
	case a.Version == e.tl.versions[inForce].ID:
		return acceptCurrent
	case e.tl.strict && !e.tl.has(a.Version):
		return acceptNone // a version this policy never had
	default:
		return acceptOutdated
	}
}

// verdict returns the cached decision for key, evaluating the Rego on a
// miss.
func (e *snapshot) verdict(ctx context.Context, key decisionKey) (*verdict, error) {
	if e.memo != nil {
		if v, ok := e.memo.get(key); ok {
			return v, nil
		}
	}
	v, err := e.evaluate(ctx, key)
	if err != nil {
		return nil, err
	}
	if e.memo != nil {
		e.memo.put(key, v)
	}
	return v, nil
}

func (e *snapshot) evaluate(ctx context.Context, key decisionKey) (*verdict, error) {
	in := regoeval.Input{
		Purpose:          string(e.purposeIDs[key.purpose]),
		RecipientKind:    recipientKinds[key.kind],
		Country:          countryCode(key.country),
		Confidentiality:  key.confident,
		Acceptance:       key.accept.String(),
		Grant:            key.grant,
		GrantCrossBorder: key.crossBorder,
		CategoriesNamed:  !key.implied,
		Basis:            string(bases[key.basis]),
		RetentionExpired: key.expired,
		Categories:       []string{},
	}
	var judged []purpose.Category
	for i := 0; key.categories>>i != 0; i++ {
		if key.categories&(1<<i) != 0 {
			judged = append(judged, e.catalog.CategoryAt(i))
			in.Categories = append(in.Categories, string(e.catalog.CategoryAt(i)))
		}
	}
	start := time.Now()
	budget, cancel := context.WithTimeout(ctx, e.budget)
	defer cancel()
	res, err := e.eval.Eval(budget, in)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("policy: check: %w", errors.Join(ctx.Err(), err))
		case budget.Err() != nil:
			return nil, fmt.Errorf("%w: stopped after %v, over the budget of %v: %w", ErrEvaluation, time.Since(start).Round(time.Millisecond), e.budget, budget.Err())
		}
		return nil, fmt.Errorf("%w: %w", ErrEvaluation, err)
	}
	v := &verdict{
		allowed:    res.Allow,
		purpose:    e.purposeIDs[key.purpose],
		version:    e.tl.versions[key.version].ID,
		legal:      e.purposes[e.purposeIDs[key.purpose]].legal,
		categories: judged,
		seed:       e.seed,
		redact:     recipientKinds[key.kind] == string(disclosure.Individual) && !e.verbose,
	}
	for _, it := range res.Reasons {
		v.reasons = append(v.reasons, Reason{Code: it.Code, Clause: it.Clause, Message: e.message(it.Code), Categories: categories(it.Categories)})
	}
	for _, it := range res.Obligations {
		v.obligations = append(v.obligations, Obligation{Code: it.Code, Clause: it.Clause, Message: e.message(it.Code), Categories: categories(it.Categories)})
	}
	if v.allowed && len(v.reasons) == 0 {
		return nil, fmt.Errorf("%w: an allow with no reason", ErrEvaluation)
	}
	// Every Check shares these slices: clipped (by seal), a caller's append
	// copies instead of writing into the cache.
	return v.seal(), nil
}

func categories(ss []string) []purpose.Category {
	if len(ss) == 0 {
		return nil
	}
	out := make([]purpose.Category, len(ss))
	for i, s := range ss {
		out[i] = purpose.Category(s)
	}
	return out
}

func (e *snapshot) message(code string) purpose.Text { return messageOf(e.messages, code) }

func messageOf(m map[string]purpose.Text, code string) purpose.Text {
	if t, ok := m[code]; ok {
		return t
	}
	return purpose.Text{RU: code, KK: code, EN: code}
}

// embeddedMessages are the texts of the seed policy's codes, decoded once.
var embeddedMessages = sync.OnceValue(func() map[string]purpose.Text {
	var m map[string]purpose.Text
	if err := json.Unmarshal(messagesJSON, &m); err != nil {
		panic("policy: embedded messages: " + err.Error())
	}
	return m
})

// Message returns the text, in Russian, Kazakh and English, of a reason or
// obligation code of the embedded policy, and reports whether it has one.
// For a code without text it returns the code itself in every language,
// as decisions do.
func Message(code string) (purpose.Text, bool) {
	t, ok := embeddedMessages()[code]
	if !ok {
		return purpose.Text{RU: code, KK: code, EN: code}, false
	}
	return t, true
}

// deny returns d as a denial for a reason found before the Rego was asked.
func (e *snapshot) deny(d Decision, code, clause string) Decision {
	v := &verdict{
		purpose: d.Purpose,
		version: d.PolicyVersion,
		reasons: []Reason{{Code: code, Clause: clause, Message: e.message(code)}},
		seed:    e.seed,
		redact:  e.recipients[d.Recipient].Kind == disclosure.Individual && !e.verbose,
	}
	return issue(v.seal(), d.Recipient, maphash.String(e.seed, d.Recipient))
}

func isUpperASCII(b byte) bool { return b >= 'A' && b <= 'Z' }
