// Package sqlutil holds what the library's SQL stores (consent/sqlitestore,
// consent/pgstore, disclosure/ledger/sqliteledger,
// subject/claims/sqliteclaims) share: a bounded cache of consent states
// that never keeps a state read before its invalidation, the split of a
// time into the microseconds SQL keeps and the nanoseconds it drops,
// embedded, versioned migrations, and one classification of store errors.
package sqlutil
