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
// ([Store.Forget]) once the subjects were notified.
//
// # Concurrency
//
// [Store] is safe for concurrent use by multiple goroutines.
package sqlitebreaches
