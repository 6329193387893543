// Package sqlutil holds what the library's SQL stores (consent/sqlitestore,
// consent/pgstore, disclosure/ledger/sqliteledger,
// subject/claims/sqliteclaims and the other subject registers) share: the split of a time into the
// microseconds SQL keeps and the nanoseconds it drops, embedded, versioned
// migrations, one way to open a SQLite file, and one classification of
// store errors. It imports nothing of the library's concepts.
package sqlutil
