package consent

import (
	"context"
	"testing"
	"time"

	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/purpose"
)

// shredPause stops inside Shred, before the key is destroyed, until
// released.
type shredPause struct {
	keyring.Keyring
	reached, release chan struct{}
}

func (r *shredPause) Shred(ctx context.Context, subject string) error {
	r.reached <- struct{}{}
	<-r.release
	return r.Keyring.Shred(ctx, subject)
}

// TestForgetLeavesNoDecryptedState: a State that runs while a Forget is
// between dropping the subject's cached state and destroying its key
// still reads the key, and caches what it decrypted. Once Forget returns,
// nothing of the subject may stay in this store's memory.
func TestForgetLeavesNoDecryptedState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem, err := keyring.NewMemory([]byte("pepper-held-by-the-host-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	ring := &shredPause{Keyring: mem, reached: make(chan struct{}), release: make(chan struct{})}
	s := NewKeyedStore(NewMemoryStore(), ring)
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	if err := s.Append(ctx, Grant("user-1", purpose.Payments, "bank", at, WithEvidence("signed form 7"))); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.Forget(ctx, "user-1"); done <- err }()
	<-ring.reached
	st, err := s.State(ctx, "user-1")
	if err != nil {
		t.Fatal(err)
	}
	if st.Events() != 1 {
		t.Fatalf("before the key is destroyed the state reads %d events, want 1", st.Events())
	}
	close(ring.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	e, ok := s.states["user-1"]
	s.mu.Unlock()
	if ok {
		t.Fatalf("after Forget the store still holds the subject's key and state (%d events)", e.st.Events())
	}
	if st, err := s.State(ctx, "user-1"); err != nil || st.Events() != 0 {
		t.Fatalf("after Forget: %d events, %v", st.Events(), err)
	}
}
