// Package sqliteledger keeps the disclosure ledger in a SQLite file,
// durably, for a service that runs as one process or a few on one machine.
// It uses modernc.org/sqlite, a SQLite in pure Go: no cgo.
//
// # Usage
//
//	store, err := sqliteledger.Open(ctx, "/var/lib/myservice/ledger.db")
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//	l := ledger.New(store, ledger.WithResolver(engine))
//	entry, err := l.Record(ctx, userID, decision, ledger.WithCategories(purpose.Identity))
//
// [Store] implements [ledger.Store] and passes disclosure/ledger/ledgertest.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines. Appends go
// through a single writer connection, each in a transaction that takes
// SQLite's write lock when it begins, reads the head and inserts the batch
// after it only if the batch continues that head; reads go through a pool
// of query-only connections, and in WAL mode never wait for the writer.
// Other processes may open the same file, each with its own Store and
// ledger: the write lock serialises their appends and the head check turns
// a stale writer away with [ledger.ErrConflict]; the ledger then has the
// store chain its next batches itself ([Store.AppendChained]) under the
// lock, so processes do not starve each other.
//
// # Storage
//
// The file is put in WAL mode with synchronous=FULL: an entry whose append
// returned nil is on disk and survives a crash of the process or of the
// machine. Every connection waits for locks up to a busy timeout
// ([WithBusyTimeout]).
//
// Entries are rows of table ledger_entries, one per entry, keyed by seq.
// Times are kept as Unix seconds and nanoseconds, exactly as they are
// hashed; categories and basis as JSON arrays; hashes as 32-byte blobs;
// the ID of the decision behind each entry in column decision_id, indexed
// for lookups by decision (empty in entries recorded before schema 2, which
// are hashed without it and still verify).
// Triggers refuse UPDATE and DELETE on the table, so changing the record
// takes deliberate effort (dropping a trigger) and still shows in
// [ledger.Ledger.Verify]; only anchoring the head elsewhere shows a tail cut
// off (see package ledger). The schema is versioned: migrations embedded in
// the package are applied by [Open], in one transaction under the write
// lock, and recorded in table ledger_schema_version. A file written by a
// newer version of the package is refused with [ErrSchemaTooNew].
package sqliteledger
