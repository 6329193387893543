package consent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/yasam/privacy/consent/keyring"
)

// WithHold gives a [KeyedStore] the host's legal holds: while h returns an
// error for a subject, [KeyedStore.Forget] refuses with it (wrapped with
// [keyring.ErrRetained]) and shreds nothing.
func WithHold(h keyring.Hold) Option { return func(c *config) { c.hold = h } }

// KeyedStore is a [Store] over another whose rows never hold a subject's
// ID in clear, so that [KeyedStore.Forget] can erase a subject from an
// append-only log by destroying the subject's key (crypto-shredding).
//
// What the inner store keeps for an event of subject s, under s's key
// from the keyring (see package keyring):
//
//   - Subject: the reference [keyring.SubjectKey.Ref] (an HMAC under the
//     key), so the log can still be read by subject;
//   - ID: an HMAC of the event's ID under the key, so that an ID derived
//     from the content ([Event.ContentID], which covers the subject's ID)
//     cannot be recomputed by whoever knows the subject;
//   - Evidence, and the event's ID when the host chose it ([WithID]):
//     AES-256-GCM under the key, bound to the stored ID;
//   - the rest (action, purpose, recipient, times, channel, operator,
//     categories, flags) as it is. A recipient that is a person is
//     personal data the library cannot tell apart: give such recipients
//     IDs that are not personal.
//
// Event IDs are unique per subject, not across the store: the same ID for
// two subjects gives two stored IDs, so it is not a conflict.
//
// Reads give back the events as appended. After Forget, State and History
// of the subject return nothing (an empty state: every check denies), and
// a new Append for the same ID starts a new, unlinked record.
//
// Cost: a State asks the keyring for the key (wrap it in a keyring.Cache),
// reads the inner store's state (its cache keeps that cheap and current),
// and reads and folds the subject's history only when the inner state
// counts other events than last time. The subject's derived key and
// read-back state are held in memory (up to 4096 subjects) and dropped by
// Forget and by a read that finds the key gone.
//
// A KeyedStore is a [TokenStore] when its inner store is; it is safe for
// concurrent use.
type KeyedStore struct {
	inner Store
	ring  keyring.Keyring
	cfg   config

	// states caches, per subject, the derived key and the state read
	// back, with the number of events the inner store's state had then:
	// the log being append-only, the same count means the same events.
	mu     sync.Mutex
	states map[string]keyedState
	// forgets counts Forgets that have shredded a key: an entry derived
	// from a key read before one of them is not cached (it may be the
	// shredded key's). Read without mu; put compares it under mu.
	forgets atomic.Uint64
}

type keyedState struct {
	raw []byte
	k   *keyring.SubjectKey
	n   int
	st  State
	ok  bool // st is filled
}

// maxKeyedStates bounds the cache of read-back states.
const maxKeyedStates = 4096

var (
	_ Store      = (*KeyedStore)(nil)
	_ TokenStore = (*KeyedStore)(nil)
)

// NewKeyedStore returns inner under ring's keys. opts are validation
// options ([WithRequiredContent], [WithCatalog], [WithRecipients]) applied
// to every Append, and [WithHold]. inner must not be appended to other
// than through a KeyedStore over the same keyring.
//
// Every call asks ring for the subject's key: wrap ring in a
// [keyring.Cache] (shared by every store over ring in the process) so
// that warm calls do not reach its storage.
func NewKeyedStore(inner Store, ring keyring.Keyring, opts ...Option) *KeyedStore {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return &KeyedStore{inner: inner, ring: ring, cfg: cfg, states: make(map[string]keyedState)}
}

// Inner returns the store that holds the sealed rows.
func (s *KeyedStore) Inner() Store { return s.inner }

// envelope flags.
const (
	envPlain  = 0 // evidence only; the ID is the content ID
	envWithID = 1 // the host's ID, then evidence
)

// seal returns what the inner store keeps for events.
func (s *KeyedStore) seal(ctx context.Context, events []Event) ([]Event, error) {
	if err := s.cfg.validateBatch(events); err != nil {
		return nil, fmt.Errorf("consent: append: %w", err)
	}
	out := make([]Event, len(events))
	for i, e := range events {
		k, err := keyring.Subject(ctx, s.ring, e.Subject, true)
		if err != nil {
			return nil, fmt.Errorf("consent: append: %w: %w", ErrUnavailable, err)
		}
		st := e
		st.Subject = k.Ref()
		st.ID = k.ID("ev_", e.ID)
		custom := e.ID != e.ContentID()
		if custom || e.Evidence != "" {
			env := []byte{envPlain}
			if custom {
				env = append([]byte{envWithID, byte(len(e.ID))}, e.ID...)
			}
			st.Evidence = k.Seal(append(env, e.Evidence...), st.ID)
		}
		out[i] = st
	}
	return out, nil
}

