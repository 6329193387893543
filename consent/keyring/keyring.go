package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/yasam/privacy/internal/b64url"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrNoKey: the subject has no key (never had one, or it was
	// shredded) and none was to be made.
	ErrNoKey = errors.New("keyring: no key for the subject")
	// ErrRetained: erasure refused because a record must be kept (a legal
	// hold the host declared). Nothing was shredded.
	ErrRetained = errors.New("keyring: records must be kept")
	// ErrInvalid: a bad argument (empty subject, short pepper).
	ErrInvalid = errors.New("keyring: invalid argument")
	// ErrSealed: a sealed value does not open under the subject's key
	// (damaged, or sealed for another subject or record).
	ErrSealed = errors.New("keyring: sealed value does not open")
	// ErrUnavailable: the keyring's storage failed.
	ErrUnavailable = errors.New("keyring: unavailable")
)

// KeySize is the size of a subject key in bytes.
const KeySize = 32

// MinPepper is the shortest pepper accepted, in bytes.
const MinPepper = 16

// Keyring holds one key per subject.
type Keyring interface {
	// Key returns subject's key. Without one, it makes one if create
	// is set, else returns an error wrapping [ErrNoKey].
	Key(ctx context.Context, subject string, create bool) ([]byte, error)
	// Shred destroys subject's key. Idempotent: no key is no error.
	Shred(ctx context.Context, subject string) error
}

// Hold tells whether the law requires subject's records kept: a non-nil
// error (the reason) refuses erasure. The host gives it (a pending claim, a
// court case, a retention duty).
type Hold func(ctx context.Context, subject string) error

// Lookup returns HMAC-SHA256(pepper, subject), the keyring row's name.
func Lookup(pepper []byte, subject string) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte(subject))
	return m.Sum(nil)
}

// CheckPepper reports whether pepper is long enough.
func CheckPepper(pepper []byte) error {
	if len(pepper) < MinPepper {
		return fmt.Errorf("%w: pepper shorter than %d bytes", ErrInvalid, MinPepper)
	}
	return nil
}

// NewKey returns a random key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k) // never fails (crypto/rand panics on a broken source)
	return k
}

// Memory is a [Keyring] in memory.
type Memory struct {
	pepper []byte
	mu     sync.Mutex
	keys   map[string][]byte
}

var _ Keyring = (*Memory)(nil)

// NewMemory returns an empty keyring; pepper must be at least
// [MinPepper] bytes.
func NewMemory(pepper []byte) (*Memory, error) {
	if err := CheckPepper(pepper); err != nil {
		return nil, err
	}
	return &Memory{pepper: append([]byte(nil), pepper...), keys: make(map[string][]byte)}, nil
}

// Key implements [Keyring].
func (m *Memory) Key(ctx context.Context, subject string, create bool) ([]byte, error) {
	if subject == "" {
		return nil, fmt.Errorf("%w: empty subject", ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("keyring: key: %w", err)
	}
	name := string(Lookup(m.pepper, subject))
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[name]
	if !ok {
		if !create {
			return nil, ErrNoKey
		}
		k = NewKey()
		m.keys[name] = k
	}
	return append([]byte(nil), k...), nil
}

// Shred implements [Keyring]: the key's bytes are overwritten, then
// dropped.
func (m *Memory) Shred(ctx context.Context, subject string) error {
	if subject == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("keyring: shred: %w", err)
	}
	name := string(Lookup(m.pepper, subject))
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[name]; ok {
		clear(k)
		delete(m.keys, name)
	}
	return nil
}

// Len returns how many keys are held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

// Domain separation labels of the values derived from a subject key.
const (
	labelRef   = "yasam-privacy/subject-ref/v1"
	labelID    = "yasam-privacy/record-id/v1"
	labelEnc   = "yasam-privacy/seal-key/v1"
	labelNonce = "yasam-privacy/seal-nonce/v1"
)

