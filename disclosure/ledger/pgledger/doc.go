// Package pgledger keeps the disclosure ledger (package
// disclosure/ledger) in PostgreSQL, so that every instance of a service
// records into one hash chain.
//
// # Usage
//
//	pool, err := pgxpool.New(ctx, dsn)
//	store, err := pgledger.New(ctx, pool) // checks the schema, runs no DDL
//	l := ledger.New(store, ledger.WithResolver(engine))
//	_, err = l.Record(ctx, userID, decision, ledger.WithCategories(...))
//
// Any number of instances may share the table. Each store append is one
// statement, sent in one round trip and run in one implicit transaction:
// it takes a transaction-scoped advisory lock before inserting any row,
// and writes the batch only if it continues the head on record
// (compare-and-append). When the statement had to wait for the lock, its
// snapshot may predate the append it waited for; the primary key on seq
// then refuses the batch, which starts at an entry number on record. A [ledger.Ledger] batches
// concurrent Records into one append (group commit). When another
// instance appended first, the append is refused and the Ledger hands its
// next batches to [Store.AppendChained], which reads the head, chains and
// inserts under the lock in two round trips; so the chain stays gapless
// and linear however many writers there are, and contending instances do
// not starve each other.
//
// Every appending transaction holds the lock until its commit is flushed,
// so appends to one chain are serialised by the WAL flush: throughput
// grows with the entries each commit carries (the writers waiting at
// once), not with connections.
//
// # Inside the host's transaction
//
// [Store.Tx] gives a view of the store bound to a pgx.Tx the host holds, so
// that a disclosure's entry commits or rolls back with the host's own
// writes (the outbox pattern):
//
//	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
//		if err := saveTransfer(ctx, tx); err != nil {
//			return err
//		}
//		_, err := ledger.New(store.Tx(tx), ledger.WithResolver(engine)).Record(ctx, userID, d, ...)
//		return err
//	})
//
// The view's Head takes the ledger's advisory lock, held until the
// transaction ends: other appends wait for it, so keep such transactions
// short.
//
// # Schema and privileges
//
// The schema ships as SQL files ([Migrations]): golang-migrate file naming
// (0001_init.up.sql, ...), up-only; each file also runs alone with psql,
// and again without harm. Each records its version of the "ledger"
// component in the shared privacy_schema table. [Migrate] applies them
// under an advisory lock; a DBA may apply the files instead. [New] runs no
// DDL unless given [WithMigrate]; it fails with [ErrSchemaBehind] when the
// schema is missing or older than [SchemaVersion].
//
// File 0002_decision_id adds column decision_id (the ID of the decision
// behind each entry, indexed for lookups by decision) without rewriting
// rows: entries recorded before it keep an empty ID, are hashed without
// it (encoding v1, see [ledger.Entry.Canonical]) and still verify, with
// the entries recorded after them.
//
// The application role needs: USAGE on the schema; SELECT and INSERT on
// ledger_entries; SELECT on privacy_schema. Nothing else: no UPDATE,
// DELETE, TRUNCATE or DDL. The table refuses UPDATE, DELETE and TRUNCATE
// with triggers, whatever the role (the owner too, until it drops or
// disables them deliberately); whatever is changed behind them still shows
// in [ledger.Ledger.Verify], which names the first bad entry.
//
// Entries' text fields may not contain NUL bytes, which PostgreSQL text
// cannot hold; [ledger.Entry.Validate] refuses them for every store.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines; the view
// [Store.Tx] returns is not (neither is a pgx.Tx).
package pgledger
