package sqlitekeyring_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/keyring/sqlitekeyring"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/purpose"
)

// The consent log and its keyring in two files; forgetting a subject
// shreds its key, so the log's rows no longer link to it.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "keyring-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ring, err := sqlitekeyring.Open(ctx, filepath.Join(dir, "keys.db"), []byte("pepper from the host's secret store"))
	if err != nil {
		log.Fatal(err)
	}
	defer ring.Close()
	inner, err := sqlitestore.Open(ctx, filepath.Join(dir, "consent.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer inner.Close()
	keyed := consent.NewKeyedStore(inner, ring)

	if err := keyed.Append(ctx, consent.Grant("user-1", purpose.Payments, "halyk-bank", time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))); err != nil {
		log.Fatal(err)
	}
	n, err := keyed.Forget(ctx, "user-1")
	if err != nil {
		log.Fatal(err)
	}
	h, _ := keyed.History(ctx, "user-1")
	fmt.Println(n, len(h))
	// Output: 1 0
}