// RefPrefix starts every subject reference.
const RefPrefix = "sr1:"

// SealPrefix starts every sealed value.
const SealPrefix = "sk1:"

// SubjectKey is what a subject's key derives; safe for concurrent use.
type SubjectKey struct {
	key  []byte
	ref  string
	aead cipher.AEAD
}

// Derive returns the values of key for subject.
func Derive(key []byte, subject string) (*SubjectKey, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: key of %d bytes", ErrInvalid, len(key))
	}
	if !slices.ContainsFunc(key, func(b byte) bool { return b != 0 }) {
		// No keyring makes one (a random key is all zero once in 2^256
		// draws): it is a key wiped in memory, whose reference and
		// seal anyone could compute. Fail closed.
		return nil, fmt.Errorf("%w: an all-zero key", ErrUnavailable)
	}
	block, err := aes.NewCipher(mac(key, labelEnc))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	k := &SubjectKey{key: append([]byte(nil), key...), aead: aead}
	k.ref = RefPrefix + base64.RawURLEncoding.EncodeToString(mac(key, labelRef, subject)[:16])
	return k, nil
}

func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		var n [4]byte
		n[0], n[1], n[2], n[3] = byte(len(p)>>24), byte(len(p)>>16), byte(len(p)>>8), byte(len(p))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// Ref returns the subject reference the stores keep instead of the
// subject's ID: "sr1:" and 22 base64url characters of
// HMAC-SHA256(key, label, subject).
func (k *SubjectKey) Ref() string { return k.ref }

// ID returns prefix and 32 hex digits of HMAC-SHA256(key, label, id): a
// record ID that nobody without the key can recompute from the subject's
// content.
func (k *SubjectKey) ID(prefix, id string) string {
	return prefix + hex.EncodeToString(mac(k.key, labelID, id)[:16])
}

// Seal encrypts plain with AES-256-GCM under the subject's key, bound to
// ad (the record it belongs to). The nonce is derived from ad and plain
// (a synthetic IV), so sealing the same value for the same record gives
// the same text and a retried append stays a repeat; it reveals only
// that two sealed values of one record are equal.
func (k *SubjectKey) Seal(plain []byte, ad string) string {
	nonce := mac(k.key, labelNonce, ad, string(plain))[:k.aead.NonceSize()]
	out := k.aead.Seal(append([]byte(nil), nonce...), nonce, plain, []byte(ad))
	return SealPrefix + b64url.Encode(out)
}

// Open decrypts what Seal returned for the same ad.
func (k *SubjectKey) Open(sealed, ad string) ([]byte, error) {
	rest, ok := strings.CutPrefix(sealed, SealPrefix)
	if !ok {
		return nil, ErrSealed
	}
	b, err := b64url.Decode(rest)
	ns := k.aead.NonceSize()
	if err != nil || len(b) < ns+k.aead.Overhead() {
		return nil, ErrSealed
	}
	out, err := k.aead.Open(nil, b[:ns], b[ns:], []byte(ad))
	if err != nil {
		return nil, ErrSealed
	}
	return out, nil
}

// SealedLen is the length of Seal's output for n bytes of plain text.
func SealedLen(n int) int {
	return len(SealPrefix) + base64.RawURLEncoding.EncodedLen(12+n+16)
}

// Subject returns subject's derived key from ring: [Keyring.Key], then
// [Derive]. Without a key and create unset the error wraps [ErrNoKey].
func Subject(ctx context.Context, ring Keyring, subject string, create bool) (*SubjectKey, error) {
	raw, err := ring.Key(ctx, subject, create)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	return Derive(raw, subject)
}

