package consent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/purpose"
)

// Errors a [Store] reports, wrapped with detail; test with errors.Is.
var (
	// ErrInvalidEvent: an event failed [Event.Validate]; the batch was not
	// written.
	ErrInvalidEvent = errors.New("consent: invalid event")
	// ErrConflict: an event's ID is on record with other content; the
	// batch was not written.
	ErrConflict = errors.New("consent: event id on record with other content")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("consent: store closed")
	// ErrUnavailable: the backing storage could not be reached or failed.
	ErrUnavailable = errors.New("consent: store unavailable")
	// ErrMissingContent: with [WithRequiredContent], a grant or an
	// acceptance lacks what art. 8 p.4 of the Law requires a consent to
	// state, or names another operator. It comes wrapped together with [ErrInvalidEvent].
	ErrMissingContent = errors.New("consent: event lacks the content art. 8 p.4 requires")
	// ErrUnknownScope: with [WithCatalog] or [WithRecipients], a grant is
	// for a purpose, a category or a recipient the policy does not know. It
	// comes wrapped together with [ErrInvalidEvent]. Withdrawals are never
	// refused for it: a user may always take back what they gave.
	ErrUnknownScope = errors.New("consent: grant for a purpose, category or recipient the policy does not know")
)

// Catalog is what validation needs of a purpose catalog: the purposes and
// the categories it declares. *purpose.Catalog is one; pass the catalog of
// the engine the grants are for.
type Catalog interface {
	Lookup(id purpose.ID) (purpose.Purpose, bool)
	CategoryIndex(c purpose.Category) (int, bool)
}

// Option sets how events are validated, by [ValidateBatch] or by a
// [MemoryStore] before it appends.
type Option func(*config)

type config struct {
	operator  Operator
	required  bool
	catalog   Catalog
	recipient func(id string) bool
	hold      keyring.Hold
}

// WithRequiredContent makes art. 8 p.4's content required, for the
// operator op (its name and BIN): every grant and acceptance must name op
// as its operator, state the channel (8 p.1) and the list of data
// collected. Withdrawals are never refused for their content: refusing one
// would keep the processing going. The term (zero Until: until the
// purpose is achieved) and the three flags (false: not agreed) are always
// stated. Events recorded without it stay readable; only new appends are
// checked.
func WithRequiredContent(op Operator) Option {
	return func(c *config) { c.operator, c.required = op, true }
}

// WithCatalog refuses a grant for a purpose the catalog does not hold, or
// whose list of data names a category the purpose does not use, and an
// acceptance whose list of data names a category the catalog does not
// declare ([ErrUnknownScope]).
func WithCatalog(cat Catalog) Option { return func(c *config) { c.catalog = cat } }

// WithRecipients refuses a grant for a recipient that known reports false
// for ([ErrUnknownScope]). With a *policy.Engine e, pass
// func(id string) bool { _, ok := e.Recipient(id); return ok }.
func WithRecipients(known func(id string) bool) Option {
	return func(c *config) { c.recipient = known }
}

// Store keeps the consent log. Implementations must be safe for concurrent
// use by multiple goroutines and pass consent/consenttest.
type Store interface {
	// Append writes a batch of events atomically: all of them or, on any
	// error, none. Events whose ID is already on record with the same
	// content are skipped (idempotency).
	Append(ctx context.Context, events ...Event) error
	// State returns the user's current state; a user without events has
	// the zero state for that subject, not an error.
	State(ctx context.Context, user string) (State, error)
	// History returns the user's events in log order.
	History(ctx context.Context, user string) ([]Event, error)
}

// ValidateBatch validates every event of a batch and checks that IDs within
// it do not clash. Stores call it before writing anything; a host calls it
// with [WithRequiredContent], [WithCatalog] and [WithRecipients] before
// Append to refuse what the policy cannot honour.
func ValidateBatch(events []Event, opts ...Option) error {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return cfg.validateBatch(events)
}

func (cfg *config) validateBatch(events []Event) error {
	var errs []error
	ids := make(map[string]int, len(events))
	for i, e := range events {
		if err := e.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := cfg.check(e); err != nil {
			errs = append(errs, err)
			continue
		}
		if j, dup := ids[e.ID]; dup && !events[j].Equal(e) {
			errs = append(errs, fmt.Errorf("%w: %s appears twice in the batch with different content", ErrConflict, e.ID))
		}
		ids[e.ID] = i
	}
	return errors.Join(errs...)
}

