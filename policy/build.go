package policy

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash/maphash"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/internal/regoeval"
	"github.com/yasam/privacy/purpose"
)

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
	if e == nil {
		return fmt.Errorf("%w: Reload of a nil Engine", ErrInvalidConfig)
	}
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
		catalog:   purpose.Default(),
		version:   DefaultVersion,
		now:       time.Now,
		cacheSize: DefaultCacheSize,
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
	switch {
	case cfg.evalTimeoutSet && cfg.evalTimeout <= 0:
		return nil, fmt.Errorf("%w: evaluation timeout %v is not positive", ErrInvalidConfig, cfg.evalTimeout)
	case !cfg.evalTimeoutSet && (cfg.rego != nil || cfg.hostRego != nil || cfg.bundle != nil || cfg.nondeterminism):
		cfg.evalTimeout = DefaultEvalTimeout // a host's rules
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
		recipients: make(map[string]*recipientInfo, len(cfg.recipients)),
		store:      cfg.store,
		law:        !cfg.withoutLaw,
		now:        cfg.now,
		verbose:    cfg.verbose,
		budget:     cfg.evalTimeout, // 0: none
		purposes:   make(map[purpose.ID]*purposeInfo),
		seed:       maphash.MakeSeed(),
	}
	e.operator = maphash.String(e.seed, Operator)
	var err error
	if e.tl, err = newTimeline(cfg.version, cfg.prior); err != nil {
		return nil, err
	}
	if e.attrs, e.attrOrder, err = buildAttributes(cfg.attributes); err != nil {
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
		name := clip.Quote(r.ID, maxQuote)
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
		e.recipients[r.ID] = &recipientInfo{Recipient: r, kind: kindIndex[r.Kind], country: countryKey(r.Country), hash: maphash.String(e.seed, r.ID)}
	}
	for id, b := range cfg.recipientBasis {
		r, ok := e.recipients[id]
		if !ok {
			return nil, fmt.Errorf("%w: basis for recipient %s, which is not registered", ErrInvalidConfig, clip.Quote(id, maxQuote))
		}
		i, ok := basisIndex(b)
		if !ok || i == 0 {
			return nil, fmt.Errorf("%w: recipient %s: unknown basis %s", ErrInvalidConfig, clip.Quote(id, maxQuote), clip.Quote(string(b), maxQuote))
		}
		r.basis = i
		e.recipients[id] = r
	}
	adequate := make([]string, 0, len(cfg.adequate))
	for _, c := range cfg.adequate {
		if len(c) != 2 || !isUpperASCII(c[0]) || !isUpperASCII(c[1]) {
			return nil, fmt.Errorf("%w: adequate country %s is not an ISO 3166-1 alpha-2 code", ErrInvalidConfig, clip.Quote(c, maxQuote))
		}
		adequate = append(adequate, c)
	}
	for i, p := range cfg.catalog.Purposes() {
		pi := &purposeInfo{index: uint16(i), legal: p.LegalBasis, retention: p.Retention.Period}
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
	var host map[string]string
	if cfg.hostRego != nil {
		if host, err = readHostModules(cfg.hostRego); err != nil {
			return nil, err
		}
		for name, src := range host {
			modules[name] = src
		}
	}
	data := staticData(cfg.catalog, e.law, adequate)
	for _, k := range cfg.bundleKeys {
		if k.ID == "" || k.PublicKey == "" {
			return nil, fmt.Errorf("%w: a bundle key needs an ID and a public key", ErrInvalidConfig)
		}
	}
	if cfg.bundle != nil {
		fsys := cfg.bundle
		if len(cfg.bundleKeys) > 0 {
			if fsys, err = verifiedBundle(fsys, cfg.bundleKeys); err != nil {
				return nil, err
			}
		}
		b, err := readBundle(fsys)
		if err != nil {
			return nil, err
		}
		if host == nil {
			host = map[string]string{}
		}
		for name, src := range b.modules {
			modules[name], host[name] = src, src
		}
		if p, ok := b.data["privacy"]; ok {
			data["privacy"] = p
		}
		e.revision = b.revision
	}
	e.adequate = adequate
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		fmt.Fprintf(h, "%s\x00%d\x00%s", name, len(modules[name]), modules[name])
	}
	h.Sum(e.rulesSum[:0])
	e.eval, err = regoeval.New(context.Background(), regoeval.Options{
		Modules:               modules,
		HostModules:           slices.Sorted(maps.Keys(host)),
		Data:                  data,
		AllowNondeterministic: cfg.nondeterminism,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if cfg.cacheSize > 0 && !cfg.nondeterminism {
		e.memo = newMemo(cfg.cacheSize)
	}
	if e.tel, err = newTelemetry(&cfg, current); err != nil {
		return nil, err
	}
	return e, nil
}

// hostDir prefixes the names of host modules, so that they never collide
// with the policy's own.
const hostDir = "host/"

// readHostModules returns the host's layered Rego: every .rego file of
// fsys, in subdirectories too, except tests, named under hostDir.
func readHostModules(fsys fs.FS) (map[string]string, error) {
	modules := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(name) != ".rego" || strings.HasSuffix(name, "_test.rego") {
			return nil
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		modules[hostDir+name] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: read host rego: %w", ErrInvalidConfig, err)
	}
	if len(modules) == 0 {
		return nil, fmt.Errorf("%w: no host .rego files", ErrInvalidConfig)
	}
	return modules, nil
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
// the Law's switch. Recipients are not in it: the input carries the one
// recipient's kind, country and confidentiality, and no rule reads more.
func staticData(cat *purpose.Catalog, law bool, adequate []string) map[string]any {
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
	if adequate == nil {
		adequate = []string{}
	}
	return map[string]any{
		"catalog": map[string]any{"purposes": purposes, "categories": categories},
		"law":     map[string]any{"enabled": law, "adequate_countries": adequate},
	}
}

func isUpperASCII(b byte) bool { return b >= 'A' && b <= 'Z' }
