// Package sqliteclaims keeps the register of pre-trial claims
// ([claims.Store]) in a SQLite file, durably, for a service that runs as
// one process (or a few on one machine). It uses modernc.org/sqlite, a
// SQLite in pure Go: no cgo.
//
// # Usage
//
//	store, err := sqliteclaims.Open(ctx, "/var/lib/myservice/claims.db")
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//	reg := claims.New(store)
//	c, err := reg.File(ctx, "user-1", receivedAt, claims.WithChannel(claims.ChannelPaper))
//
// [Store] implements [claims.Store] and passes subject/claims/claimstest.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines. Writes go
// through a single writer connection (SQLite allows one writer at a time
// anyway), reads through a pool of query-only connections; in WAL mode
// readers never wait for the writer. Other processes may open the same
// file: every write transaction takes SQLite's write lock when it begins,
// so a change of status checks and writes with no other writer in
// between, and of two answers to one claim, from any two processes, one
// wins and the other sees it.
//
// # Storage
//
// The file is put in WAL mode with synchronous=FULL: a write that returned
// nil is on disk and survives a crash of the process or of the machine.
// Every connection waits for locks up to a busy timeout
// ([WithBusyTimeout]).
//
// Claims are rows of table claims. Times are kept as unix microseconds
// plus the nanoseconds below them, so they round-trip exactly and come
// back in UTC ([claims.Registry] puts them in its location). Index
// claims_subject serves [Store.BySubject]; the partial index
// claims_pending_due, over the claims awaiting an answer only, serves
// [Store.Pending], so the daily reminder reads only what is open however
// long the register grows. Triggers refuse to delete a claim or change
// what was filed (subject, receipt, due moment, ...), so a deadline cannot
// be moved behind the register's back; the one rewrite allowed is
// erasure ([Store.Forget]): the subject replaced by a tombstone, once, on
// a claim no longer awaiting its answer. Forget runs with secure_delete
// and truncates the write-ahead log, so the old bytes leave the file; when
// another connection's read keeps the log from being truncated, Forget
// fails with [ErrNotScrubbed] and a later call finishes the scrub. The
// schema is versioned: migrations embedded
// in the package are applied by [Open], in one transaction under the write
// lock, and recorded in table claims_schema_version; a file written by a
// newer version of the package is refused with [ErrSchemaTooNew].
//
// The subject's ID is the only personal data in the file (with what the
// host puts in references); errors name claim IDs, never subjects.
package sqliteclaims
