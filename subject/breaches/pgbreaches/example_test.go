package pgbreaches_test

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/breaches/pgbreaches"
)

// The schema is applied at deploy time; the service runs with DML rights
// only.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("PRIVACY_PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pgbreaches.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	store, err := pgbreaches.New(ctx, pool)
	if err != nil {
		log.Fatal(err)
	}
	reg := breaches.New(store)
	if _, err := reg.Record(ctx, time.Now(), []string{"user-1"}); err != nil {
		log.Fatal(err)
	}
}
