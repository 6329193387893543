package policy

import (
	"io/fs"
	"maps"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/purpose"
)

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
	hostRego       fs.FS
	bundle         fs.FS
	bundleKeys     []BundleKey
	attributes     []attributeDecl
	evalTimeoutSet bool
	telemetry      telemetryConfig // observe.go

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

// WithRego replaces the embedded rules wholesale with the .rego files at
// the root of fsys (files ending in _test.rego are skipped): the seed's
// rules and the Law's are then gone, and the host's rules decide alone.
// It is for an operator whose policy is not the seed; to add rules to the
// seed, use [WithHostRego]. The rules must define
// data.privacy.decision as the embedded ones do; see [Rego] for them.
// Non-deterministic builtins (time, randomness, network) are not available
// unless [WithNondeterministicBuiltins] is given.
func WithRego(fsys fs.FS) Option { return func(c *config) { c.rego = fsys } }

// WithHostRego layers a host's own rules on the policy: every .rego file of
// fsys, in subdirectories too (files ending in _test.rego are skipped).
// Host modules must be in package privacy.host or a package under it; a
// module that defines anything elsewhere is refused at New with its file
// and line. They see the same input as the policy's rules (see the comment
// at the top of decision.rego) and may define:
//
//	deny contains {"code": "...", "clause": "..."} if { ... }        # adds a denial
//	obligations contains {"code": "...", "clause": "...", "categories": [...]} if { ... }
//
// Both must be sets (multi-value rules, as above): a rule of those names
// that is not one (`deny if { ... }`, a Rego v1 `deny[x] if { ... }`,
// which is an object, or `deny := ...`), and host data holding an object
// key of those names, is refused at New and Reload with its file and
// line, rather than be ignored.
//
// The decision is the policy's with the host's denials and obligations
// added: a host rule can deny what the policy allows and oblige more, never
// allow what the policy denies. Give the texts of host codes with
// [WithMessages]. Host rules run sandboxed like [WithRego]'s, within
// [DefaultEvalTimeout] unless [WithEvalTimeout] says otherwise.
func WithHostRego(fsys fs.FS) Option { return func(c *config) { c.hostRego = fsys } }

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

// DefaultEvalTimeout is the default budget of one evaluation of a host's
// Rego ([WithRego]); see [WithEvalTimeout]. The embedded seed policy
// evaluates in about 0.2 ms over a small canonical input and static data,
// with nothing that iterates beyond them, so it runs without a budget
// unless the host sets one: on a 2-core machine at load average 13-18,
// evaluations were seen to stall for 0.25-2 s of wall time (scheduling,
// not work), and a budget there would only deny for no fault of the
// policy. For a host's rules one second bounds a rule that runs away.
const DefaultEvalTimeout = time.Second

// WithEvalTimeout bounds how long one evaluation of the Rego may take,
// whatever the caller's context allows: the host's rules and, when given,
// the embedded ones too. Over budget, Check denies with an error wrapping
// [ErrEvaluation] and context.DeadlineExceeded. d must be positive. Only
// evaluations pay for the budget: a cached decision needs none.
func WithEvalTimeout(d time.Duration) Option {
	return func(c *config) { c.evalTimeout, c.evalTimeoutSet = d, true }
}

// WithVerboseErrors lets errors returned by Check carry the consent
// store's own error text and quote a purpose or recipient the engine does
// not know, and lets decisions logged (through [Decision.LogValue], the
// decision log and observers) name recipients of kind
// [disclosure.Individual], and purposes and recipients the engine does
// not know. By default none does, since a store's text may hold a user
// ID, an individual's recipient ID may be a person's name, and an unknown
// one is whatever the caller sent (read from a URL, say). errors.Is and
// errors.As reach the store's error either way.
func WithVerboseErrors() Option { return func(c *config) { c.verbose = true } }

// WithNondeterministicBuiltins lets a host's Rego call builtins whose result
// is not a function of their input, such as time.now_ns or http.send. By
// default the Rego may call only builtins on the library's allow-list of
// pure ones; this option lifts the list entirely. It
// turns the decision cache off, since decisions then depend on more than
// the input.
func WithNondeterministicBuiltins() Option { return func(c *config) { c.nondeterminism = true } }
