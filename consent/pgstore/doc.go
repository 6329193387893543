// Package pgstore keeps the consent log in PostgreSQL, shared by every
// instance of a service, with pgx v5.
//
// # Usage
//
// A DBA (or a deploy step with DDL rights) applies the schema; the
// application, under a role that may only read and insert, opens the
// store:
//
//	// once, with DDL rights:
//	err := pgstore.Migrate(ctx, ownerPool)
//	// in every instance:
//	store, err := pgstore.New(ctx, pool)
//	if err != nil {
//		return err // errors.Is(err, pgstore.ErrSchemaBehind): migrate first
//	}
//	defer store.Close() // before pool.Close()
//	err = store.Append(ctx, consent.Withdraw("user-1", purpose.Payments, "halyk-bank", time.Now()))
//
// A service that owns its database may pass [WithMigrate] to New instead.
// [Store] implements [consent.Store] and [consent.TokenStore] and passes
// consent/consenttest.
//
// # Migrations and privileges
//
// [Migrations] holds the schema as SQL files: golang-migrate file naming
// (0001_init.up.sql, 0002_append_only.up.sql, ...), up-only, each file
// idempotent, so golang-migrate or goose (wrapped) can apply them as they
// are and each file also runs alone with psql (set search_path to the
// target schema first). Each file records its version as component
// "consent" in table privacy_schema, which the library's other PostgreSQL
// stores share. [Migrate] applies the files the database lacks, each in
// its own transaction under an advisory lock keyed by the schema, so
// instances starting together migrate once; it needs CREATE on the schema.
// [New] runs no DDL unless given [WithMigrate]: it reads privacy_schema and
// fails with [ErrSchemaBehind] when the consent schema is missing or older
// than [SchemaVersion]. A newer schema is accepted (files only add).
//
// The application role needs:
//
//	GRANT USAGE ON SCHEMA <schema> TO app;
//	GRANT SELECT, INSERT ON consent_events TO app;
//	GRANT SELECT ON consent_meta, privacy_schema TO app;
//
// [FinalizeNotifyUpgrade] (see Upgrading) also needs INSERT on
// consent_meta: run it as the role that migrates.
//
// No UPDATE, DELETE or TRUNCATE (the tables refuse them anyway, with
// triggers, even to their owner), no sequence privilege (seq is an
// identity column), no EXECUTE (trigger functions run as triggers), and
// LISTEN/NOTIFY needs no grant. TestDMLOnlyRole runs the conformance suite
// under exactly these grants. [WithSchema] names the schema when it is not
// the first of the connections' search_path.
//
// # Upgrading
//
// Schema changes only add, so instances of the earlier version keep
// working while a rolling deploy applies [Migrate]. A change of the
// notification format takes a second step, since a listener of an earlier
// version would not understand the new one and would keep serving states
// another instance changed. This version can send a transaction's subject
// tags batched, many to a notification (18 NOTIFYs become 3 for a commit
// of 16 subjects), and every instance of it reads both formats; it sends
// them batched only once the fleet is finalized. So: (1) deploy this
// version on every instance (Migrate as usual); (2) then, once no
// instance of an earlier version is left, run [FinalizeNotifyUpgrade]
// once, as the role that migrates. It cannot be undone. Instances switch
// at New, when their listener reconnects, or within about a heartbeat
// interval; [Stats].NotifyBatched shows which have. Until then they send
// one tag per notification, which every version reads. Migrate never
// finalizes.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines, and any number
// of instances, in any number of processes, may share the tables.
//
// Concurrent Appends on one Store share a transaction (group commit): the
// first caller to find no commit running writes every batch queued so far
// in one transaction, and each batch still stands or fails alone (a
// conflicting batch fails with [consent.ErrConflict], the transaction is
// written again without it). The group's insert and notifications go to
// the server as one pipeline ending in a single Sync, which PostgreSQL
// runs as one implicit transaction committed at the Sync (its protocol
// documentation, "Pipelining"): one round trip per commit, where an
// explicit BEGIN, the statements and COMMIT take three. That insert has
// no ON CONFLICT, so an event ID already on record (a retried Append) or
// repeated in the group fails it whole, nothing written, and the group is
// then written the careful way: BEGIN, an insert that skips IDs on record,
// a check that each skipped one is a true repeat, COMMIT.
// [Stats].CommitRoundTrips and Fallbacks count them. With 16 concurrent writers
// this measured 9.2 to 10.1 times the appends per second of one writer
// (10,209 to 13,536 appends/s against 1,069 to 1,336, a local server on a
// shared 2-core machine; one writer gained more from the single round
// trip than sixteen did).
//
// Each Store caches users' states ([WithCacheSize]) so that a warm
// [Store.State] costs no database round trip. Every Append notifies, in
// its own transaction and so exactly when it commits, all instances
// (LISTEN/NOTIFY on [WithChannel]'s channel) of the users it touched; each
// instance's listener drops their cached states. The payload names a user
// by a keyed hash (HMAC-SHA-256 under a random key kept in table
// consent_meta), never in clear: any role that can connect may LISTEN.
// Once the fleet is finalized (see Upgrading) one notification carries
// up to 242 users' tags ("t:", then tags joined by commas, under
// PostgreSQL's 8000-byte limit); a listener that receives a batch it
// cannot parse empties its cache, as for "*" (TestMalformedBatchClearsCache).
//
// Notifying has a cost on the server that operators should know of. A
// transaction that sent notifications takes, as it commits, one lock for
// the whole server (every database on it) and holds it until the
// transaction ends: after its commit is as durable as synchronous_commit
// asks, which for a group commit is at least its WAL flushed to the
// server's disk, and with synchronous standbys includes their
// acknowledgement (PostgreSQL's src/backend/commands/async.c,
// PreCommit_Notify: notifications queue in commit order). So the commits
// of Appends, and of host transactions holding an [Store.AppendTx], run
// one at a time across the server: across every instance of the fleet,
// and alongside any other application on the server that uses NOTIFY.
// Commits per second are bounded by that; group commit spreads each
// commit over every batch its instance has queued, where each host
// transaction with an AppendTx pays it alone. In the realistic workload
// (internal/checkbench: two processes on one local server), 13 of 100
// samples of the server's active sessions were waiting for that lock
// (pg_stat_activity: Lock, object) and 35 for their WAL flush.
//
// Staleness is bounded by the notification latency (plus d under
// [WithMaxStaleness]): after an Append on one instance returns, another
// instance's State may serve the state from before it until that
// instance's listener has applied the notification.
// TestStaleness measures it over 200 rounds: on a loaded 2-core machine
// with the server local, the withdrawal was already seen by the first read
// in about 80 % of rounds, p50 0.2 ms, p99 5.6 ms, max 63 ms (earlier runs:
// max 9 to 40 ms). Hosts that need more than that use tokens (below). The
// cache answers only while the listener connection is up and was heard
// from within the heartbeat interval ([WithHeartbeat], default 5s): before
// the listener is first up, while it reconnects after a failure, and once
// a silent connection misses its heartbeat, State reads the database, and
// the cache is emptied when the listener is lost and again when it is
// back. So even a listener that dies without a word serves stale states
// for at most one heartbeat interval. A State on the instance that
// appended reflects its own Append at once.
//
// The instance that appended does not drop its cached states: before the
// commit it notes which state each touched user has cached, and after it
// applies the committed events to those states that are still the same
// (write-through), voiding any read of the database begun before, so an
// older state is never cached over the newer one. A state replaced in
// between (a refresh or a read landed during the commit) is told by its
// snapshot: one that saw the commit stays as it is, one that did not
// takes the events too (TestWriteThroughOntoReplacedState). It drops the
// state instead when an event of the batch was already on record, and
// when the commit failed; when an event is dated at the same instant as
// one the state holds (folding those depends on order), or a replaced
// state has no snapshot, a delta refresh brings it forward. Each transaction's notifications begin with "o:" and its
// transaction ID, followed, for an Append, by a mark of the Store ("/", a
// random nonce of the Store, ".", a sequence number) that the Store
// remembers from before it sends the transaction until thousands of
// commits later, and forgets at once when the commit fails (perhaps after
// committing: the tags then drop the states). The reply to a
// one-round-trip commit may arrive after the listener has seen the
// notifications, which is why the mark, not the transaction ID, says
// "own". So the listener of the instance that wrote it skips the
// tags that follow from that backend; every other instance drops its
// states as before. TestWriteThrough and TestWriteThroughUnderConcurrentLoads
// show it.
//
// Cache misses read with at most all but one of the pool's connections
// (MaxConns − 1, when MaxConns > 1), so a group commit never queues behind
// them for a connection; misses beyond that wait for one another, not
// for commits (TestCommitsKeepAConnection). Misses that wait go to the
// database together: one query (WHERE subject = ANY) reads the states of
// up to 256 waiting users, each caller still under its own ticket, so an
// invalidation during the read still wins (TestGroupRead). When another
// instance's notification drops a cached user, the listener queues it to
// be read again in the background, through the same tickets, so that a
// hot user's next State is a hit (TestRefresh).
//
// Delta refresh. The reads that fill the cache (misses, refreshes, the
// warm-up) also return their snapshot (pg_current_snapshot()), which the
// cache keeps beside the state, with the transactions this instance
// applied to it since by write-through. Each row records the transaction
// that wrote it (column xact, schema version 4), and a transaction's
// notifications name it first ("o:<xid>"), so the listener knows whether
// a cached state already holds the change it hears of: if the state's
// snapshot saw that transaction, the state stays cached; otherwise it is
// dropped at once, as before, and the refresh reads only the user's rows
// the snapshot did not see (less the own transactions) and applies them
// to the dropped state, instead of reading and folding the user's whole
// history. The index on (subject, xact) of schema version 5 reaches the
// rows of transactions at or above the snapshot's xmin directly
// (TestDeltaQueryReadsOnlyWhatItsSnapshotMissed): without it a refresh
// read every row of the user to test its transaction, which for hot users
// with tens of thousands of rows took about half the server's CPU in the
// realistic workload. A further change while that refresh is pending
// keeps its base, so one read brings the state past both; a refresh
// voided by such a change while it read hands its result on as the base,
// so a user that changes faster than a refresh takes is never read from
// an ever older state. The result is the state as of
// the refresh's own snapshot, exactly what a whole read at that snapshot
// gives: Apply does not depend on the order of events of different
// instants, and a row dated at an instant the state holds sends the user
// to a whole read, as write-through does. States with no known snapshot
// (a user alone in a warm-up chunk) are read whole. TestDeltaRefresh
// shows it; Stats counts Deltas and DeltaWhole.
//
// Notified events. An Append whose group commits in one round trip also
// sends its events, sealed, between the transaction's "o:" and its tags
// ("e:", then base64url of a nonce and the events under AES-256-GCM; one
// user's events whole in one notification, as many users to a
// notification as fit). Every other instance's listener then brings a
// cached state forward itself, under the write-through rule: a state
// whose snapshot saw the transaction stays, any other takes the events and
// notes the transaction, and an event dated at an instant the state
// holds, or a full list of noted transactions, sends it to a delta
// refresh instead. The users so handled skip their tags; a user not
// cached, or cached without a snapshot, is left to its tag. A Check of a
// user another instance just changed then waits for no read, and answers
// with that change (TestNotifiedEventsBringStatesForward; Stats counts
// NotifyApplied). An earlier version reads the payload as a tag of no
// user and ignores it, so mixed fleets need no upgrade step.
// [WithNotifyEvents](false) sends tags only; Appends written the careful
// way and [Store.AppendTx] send tags only.
//
// Any role that may connect can LISTEN and NOTIFY, so a listener trusts
// the events only as far as it can check them. The head of every
// transaction the store writes ends in a MAC over "o:<xid><mark>", when
// the server started and the oids of the database and of consent_meta,
// that the server computes in the notify statement (it alone knows the
// xid), from the notify key read in SQL: a role that may not read
// consent_meta cannot name a transaction as the store's, and a head
// captured before a failover that lost commits, a point-in-time restore,
// or on a copy of the tables or of the database, does not check. A group
// commit waits for its WAL to reach the disk even where the session's
// synchronous_commit is off (set to local for its transaction only), so
// no acknowledged Append is lost to a crash, and no signed transaction ID
// is given again after one (TestGroupCommitIsDurableWhenTheSessionIsNot).
// A copy of the tables must get a notify key of its own: whoever can read
// a copy's consent_meta can sign for the original. Heads whose MAC does
// not check are counted (Stats.HeadsRefused) and warned of once a minute:
// every head failing means the listener's connection sees another server
// or other tables than the writers' (a pooler routing it to a standby, a
// search_path its connection lacks). A listener reads events only after a head
// whose MAC checks, and counts an "x:" for tokens only after such a head
// of a group commit (an [Store.AppendTx]'s token is checked by a read:
// two in one host transaction send identical notifications, which
// PostgreSQL delivers once). It forgets the transactions it counted
// whenever it connects again.
// Events are sealed under a key of the sending Store (HKDF of the notify
// key and the Store's nonce), with the mark as additional data and the
// mark's sequence number as the GCM nonce, so they open only after their
// own commit's head, and a nonce never repeats under a key. A replay of
// a whole commit brings nothing new; forged heads, made-up MACs and a
// captured head before another commit's events are ignored
// (TestForgedNotificationsAreIgnored). A notification of events that does
// not open is counted (NotifyBad) and ignored: the tags that follow still
// tell of the change (TestUnreadableEventsFallBackToTags).
//
// Bounded staleness, opt-in. While a changed user's refresh runs, a State
// of that user waits for it. [WithMaxStaleness](d) answers instead from
// the state cached before the change, for at most d after the first
// change it lacks was announced (Stats counts StaleHits): SpiceDB's
// "minimize latency" beside its "at least as fresh". This instance's own
// appends are applied to such a state and its refresh begun anew, so
// read-your-writes holds; StateAtLeast, a dropped user and a down
// listener never see it (TestMaxStaleness).
//
// # Cache size and warm-up
//
// A cached state of a user with an acceptance and two grants holds about
// 1.3 KiB of heap (measured: 1,300 to 1,354 bytes per state with 20,000
// to 1,000,000 states; mostly consent.State's map of grants; low-
// cardinality strings such as purposes, recipients, policy versions,
// channels and operators are shared between the states the store reads),
// so [WithCacheSize] bounds the heap the cache holds: 1<<20 states, about
// 1.4 GiB of heap and 2.2 to 2.9 GiB resident under Go's default GOGC. A
// new instance starts cold: on a skewed workload a quarter of its first
// hundred thousand checks are first touches. [Store.Warm] fills the cache
// from the log in a few sequential queries (subject order, chunks of
// 20,000 events) up to its size, evicting nothing; invalidations that
// reach the instance while it runs win, so it is safe to call beside
// traffic (TestWarm, TestWarmInvalidationWins). A large cache makes each
// garbage collection mark more: the host sizes it, and GOGC, with that in
// mind.
//
// # Read-your-writes across instances
//
// [Store.AppendToken] returns a [consent.Token] naming the transaction
// that committed the batch. [Store.StateAtLeast] with it, on any instance
// over the same tables, reflects that append: when the instance's listener
// has already applied that transaction's notifications (after a head
// whose MAC checked, see Notified events; an earlier version's heads have
// none) the cache answers; otherwise it reads the database once
// PostgreSQL reports the transaction committed (pg_xact_status). A token of other tables fails with
// [consent.ErrTokenInvalid].
//
// # Inside the host's transaction
//
// [Store.AppendTx] appends inside a pgx.Tx the host holds, so that a
// business write and its consent record commit or fail together (the
// outbox pattern). The batch is all or nothing within the transaction (a
// savepoint), and instances are notified when the host commits; its token
// makes a reader wait for that commit.
//
// The listener holds a session connection of its own, opened from the
// pool's configuration and outside the pool's limit: LISTEN needs one.
// It takes the configuration without any OnNotification handler the host
// set for its pool, which would otherwise receive the store's
// notifications in the listener's place.
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
// never updated or deleted: triggers refuse UPDATE, DELETE and TRUNCATE.
// The art. 8 p.4 content of an event (operator_name, operator_bin,
// categories text[], and an acceptance's term and flags) is kept since
// schema version 3 (0003_consent_content.up.sql); rows written before read
// back without it. Since schema version 4 (0004_xact.up.sql) each row
// records the transaction that wrote it (xact xid8, filled by its
// default, pg_current_xact_id()); rows written before hold NULL. Schema
// version 5 (0005_xact_index.up.sql) indexes (subject, xact). The
// functions the store calls (pg_current_xact_id, pg_current_snapshot,
// pg_snapshot_xmin, pg_visible_in_snapshot, pg_notify) are PostgreSQL's
// built-ins, which every role may execute.
//
// To erase subjects (crypto-shredding), wrap the store in a
// consent.KeyedStore with a keyring (consent/keyring/pgkeyring): the rows
// then never hold a subject's ID, and dead row versions of the rows do not
// matter, since they never held it either; the keyring's own dead rows do
// until VACUUM (see pgkeyring).
package pgstore
