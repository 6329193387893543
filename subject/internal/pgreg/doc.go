// Package pgreg holds the plumbing that the PostgreSQL backends of the
// subject registers (pgclaims, pgrequests, pgbreaches) share: their
// options, migrating and checking the schema's version, the closed flag
// and error naming, scan loops and nullable times.
//
// What each register stores (its columns, its queries, what may be
// erased) stays in its own package; only the parts that are the same for
// all three live here.
//
// # Usage
//
// A backend keeps its exported Option type as a function of a [Config]
// (type config = pgreg.Config), describes its schema with a [Spec] and
// holds the [*DB] that [Open] returns.
//
// # Concurrency
//
// A [DB] is safe for concurrent use by multiple goroutines.
//
// # Storage
//
// Schema files are applied by [pgmigrate.Apply], each in a transaction
// under an advisory lock, and their version recorded in privacy_schema.
package pgreg
