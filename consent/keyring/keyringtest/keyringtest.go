// Package keyringtest is the conformance suite every keyring.Keyring
// must pass.
package keyringtest

import (
	"context"
	"errors"
	"testing"

	"github.com/yasam/privacy/consent/keyring"
)

// Run checks what every keyring.Keyring must do: Key without create
// finds none; with create makes a 32-byte key, the same on every later
// call; keys differ by subject; Shred destroys one subject's key only and
// is idempotent; a subject shredded and created again gets a new key; an
// empty subject is refused. ring must be empty of the subjects
// "conf-a" and "conf-b".
func Run(t *testing.T, ring keyring.Keyring) {
	t.Helper()
	ctx := context.Background()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("keyring conformance: "+format, args...)
	}
	if _, err := ring.Key(ctx, "conf-a", false); !isNoKey(err) {
		fail("Key without create on a new subject: %v, want ErrNoKey", err)
	}
	a, err := ring.Key(ctx, "conf-a", true)
	if err != nil || len(a) != keyring.KeySize {
		fail("Key with create: %d bytes, %v", len(a), err)
	}
	again, err := ring.Key(ctx, "conf-a", false)
	if err != nil || string(again) != string(a) {
		fail("Key again: not the same key (%v)", err)
	}
	b, err := ring.Key(ctx, "conf-b", true)
	if err != nil || string(b) == string(a) {
		fail("another subject: same key or %v", err)
	}
	if err := ring.Shred(ctx, "conf-a"); err != nil {
		fail("Shred: %v", err)
	}
	if err := ring.Shred(ctx, "conf-a"); err != nil {
		fail("Shred again: %v", err)
	}
	if _, err := ring.Key(ctx, "conf-a", false); !isNoKey(err) {
		fail("Key after Shred: %v, want ErrNoKey", err)
	}
	if kb, err := ring.Key(ctx, "conf-b", false); err != nil || string(kb) != string(b) {
		fail("the other subject's key changed (%v)", err)
	}
	fresh, err := ring.Key(ctx, "conf-a", true)
	if err != nil || string(fresh) == string(a) {
		fail("a subject created again must get a new key (%v)", err)
	}
	if _, err := ring.Key(ctx, "", true); !isInvalid(err) {
		fail("empty subject: %v, want ErrInvalid", err)
	}
}

func isNoKey(err error) bool   { return errors.Is(err, keyring.ErrNoKey) }
func isInvalid(err error) bool { return errors.Is(err, keyring.ErrInvalid) }
