package pgrequests_test

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/requests/pgrequests"
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
	if err := pgrequests.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	store, err := pgrequests.New(ctx, pool)
	if err != nil {
		log.Fatal(err)
	}
	reg := requests.New(store)
	if _, err := reg.File(ctx, "user-1", requests.KindAccess, time.Now()); err != nil {
		log.Fatal(err)
	}
}
