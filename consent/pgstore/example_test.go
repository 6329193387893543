package pgstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/purpose"
)

// The example needs a server: PRIVACY_PG_DSN names it.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("PRIVACY_PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	// A deploy step with DDL rights would run pgstore.Migrate; a service
	// that owns its database may ask New to do it.
	store, err := pgstore.New(ctx, pool, pgstore.WithChannel("myservice_consent"), pgstore.WithMigrate())
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	now := time.Now()
	err = store.Append(ctx,
		consent.AcceptPolicy("user-1", "2024-06", now),
		consent.Grant("user-1", purpose.Payments, "halyk-bank", now, consent.WithChannel(consent.ChannelMobileApp)),
	)
	if err != nil {
		log.Fatal(err)
	}
	// Every instance on the same database sees this within the
	// notification latency.
	st, err := store.State(ctx, "user-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Accepted(), st.Granted(purpose.Payments, "halyk-bank", time.Now()))
}

// The outbox pattern: the order and the consent it rests on commit
// together, and the token lets any instance read past it.
func ExampleStore_AppendTx() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("PRIVACY_PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := pgstore.New(ctx, pool) // the schema was migrated at deploy
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	tx, err := pool.Begin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "INSERT INTO orders (id) VALUES ($1)", "order-1"); err != nil {
		log.Fatal(err)
	}
	tok, err := store.AppendTx(ctx, tx, consent.Grant("user-1", purpose.Payments, "halyk-bank", time.Now()))
	if err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err)
	}
	st, err := store.StateAtLeast(ctx, "user-1", tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Granted(purpose.Payments, "halyk-bank", time.Now()))
}

// A service warms its cache at start, before (or beside) its first
// requests, so that they are answered from memory.
func ExampleStore_Warm() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("PRIVACY_PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := pgstore.New(ctx, pool, pgstore.WithCacheSize(1<<18))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	n, err := store.Warm(ctx, 0) // up to the cache's size
	if err != nil {
		// Not fatal: the cache fills from traffic instead.
		log.Printf("warm-up stopped after %d users: %v", n, err)
	}
}

// The second step of an upgrade that changes the notification format:
// once the new version runs on every instance (the first step, a rolling
// deploy), the role that migrates finalizes it, once. Instances switch
// within a heartbeat; it cannot be undone.
func ExampleFinalizeNotifyUpgrade() {
	ctx := context.Background()
	ownerPool, err := pgxpool.New(ctx, os.Getenv("PRIVACY_PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer ownerPool.Close()
	if err := pgstore.Migrate(ctx, ownerPool); err != nil {
		log.Fatal(err)
	}
	// ... deploy the new version everywhere, then:
	if err := pgstore.FinalizeNotifyUpgrade(ctx, ownerPool); err != nil {
		log.Fatal(err)
	}
	store, err := pgstore.New(ctx, ownerPool)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	fmt.Println(store.Stats().NotifyBatched)
}
