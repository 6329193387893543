// Package pgstore keeps the consent log in PostgreSQL, shared by every
// instance of a service, with pgx v5.
//
// # Usage
//
// The host owns the pool; the store creates its tables in the pool's
// database (in the first schema of search_path) and keeps a listener:
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	...
//	store, err := pgstore.New(ctx, pool)
//	if err != nil {
//		return err
//	}
//	defer store.Close() // before pool.Close()
//	err = store.Append(ctx, consent.Withdraw("user-1", purpose.Payments, "halyk-bank", time.Now()))
//
// [Store] implements [consent.Store] and passes consent/consenttest.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines, and any number
// of instances, in any number of processes, may share the tables.
//
// Each Store caches users' states ([WithCacheSize]) so that a warm
// [Store.State] costs no database round trip. Every Append notifies, in
// its own transaction and so exactly when it commits, all instances
// (LISTEN/NOTIFY on [WithChannel]'s channel) of the users it touched; each
// instance's listener drops their cached states. The payload names a user
// by a keyed hash (HMAC-SHA-256 under a random key kept in table
// consent_meta), never in clear: any role that can connect may LISTEN.
//
// Staleness is bounded. After an Append on one instance returns, another
// instance's State reflects it within the notification latency: the time
// for PostgreSQL to deliver the notification and for the listener to act
// on it, measured at a median of 0.3 to 1.2 ms, at most 10 ms, on one
// machine (TestStaleness logs it). The cache answers only while the
// listener connection is up and was heard from within the heartbeat
// interval ([WithHeartbeat], default 5s): before the listener is first up,
// while it reconnects after a failure, and once a silent connection misses
// its heartbeat, State reads the database, and the cache is emptied when
// the listener is lost and again when it is back. So even a listener that
// dies without a word serves stale states for at most one heartbeat
// interval. A State on the instance that appended reflects its own Append
// at once.
//
// The listener holds a session connection of its own, opened from the
// pool's configuration and outside the pool's limit: LISTEN needs one.
// Behind a pooler in transaction mode (PgBouncer's pool_mode=transaction)
// notifications are not delivered; point the store at PostgreSQL directly
// or at a session-mode pool, or turn the cache off with WithCacheSize(0)
// (every State then reads the database).
//
// # Storage
//
// An Append is one transaction: every event of the batch is written, or
// none; events whose ID is on record with the same content are skipped,
// with other content the batch fails with [consent.ErrConflict]. A
// cancelled context may leave it unknown whether the commit happened;
// retrying the same events is safe, since a repeat is a no-op.
//
// Events are rows of table consent_events, one per event, seq giving the
// append order. Times are timestamptz (microseconds) plus the nanoseconds
// below them, so they round-trip exactly, and come back in UTC. Rows are
// never updated: a trigger refuses it. The schema is versioned: migrations
// embedded in the package are applied by [New], in one transaction under a
// PostgreSQL advisory lock keyed by the schema, so many instances starting
// together migrate once; they are recorded in table consent_schema_version,
// and a database written by a newer version of the package is refused with
// [ErrSchemaTooNew].
package pgstore