// open returns the event as appended from its stored form.
func open(k *keyring.SubjectKey, subject string, st Event) (Event, error) {
	e := st
	e.Subject = subject
	var id string
	if st.Evidence != "" {
		env, err := k.Open(st.Evidence, st.ID)
		if err != nil || len(env) == 0 {
			return Event{}, fmt.Errorf("consent: %w: %w: event %s", ErrUnavailable, keyring.ErrSealed, st.ID)
		}
		switch {
		case env[0] == envPlain:
			e.Evidence = string(env[1:])
		case env[0] == envWithID && len(env) >= 2 && len(env) >= 2+int(env[1]):
			n := int(env[1])
			id, e.Evidence = string(env[2:2+n]), string(env[2+n:])
		default:
			return Event{}, fmt.Errorf("consent: %w: %w: event %s", ErrUnavailable, keyring.ErrSealed, st.ID)
		}
	}
	if id == "" {
		id = e.ContentID()
	}
	e.ID = id
	if k.ID("ev_", id) != st.ID {
		return Event{}, fmt.Errorf("consent: %w: %w: event %s does not match its content", ErrUnavailable, keyring.ErrSealed, st.ID)
	}
	return e, nil
}

// Append implements [Store].
func (s *KeyedStore) Append(ctx context.Context, events ...Event) error {
	_, err := s.AppendToken(ctx, events...)
	return err
}

// AppendToken implements [TokenStore]; over an inner store that is not a
// TokenStore the token is zero.
func (s *KeyedStore) AppendToken(ctx context.Context, events ...Event) (Token, error) {
	sealed, err := s.seal(ctx, events)
	if err != nil {
		return "", err
	}
	if ts, ok := s.inner.(TokenStore); ok {
		return ts.AppendToken(ctx, sealed...)
	}
	return "", s.inner.Append(ctx, sealed...)
}

// key returns user's key, or nil when user has none (never recorded, or
// forgotten). The keyring is asked every time (through the host's
// keyring.Cache), so a Forget is seen at once; only the derivation is
// cached.
func (s *KeyedStore) key(ctx context.Context, op, user string) (*keyring.SubjectKey, error) {
	e, err := s.entry(ctx, op, user)
	return e.k, err
}

// entry is [KeyedStore.key] that returns, with the key (e.k, nil when
// user has none), what is cached for user under it: a State needs both,
// and takes them in one look.
func (s *KeyedStore) entry(ctx context.Context, op, user string) (keyedState, error) {
	if user == "" {
		return keyedState{}, nil
	}
	forgets := s.forgets.Load()
	raw, err := s.ring.Key(ctx, user, false)
	if errors.Is(err, keyring.ErrNoKey) {
		s.drop(user)
		return keyedState{}, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return keyedState{}, fmt.Errorf("consent: %s: %w", op, ctx.Err())
		}
		return keyedState{}, fmt.Errorf("consent: %s: %w: %w", op, ErrUnavailable, err)
	}
	s.mu.Lock()
	e, ok := s.states[user]
	// Compared under the lock: an evicted entry's key is wiped in place.
	same := ok && bytes.Equal(e.raw, raw)
	s.mu.Unlock()
	if same {
		clear(raw)
		return e, nil
	}
	k, err := keyring.Derive(raw, user)
	if err != nil {
		return keyedState{}, fmt.Errorf("consent: %s: %w: %w", op, ErrUnavailable, err)
	}
	e = keyedState{raw: raw, k: k}
	s.put(user, e, forgets)
	return e, nil
}

// put caches e for user, unless a Forget shredded a key since forgets
// was read (e's key was read after that).
func (s *KeyedStore) put(user string, e keyedState, forgets uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.forgets.Load() != forgets {
		return
	}
	if len(s.states) >= maxKeyedStates {
		s.dropAllLocked()
	}
	s.states[user] = e
}

// fill caches st, read back from n events, for user, if user's entry
// still holds k: one dropped meanwhile (by Forget) stays dropped.
func (s *KeyedStore) fill(user string, k *keyring.SubjectKey, n int, st State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.states[user]; ok && e.k == k {
		e.n, e.st, e.ok = n, st, true
		s.states[user] = e
	}
}

// drop forgets what is cached for user.
func (s *KeyedStore) drop(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.states[user]; ok {
		clear(e.raw)
		delete(s.states, user)
	}
}

func (s *KeyedStore) dropAllLocked() {
	for _, e := range s.states {
		clear(e.raw)
	}
	clear(s.states)
}

// History implements [Store].
func (s *KeyedStore) History(ctx context.Context, user string) ([]Event, error) {
	k, err := s.key(ctx, "history", user)
	if err != nil || k == nil {
		return nil, err
	}
	return s.history(ctx, k, user)
}

