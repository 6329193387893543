package policy

import (
	"context"
	"io/fs"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/purpose"
)

// changingFS serves deny.rego without its denial on its second read
// only: a deploy rewriting the file while the watcher reads.
type changingFS struct {
	files fstest.MapFS
	reads atomic.Int32
}

func (c *changingFS) Open(name string) (fs.File, error) {
	if name == "privacy/host/deny.rego" && c.reads.Add(1) == 2 {
		return fstest.MapFS{name: {Data: []byte("package privacy.host\n")}}.Open(name)
	}
	return c.files.Open(name)
}

// TestWatchLoadsWhatItHashed: the watcher loads the very files it
// hashed, once a second read finds them the same. Reading the directory
// again to load it, it loaded a passing state (here without the denial)
// while remembering the hash of the first, so the file, back as it was,
// was never loaded again.
func TestWatchLoadsWhatItHashed(t *testing.T) {
	fsys := &changingFS{files: fstest.MapFS{
		"privacy/host/deny.rego": {Data: []byte("package privacy.host\n\ndeny contains {\"code\": \"ops_no_partner\", \"clause\": \"ops\"} if { input.recipient.kind == \"partner\" }\n")},
	}}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	store := consent.NewMemoryStore()
	if err := store.Append(context.Background(), consent.AcceptPolicy("u", DefaultVersion.ID, t0)); err != nil {
		t.Fatal(err)
	}
	base := []Option{WithConsentStore(store), WithRecipients(disclosure.Recipient{ID: "kaspi", Kind: disclosure.Partner, Name: "Partner bank"}),
		WithClock(func() time.Time { return t0.Add(time.Hour) })}
	e, err := New(base...)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := e.Check(context.Background(), "u", purpose.Support, "kaspi"); err != nil || !d.Allowed {
		t.Fatalf("without the host's rule the disclosure must be allowed: %v %s", err, d.Explain("en"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- watch(ctx, e, fsys, 5*time.Millisecond, base, func(err error) { t.Errorf("report: %v", err) })
	}()
	deadline := time.Now().Add(5 * time.Second)
	var d Decision
	for time.Now().Before(deadline) {
		d, err = e.Check(context.Background(), "u", purpose.Support, "kaspi")
		if err == nil && !d.Allowed {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if d.Allowed {
		t.Fatalf("the watcher loaded a state of the directory other than the one it hashed: %s", d.Explain("en"))
	}
}
