package sqliteledger_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/sqliteledger"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

func Example() {
	dir, err := os.MkdirTemp("", "ledger-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	path := filepath.Join(dir, "ledger.db")

	store, err := sqliteledger.Open(ctx, path)
	if err != nil {
		log.Fatal(err)
	}
	consents := consent.NewMemoryStore()
	engine, err := policy.New(policy.WithConsentStore(consents),
		policy.WithRecipients(disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody}))
	if err != nil {
		log.Fatal(err)
	}
	if err := consents.Append(ctx, consent.AcceptPolicy("user-1", engine.Version().ID, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
		log.Fatal(err)
	}
	l := ledger.New(store, ledger.WithResolver(engine),
		ledger.WithClock(func() time.Time { return time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC) }))
	d, err := engine.Check(ctx, "user-1", purpose.Verification, "kgd")
	if err != nil {
		log.Fatal(err)
	}
	e, err := l.Record(ctx, "user-1", d, ledger.WithCategories(purpose.IINBIN, purpose.Identity))
	if err != nil {
		log.Fatal(err)
	}
	head := e.Head() // keep it elsewhere
	if err := store.Close(); err != nil {
		log.Fatal(err)
	}

	// Later, perhaps in another process: the entry is on disk, unchanged.
	store, err = sqliteledger.Open(ctx, path)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	l = ledger.New(store)
	fmt.Println(l.Verify(ctx, head))
	entries, err := l.Subject(ctx, "user-1")
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		fmt.Println(e.Seq, e.At.Format(time.RFC3339), e.Recipient, e.Categories, e.Basis)
	}
	// Output:
	// <nil>
	// 1 2026-01-15T09:00:00Z kgd [identity iin_bin] [{shared_with_affiliated 5.1}]
}