func (s *KeyedStore) history(ctx context.Context, k *keyring.SubjectKey, user string) ([]Event, error) {
	stored, err := s.inner.History(ctx, k.Ref())
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(stored))
	for _, st := range stored {
		e, err := open(k, user, st)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// State implements [Store].
func (s *KeyedStore) State(ctx context.Context, user string) (State, error) {
	return s.StateAtLeast(ctx, user, "")
}

// StateAtLeast implements [TokenStore]. A non-zero token over an inner
// store that is not a TokenStore fails with [ErrTokenInvalid].
func (s *KeyedStore) StateAtLeast(ctx context.Context, user string, t Token) (State, error) {
	e, err := s.entry(ctx, "state", user)
	if err != nil {
		return State{}, err
	}
	k := e.k
	if t != "" {
		ts, ok := s.inner.(TokenStore)
		if !ok {
			return State{}, fmt.Errorf("consent: state: %w", ErrTokenInvalid)
		}
		ref := "sr1:-" // no such subject: only waits for the position
		if k != nil {
			ref = k.Ref()
		}
		if _, err := ts.StateAtLeast(ctx, ref, t); err != nil {
			return State{}, err
		}
	}
	if k == nil {
		if err := ctx.Err(); err != nil {
			return State{}, fmt.Errorf("consent: state: %w", err)
		}
		return NewState(user), nil
	}
	// The inner store's state (cached there, and kept current across
	// instances) says how many events there are; while that count is the
	// one read back last, so is the state.
	inner, err := s.inner.State(ctx, k.Ref())
	if err != nil {
		return State{}, err
	}
	if e.ok && e.n == inner.Events() {
		return e.st, nil
	}
	events, err := s.history(ctx, k, user)
	if err != nil {
		return State{}, err
	}
	f := NewFolder(NewState(user))
	for _, ev := range events {
		f.Apply(ev)
	}
	st := f.State()
	if len(events) == inner.Events() {
		s.fill(user, k, len(events), st)
	}
	return st, nil
}

// Forget erases subject from the log by destroying its key: the rows stay
// (the log is append-only) but nobody, holding the database and the
// subject's ID, can link them to the subject any more. It returns how many
// events became unlinkable. While the host's hold ([WithHold]) applies it
// refuses with an error wrapping [keyring.ErrRetained] (which
// subject.Forget recognises) and erases nothing. Idempotent: a subject
// without a key erases nothing and succeeds.
//
// The key is gone from the keyring's live storage and, through a
// [keyring.Cache], from this process's memory; other processes drop their
// cached copy when it expires. Backups, WAL archives and, in PostgreSQL, dead row
// versions until VACUUM keep what they kept: see package keyring.
func (s *KeyedStore) Forget(ctx context.Context, subject string) (int, error) {
	if subject == "" {
		return 0, fmt.Errorf("consent: forget: %w: empty subject", ErrInvalidEvent)
	}
	if s.cfg.hold != nil {
		if reason := s.cfg.hold(ctx, subject); reason != nil {
			return 0, fmt.Errorf("consent: forget: %w: %w", keyring.ErrRetained, reason)
		}
	}
	k, err := s.key(ctx, "forget", subject)
	if err != nil {
		return 0, err
	}
	if k == nil {
		return 0, nil
	}
	stored, err := s.inner.History(ctx, k.Ref())
	if err != nil {
		return 0, err
	}
	s.drop(subject)
	err = s.ring.Shred(ctx, subject)
	// A State that read the key before the Shred may have cached the
	// subject's states after the drop above: drop again, and refuse
	// entries derived from keys read before now.
	s.forgets.Add(1)
	s.drop(subject)
	if err != nil {
		return 0, fmt.Errorf("consent: forget: %w: %w", ErrUnavailable, err)
	}
	if d, ok := s.inner.(CacheDropper); ok {
		d.DropCached(k.Ref())
	}
	return len(stored), nil
}

// CacheDropper is a [Store] that can drop a subject's cached state;
// [KeyedStore.Forget] calls it on its inner store, so that no memory keeps
// the forgotten subject's (sealed) state. consent/sqlitestore and
// consent/pgstore implement it; other instances of a store drop theirs
// when their cache evicts it (the state holds no subject ID and no key).
type CacheDropper interface {
	DropCached(subject string)
}

// sealedEvidence reports whether evidence is a sealed value, which may be
// longer than [MaxEvidenceLen] (see [MaxSealedEvidenceLen]).
func sealedEvidence(evidence string) bool { return strings.HasPrefix(evidence, keyring.SealPrefix) }

// Format implements fmt.Formatter: a KeyedStore prints as a placeholder with
// any verb, never the keys or pepper it holds.
func (x *KeyedStore) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "consent.KeyedStore{[redacted]}")
}

// LogValue implements slog.LogValuer, as Format does.
func (x *KeyedStore) LogValue() slog.Value { return slog.StringValue("consent.KeyedStore{[redacted]}") }
