// Package sqliterequests keeps the register of data subjects' requests
// ([requests.Store]) durably in a SQLite file.
//
// # Usage
//
//	store, err := sqliterequests.Open(ctx, "requests.db")
//	defer store.Close()
//	reg := requests.New(store)
//
// # Storage
//
// The schema is applied by [Open] from the embedded migrations. Triggers
// refuse to delete a request or rewrite what was filed, except the one
// rewrite erasure makes ([Store.Forget]); Forget overwrites the freed
// bytes (secure_delete) and truncates the write-ahead log, or fails with
// [ErrNotScrubbed] when another connection's read keeps it from doing so
// (call it again: the retry finishes the scrub).
//
// # Concurrency
//
// [Store] is safe for concurrent use by multiple goroutines; writes go
// through one connection, and a change of status is one transaction.
package sqliterequests
