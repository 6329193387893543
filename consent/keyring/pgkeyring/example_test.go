package pgkeyring_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/consent/keyring/pgkeyring"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/pgledger"
)

// The consent log and the ledger over one keyring, cached once for both:
// one Forget erases the subject from both. The example needs a server:
// PRIVACY_PG_DSN names it.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("PRIVACY_PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	pg, err := pgkeyring.New(ctx, pool, []byte(os.Getenv("PRIVACY_PEPPER")), pgkeyring.WithMigrate())
	if err != nil {
		log.Fatal(err)
	}
	ring := keyring.NewCache(pg, keyring.DefaultTTL, 4096)
	hold := func(ctx context.Context, subject string) error { return nil } // the host's legal holds

	events, err := pgstore.New(ctx, pool, pgstore.WithMigrate())
	if err != nil {
		log.Fatal(err)
	}
	defer events.Close()
	consentLog := consent.NewKeyedStore(events, ring, consent.WithHold(hold))
	entries, err := pgledger.New(ctx, pool, pgledger.WithMigrate())
	if err != nil {
		log.Fatal(err)
	}
	disclosures := ledger.New(entries, ledger.WithKeyring(ring), ledger.WithHold(hold))

	// ... policy.WithConsentStore(consentLog), disclosures.Record(...)

	if _, err := disclosures.Forget(ctx, "user-1"); err != nil {
		log.Fatal(err)
	}
	if _, err := consentLog.Forget(ctx, "user-1"); err != nil {
		log.Fatal(err)
	}
}
