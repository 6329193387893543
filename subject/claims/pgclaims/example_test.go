package pgclaims_test

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/claims/pgclaims"
)

// The schema is applied at deploy time by a role that may create tables;
// the service runs as a role that may only read and write rows.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("PRIVACY_PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pgclaims.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	store, err := pgclaims.New(ctx, pool)
	if err != nil {
		log.Fatal(err)
	}
	reg := claims.New(store)
	if _, err := reg.File(ctx, "user-1", time.Now(), claims.WithChannel(claims.ChannelEmail)); err != nil {
		log.Fatal(err)
	}
}
