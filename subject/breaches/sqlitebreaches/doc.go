// Package sqlitebreaches keeps the breach register ([breaches.Store])
// durably in a SQLite file.
//
// # Usage
//
//	store, err := sqlitebreaches.Open(ctx, "breaches.db")
//	defer store.Close()
//	reg := breaches.New(store)
//
// # Storage
//
// Two tables: breaches, one row per incident, and breach_subjects, one
// row per subject affected. Triggers refuse deletes, rewrites of what was
// recorded, a second notice, and any change of a subject but erasure
// ([Store.Forget]) once the subjects were notified. Forget overwrites the
// freed bytes (secure_delete) and truncates the write-ahead log, or fails
// with [ErrNotScrubbed] when another connection's read keeps it from
// doing so (call it again: the retry finishes the scrub).
//
// # Concurrency
//
// [Store] is safe for concurrent use by multiple goroutines.
package sqlitebreaches
