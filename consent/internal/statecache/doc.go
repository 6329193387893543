// Package statecache is the consent stores' bounded cache of users'
// consent states (consent/sqlitestore, consent/pgstore): least recently
// used out, and never keeps a state read before an invalidation of its
// user (except, under SetMaxStale, a state whose change was announced,
// marked stale, for a bounded time). It belongs to consent, so that
// internal/sqlutil knows nothing of the library's concepts.
package statecache