// Cache is a [Keyring] that keeps keys of ring in memory for a while, so
// that a warm read costs no lookup in ring's storage. Its Shred drops the
// key from memory before shredding it in ring. Give the one Cache to every
// store that shares ring in a process, so that a Forget through any of
// them is seen by all at once; other processes see it when their copy
// expires. Safe for concurrent use.
type Cache struct {
	ring Keyring
	ttl  time.Duration
	max  int
	now  func() time.Time
	mu   sync.Mutex
	m    map[string]cached
	// gen counts Shreds begun and ended; shredding counts the Shreds of
	// each subject under way. A key read from ring while either moved is
	// not kept: it may be the key being shredded, and keeping it would
	// let this process read what was erased until it expired.
	gen       uint64
	shredding map[string]int
}

var _ Keyring = (*Cache)(nil)

type cached struct {
	k   []byte
	exp time.Time
}

// DefaultTTL is a cache lifetime that bounds how long another process's
// Shred goes unseen.
const DefaultTTL = 30 * time.Second

// NewCache returns a cache over ring keeping at most max keys (at least
// 1) for ttl each.
func NewCache(ring Keyring, ttl time.Duration, max int) *Cache {
	return &Cache{ring: ring, ttl: ttl, max: max, now: time.Now, m: make(map[string]cached), shredding: make(map[string]int)}
}

// Key implements [Keyring].
func (c *Cache) Key(ctx context.Context, subject string, create bool) ([]byte, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[subject]
	gen := c.gen
	if ok && now.Before(e.exp) {
		// Copied under the lock: eviction and Shred wipe a cached key in
		// place, and a copy taken after would be all zero.
		k := append([]byte(nil), e.k...)
		c.mu.Unlock()
		return k, nil
	}
	c.mu.Unlock()
	k, err := c.ring.Key(ctx, subject, create)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen != gen || c.shredding[subject] > 0 {
		// A Shred ran beside the read: the key is the caller's for this
		// one call (an Append sealed with it is erased with the rest),
		// but it is not kept.
		c.mu.Unlock()
		return k, nil
	}
	if len(c.m) >= max(c.max, 1) {
		for _, e := range c.m {
			clear(e.k)
		}
		clear(c.m) // crude bound: a burst of new subjects starts afresh
	}
	c.m[subject] = cached{append([]byte(nil), k...), c.now().Add(c.ttl)}
	c.mu.Unlock()
	return k, nil
}

// Shred implements [Keyring]: the key leaves memory, then ring. A Key
// that reads ring while a Shred runs in this Cache returns what it read
// but does not keep it, so a shredded key never comes back into memory.
func (c *Cache) Shred(ctx context.Context, subject string) error {
	c.mu.Lock()
	if e, ok := c.m[subject]; ok {
		clear(e.k)
		delete(c.m, subject)
	}
	c.gen++
	c.shredding[subject]++
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.gen++
		if c.shredding[subject]--; c.shredding[subject] == 0 {
			delete(c.shredding, subject)
		}
		c.mu.Unlock()
	}()
	return c.ring.Shred(ctx, subject)
}

// Format implements fmt.Formatter: a SubjectKey prints as a placeholder with
// any verb, never the keys or pepper it holds.
func (x *SubjectKey) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "keyring.SubjectKey{[redacted]}")
}

// LogValue implements slog.LogValuer, as Format does.
func (x *SubjectKey) LogValue() slog.Value { return slog.StringValue("keyring.SubjectKey{[redacted]}") }

// Format implements fmt.Formatter: a Memory prints as a placeholder with
// any verb, never the keys or pepper it holds.
func (x *Memory) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "keyring.Memory{[redacted]}") }

// LogValue implements slog.LogValuer, as Format does.
func (x *Memory) LogValue() slog.Value { return slog.StringValue("keyring.Memory{[redacted]}") }

// Format implements fmt.Formatter: a Cache prints as a placeholder with
// any verb, never the keys or pepper it holds.
func (x *Cache) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "keyring.Cache{[redacted]}") }

// LogValue implements slog.LogValuer, as Format does.
func (x *Cache) LogValue() slog.Value { return slog.StringValue("keyring.Cache{[redacted]}") }
