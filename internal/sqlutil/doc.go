// Package sqlutil holds what the SQL consent stores (consent/sqlitestore,
// consent/pgstore) share: a bounded cache of consent states that never
// keeps a state read before its invalidation, the split of a time into the
// microseconds SQL keeps and the nanoseconds it drops, and embedded,
// versioned migrations.
package sqlutil
