// Package sqlitestore keeps the consent log in a SQLite file, durably, for
// a service that runs as one process (or a few on one machine). It uses
// modernc.org/sqlite, a SQLite in pure Go: no cgo.
//
// # Usage
//
//	store, err := sqlitestore.Open(ctx, "/var/lib/myservice/consent.db")
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//	err = store.Append(ctx, consent.AcceptPolicy("user-1", "2024-06", time.Now()))
//	st, err := store.State(ctx, "user-1")
//
// [Store] implements [consent.Store] and passes consent/consenttest.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines. Appends go
// through a single writer connection (SQLite allows one writer at a time
// anyway), reads through a pool of query-only connections; in WAL mode
// readers never wait for the writer.
//
// Other processes may open the same file: SQLite's locks keep it
// consistent, and a Store sees their appends too. Each [Store.State] asks
// the file for the highest sequence number written (a one-row index
// lookup) and drops the cached states of the users with newer events, so a
// State that starts after an Append returned, in this process or another,
// reflects it. Rows changed behind the store's back (deleted with the
// sqlite3 shell, say) are not noticed until the entry leaves the cache;
// updates are refused by a trigger.
//
// That lookup costs a warm State about 10 µs. A single instance that owns
// its file can promise, with [WithSoleWriter], that nothing else appends;
// a warm State then touches no database (about 0.05 µs).
//
// # Storage
//
// The file is put in WAL mode with synchronous=FULL: an Append that
// returned nil is on disk and survives a crash of the process or of the
// machine. Foreign keys are on, and every connection waits for locks up to
// a busy timeout ([WithBusyTimeout]).
//
// An Append is one transaction: every event of the batch is written, or
// none. Events are rows of table consent_events (one per event, seq giving
// the append order); times are kept as unix microseconds plus the
// nanoseconds below them, so they round-trip exactly, to the nanosecond,
// and come back in UTC. The schema is versioned: migrations embedded in the
// package are applied by [Open], in one transaction under the write lock,
// and recorded in table consent_schema_version. A file written by a newer
// version of the package is refused with [ErrSchemaTooNew].
//
// States are cached per user, up to [WithCacheSize] users, least recently
// used first out.
package sqlitestore