// check applies the host's rules to a valid event.
func (cfg *config) check(e Event) error {
	var errs []error
	given := e.Action == ActionGrant || e.Action == ActionAcceptPolicy
	// A withdrawal is never refused for its content: refusing it would keep
	// the processing going.
	if cfg.required && given {
		missing := func(what string) { errs = append(errs, fmt.Errorf("%w: %s", ErrMissingContent, what)) }
		switch {
		case e.Operator.IsZero():
			missing("no operator")
		case e.Operator != cfg.operator:
			missing("another operator")
		}
		if e.Channel == ChannelUnspecified {
			missing("no channel")
		}
		if len(e.Categories) == 0 {
			missing("no list of data collected")
		}
	}
	if e.Action == ActionGrant {
		unknown := func(what string) { errs = append(errs, fmt.Errorf("%w: %s", ErrUnknownScope, what)) }
		if cfg.catalog != nil {
			if p, ok := cfg.catalog.Lookup(e.Scope.Purpose); !ok {
				unknown("purpose not in the catalog")
			} else {
				for _, c := range e.Categories {
					if !p.Uses(c) {
						unknown("a category the purpose does not use")
						break
					}
				}
			}
		}
		if cfg.recipient != nil && !cfg.recipient(e.Scope.Recipient) {
			unknown("recipient unknown to the policy")
		}
	}
	if e.Action == ActionAcceptPolicy && cfg.catalog != nil {
		for _, c := range e.Categories {
			if _, ok := cfg.catalog.CategoryIndex(c); !ok {
				errs = append(errs, fmt.Errorf("%w: a category the catalog does not declare", ErrUnknownScope))
				break
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w %s: %w", ErrInvalidEvent, e.ID, errors.Join(errs...))
}

// MemoryStore is a [Store] in memory, for tests and single-process tools.
// It is safe for concurrent use by multiple goroutines. The zero value is not
// usable; call [NewMemoryStore].
type MemoryStore struct {
	cfg  config
	mu   sync.RWMutex // guards byID and log, and serialises writers of states
	byID map[string]Event
	log  map[string][]Event // per subject, in append order
	// states maps a subject to its State. Reads take no lock, so State
	// scales across cores; a sync.Map suits a cache written once per
	// append and read on every Check.
	states sync.Map
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store. Its Append validates each batch as
// [ValidateBatch] does with opts.
func NewMemoryStore(opts ...Option) *MemoryStore {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return &MemoryStore{
		cfg:  cfg,
		byID: make(map[string]Event),
		log:  make(map[string][]Event),
	}
}

// Append implements [Store].
func (m *MemoryStore) Append(ctx context.Context, events ...Event) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("consent: append: %w", err)
	}
	if err := m.cfg.validateBatch(events); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fresh := make([]Event, 0, len(events))
	seen := make(map[string]bool, len(events))
	for _, e := range events {
		if old, ok := m.byID[e.ID]; ok {
			if !old.Equal(e) {
				return fmt.Errorf("%w: %s", ErrConflict, e.ID)
			}
			continue
		}
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		fresh = append(fresh, e)
	}
	// Apply is order-independent across distinct times (see State.Apply),
	// so folding in append order gives the log-order state. Each subject's
	// new state is published once, so no reader sees half a batch.
	next := make(map[string]*Folder)
	for _, e := range fresh {
		m.byID[e.ID] = e
		m.log[e.Subject] = append(m.log[e.Subject], e)
		f, ok := next[e.Subject]
		if !ok {
			st := NewState(e.Subject)
			if v, ok := m.states.Load(e.Subject); ok {
				st = v.(State)
			}
			nf := NewFolder(st)
			f = &nf
			next[e.Subject] = f
		}
		f.Apply(e)
	}
	for subject, f := range next {
		m.states.Store(subject, f.State())
	}
	return nil
}

// State implements [Store]. It does not allocate: the state is shared and
// immutable.
func (m *MemoryStore) State(ctx context.Context, user string) (State, error) {
	if err := ctx.Err(); err != nil {
		return State{}, fmt.Errorf("consent: state: %w", err)
	}
	if v, ok := m.states.Load(user); ok {
		return v.(State), nil
	}
	return NewState(user), nil
}

// History implements [Store].
func (m *MemoryStore) History(ctx context.Context, user string) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("consent: history: %w", err)
	}
	m.mu.RLock()
	out := slices.Clone(m.log[user])
	m.mu.RUnlock()
	SortEvents(out)
	return out, nil
}
