// Package sqlitereg holds the plumbing that the SQLite backends of the
// subject registers (sqliteclaims, sqliterequests, sqlitebreaches) share:
// their options, opening and migrating a file, the closed flag and error
// naming, scan loops, nullable times and the erasure transaction.
//
// What each register stores (its columns, its queries, what may be
// erased) stays in its own package; only the parts that are the same for
// all three live here, so that a fix to one (a checkpoint, a wrapped
// error) reaches every register.
//
// # Usage
//
// A backend keeps its exported Option type as a function of a [Config]
// (type config = sqlitereg.Config), describes its file with a [Spec] and
// holds the [*DB] that [Open] returns.
//
// # Concurrency
//
// A [DB] is safe for concurrent use by multiple goroutines.
//
// # Storage
//
// Files are opened by [sqlutil.OpenSQLite]: WAL mode, synchronous=FULL,
// one writer connection and a pool of query-only readers.
package sqlitereg
