package pgstore

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/internal/groupcommit"
	"github.com/yasam/privacy/consent/internal/statecache"
	"github.com/yasam/privacy/internal/pgmigrate"
	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/purpose"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// Migrations returns the schema as SQL files, NNNN_what.up.sql at the root:
// golang-migrate file naming, up-only; each file is idempotent and also
// runs alone with psql. [Migrate] applies them; a DBA may apply them
// instead, with any of those tools.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return sub
}

// SchemaVersion is the version of the schema this code needs, recorded as
// component "consent" in table privacy_schema by the last migration file.
const SchemaVersion = 5

// ErrSchemaBehind is returned by [New] when the database has no consent
// schema or an older one than [SchemaVersion]: run [Migrate], or apply
// [Migrations], or pass [WithMigrate].
var ErrSchemaBehind = errors.New("pgstore: database schema is behind this code")

// ErrSchemaTooNew was returned by New for a database written by a newer
// version of this package. Schemas now only add, so a newer one is
// accepted and New no longer returns it.
//
// Deprecated: never returned.
var ErrSchemaTooNew = errors.New("pgstore: database schema is newer than this code knows")

// DefaultChannel is the LISTEN/NOTIFY channel stores use unless
// [WithChannel] names another.
const DefaultChannel = "privacy_consent"

// Option configures a [Store] (see [New]) and [Migrate].
type Option func(*config)

type config struct {
	channel    string
	cacheSize  int
	heartbeat  time.Duration
	logger     *slog.Logger
	minBackoff time.Duration
	maxBackoff time.Duration
	migrate    bool
	schema     string
	refresh    bool
	// noEvents: Append's notifications carry tags only (WithNotifyEvents).
	noEvents bool
	// Test hooks.
	warmChunk    int         // events per Warm query (default warmChunk)
	warmHook     func(n int) // called once each Warm chunk's rows begin
	noIntern     bool        // states read keep their own strings
	noDelta      bool        // refreshes read users whole
	preCommit    func()      // called after a group's cached versions are taken, before COMMIT
	postCommit   func()      // called after COMMIT, before write-through
	preRead      func()      // called before each background refresh reads
	maxStale     time.Duration
	ignoreEvents bool // the listener reads tags only, as an earlier version
}

// WithChannel sets the LISTEN/NOTIFY channel (default [DefaultChannel]).
// Every instance sharing the tables must use the same one.
func WithChannel(name string) Option { return func(c *config) { c.channel = name } }

// WithCacheSize bounds the number of users whose [consent.State] is kept in
// memory (default 4096). Zero or less disables the cache and the listener:
// every State reads the database.
func WithCacheSize(n int) Option { return func(c *config) { c.cacheSize = n } }

// WithRefresh sets whether a cached user that another instance's change
// drops is read again in the background (default true), so that the next
// State of a hot user is a hit. Each such change then costs this instance
// a read of the user's log even if the user is not asked about again:
// turn it off when most cached users are seldom asked about twice.
func WithRefresh(on bool) Option { return func(c *config) { c.refresh = on } }

// WithMaxStaleness lets State answer for a cached user whose change
// another instance announced with the state cached before the change,
// while the background refresh that reads the change is under way, for
// at most d after the announcement; after d, State waits for the read.
// The default, 0, never does: State waits for the read, so a change on
// another instance is seen as soon as its notification arrives.
//
// With d > 0, a withdrawal made through another instance may still be
// allowed here for up to d after its notification arrived, in exchange
// for Checks of hot users that do not wait for the database: SpiceDB's
// "minimize latency" next to its "at least as fresh". It never applies
// to this instance's own Append and AppendToken (read-your-writes holds;
// an AppendTx commits in the host's transaction: read it with its
// token), to [Store.StateAtLeast] (a token is always honoured), or while
// the listener is down (every State reads the database). It needs
// [WithRefresh] on (the default).
func WithMaxStaleness(d time.Duration) Option { return func(c *config) { c.maxStale = d } }

// WithNotifyEvents sets whether Append's notifications carry the events
// appended (default true), so that every other instance brings a cached
// state forward from the notification, as this instance does for its own
// Appends, instead of reading the user's new rows from the database: a
// Check of a user another instance just changed then waits for neither.
//
// The events travel sealed (AES-256-GCM, under a key derived from the
// tables' notify key in consent_meta, which only roles that may read the
// tables can read), since NOTIFY is open to any role that may connect.
// A user whose events do not fit in a notification (PostgreSQL's limit is
// 8,000 bytes) is announced by its tag alone, as are Appends written the
// careful way (an ID already on record) and [Store.AppendTx]. Instances
// of an earlier version ignore the events and read as before, so a fleet
// needs no upgrade step. Turn it off to keep the notifications small
// when few instances cache the same users.
func WithNotifyEvents(on bool) Option { return func(c *config) { c.noEvents = !on } }

// WithHeartbeat sets how often an idle listener connection is checked
// (default 5s). It bounds staleness when that connection dies silently: the
// cache is bypassed once the listener has not been heard from for this
// long.
func WithHeartbeat(d time.Duration) Option { return func(c *config) { c.heartbeat = d } }

// WithLogger sets where the listener reports losing and regaining its
// connection (default: nowhere). No personal data is logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithMigrate makes [New] apply the migrations the database lacks (as
// [Migrate] does) before it checks the schema. Without it New runs no DDL,
// so it works under a role that may only read and insert.
func WithMigrate() Option { return func(c *config) { c.migrate = true } }

// WithSchema names the schema that holds the tables (default: the first
// schema of the connections' search_path). [Migrate] creates the tables
// there; [New] and the store's queries name it explicitly.
func WithSchema(name string) Option { return func(c *config) { c.schema = name } }

// Store is a [consent.Store] in PostgreSQL, shared by every instance of a
// service. It is safe for concurrent use by multiple goroutines. Create it
// with [New]; the zero value is not usable.
type Store struct {
	pool    *pgxpool.Pool
	reads   chan struct{} // bounds state reads so that one of pool's connections stays for commits
	cfg     config
	tags    *tagger // computes the subject tags sent over NOTIFY
	sealer  *sealer // seals and opens the events sent over NOTIFY
	storeID string  // names the tables in tokens
	sql     queries
	cache   *statecache.Cache
	listenC *pgx.ConnConfig
	group   *groupcommit.Group[[]consent.Event, uint64]
	seen    seenXIDs
	// nonce names this instance in the marks of its own transactions,
	// owned holds the live marks' numbers (see ownMark).
	nonce   string
	markSeq atomic.Uint64
	owned   seenXIDs
	strs    interner // shares low-cardinality strings between cached states
	misses  *readBatcher
	// refreshQ holds cached users another instance changed, to be read
	// again in the background (see refresher).
	refreshQ  chan *statecache.Ticket
	refreshes atomic.Uint64
	// Delta refreshes run, and those that read the user whole after all.
	deltas, deltaWhole atomic.Uint64
	refDone            chan struct{} // closed when the refresher has stopped

	// Group commit figures, for Stats.
	commits, commitBatches, commitNanos, commitRTs, fallbacks atomic.Uint64
	// Users brought forward from other instances' notified events, and
	// notifications of events that could not be read.
	notifyApplied           atomic.Uint64
	notifyBad, headsRefused warnCount

	epoch       time.Time    // base of the monotonic lease clock
	up          atomic.Bool  // the listener is LISTENing
	leaseUntil  atomic.Int64 // ns since epoch until which the listener counts as alive
	listenerPID atomic.Uint32
	kick        chan struct{}

	// batched: send a transaction's tags in batch notifications (the
	// fleet is finalized, see FinalizeNotifyUpgrade).
	batched atomic.Bool

	cancel    context.CancelFunc
	done      chan struct{}
	closed    atomic.Bool
	closeOnce sync.Once
}

var (
	_ consent.Store      = (*Store)(nil)
	_ consent.TokenStore = (*Store)(nil)
)

func newConfig(opts []Option) config {
	cfg := config{
		channel: DefaultChannel, cacheSize: 4096, heartbeat: 5 * time.Second, refresh: true,
		minBackoff: 100 * time.Millisecond, maxBackoff: 5 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// Migrate applies the migrations the database lacks, each file in its own
// transaction under an advisory lock keyed by the schema (so instances
// starting together migrate once), in [WithSchema]'s schema or the
// connections' current one. It needs the right to create tables,
// functions and triggers there; the other options are ignored.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	cfg := newConfig(opts)
	if _, err := pgmigrate.Apply(ctx, pool, pgmigrate.Config{Component: "consent", Files: Migrations(), Schema: cfg.schema}); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("pgstore: migrate: %w", ctx.Err())
		}
		return fmt.Errorf("pgstore: migrate: %w: %w", consent.ErrUnavailable, sqlutil.RedactConnect(err))
	}
	return nil
}

// New returns a store over the consent tables in pool's database. It runs
// no DDL unless asked with [WithMigrate]: it checks that the schema is at
// [SchemaVersion] (else an error wrapping [ErrSchemaBehind]) and reads the
// store's settings, which a role with the privileges listed in the package
// documentation may do. With a cache (the default) it also starts a
// listener on a connection of its own, made from pool's configuration, and
// waits for its first attempt to LISTEN.
//
// The pool stays the caller's: [Store.Close] does not close it.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	cfg := newConfig(opts)
	if cfg.channel == "" || len(cfg.channel) > 63 {
		return nil, errors.New("pgstore: channel name must be 1 to 63 bytes")
	}
	if cfg.heartbeat <= 0 {
		return nil, errors.New("pgstore: heartbeat must be positive")
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{pool: pool, cfg: cfg, epoch: time.Now(), kick: make(chan struct{}, 1), done: make(chan struct{})}
	s.sql = newQueries(cfg.schema)
	s.seen.init(4096)
	s.owned.init(4096)
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("pgstore: new: %w", err)
	}
	s.nonce = hex.EncodeToString(nonce[:])
	s.group = groupcommit.New(s.commitGroup, 256, 30*time.Second)
	// Group commits run one at a time. State reads (cache misses) may hold
	// all but one of pool's connections, so that a commit never queues
	// behind them for a connection; the misses wait for each other here
	// instead, not behind commits. (More commits at once do not help:
	// PostgreSQL serializes the commits of transactions that NOTIFY, and
	// smaller groups only mean more commits.)
	if n := pool.Config().MaxConns; n > 1 {
		s.reads = make(chan struct{}, n-1)
	}
	if cfg.migrate {
		if err := Migrate(ctx, pool, opts...); err != nil {
			return nil, err
		}
	}
	if err := pgmigrate.Check(ctx, pool, cfg.schema, "consent", SchemaVersion, ErrSchemaBehind); err != nil {
		if errors.Is(err, ErrSchemaBehind) {
			return nil, err
		}
		return nil, s.wrap("new", ctx, err)
	}
	rows, err := pool.Query(ctx, s.sql.meta)
	if err != nil {
		return nil, s.wrap("new", ctx, err)
	}
	var notifyKey []byte // keys the subject tags and the sealed events
	for rows.Next() {
		var name string
		var value []byte
		if err := rows.Scan(&name, &value); err != nil {
			rows.Close()
			return nil, s.wrap("new", ctx, err)
		}
		switch name {
		case "notify_key":
			notifyKey = value
		case "store_id":
			s.storeID = string(value)
		case notifyFormat:
			s.setFormat(value)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.wrap("new", ctx, err)
	}
	if len(notifyKey) < 16 || s.storeID == "" || strings.ContainsRune(s.storeID, '.') {
		return nil, fmt.Errorf("%w: consent_meta lacks the notification key or the store id; apply migrations/", ErrSchemaBehind)
	}
	s.sealer = newSealer(notifyKey)
	s.tags = newTagger(notifyKey)
	if cfg.cacheSize <= 0 {
		close(s.done)
		s.cancel = func() {}
		return s, nil
	}
	s.cache = statecache.New(cfg.cacheSize)
	if cfg.refresh {
		s.cache.SetMaxStale(cfg.maxStale)
	}
	s.listenC = pool.Config().ConnConfig.Copy()
	// The listener's connection is the store's own: a handler the host
	// set for its pool's connections would take its notifications, and
	// pgx would keep none for WaitForNotification.
	s.listenC.OnNotification = nil
	lctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.misses = newReadBatcher(lctx, s, cap(s.reads))
	s.refreshQ = make(chan *statecache.Ticket, refreshQueue)
	s.refDone = make(chan struct{})
	go func() {
		defer close(s.refDone)
		s.refresher(lctx)
	}()
	first := make(chan struct{})
	go s.run(lctx, first)
	select {
	case <-first:
	case <-ctx.Done():
		s.Close()
		return nil, fmt.Errorf("pgstore: new: %w", ctx.Err())
	}
	return s, nil
}

// queries are the store's statements, with table names qualified by the
// configured schema, if any.
type queries struct {
	events                          string // the events table's name
	meta, insert, byIDs, history    string
	format, finalize                string
	insertNew, delta                string
	notify                          string // a transaction's notifications but the last
	macServer                       string // the server's part of a head's MAC (see sealer.headMAC)
	scanAfter, scanFrom, bySubjects string
	bySubjectsAt                    string
}

// macServer names, in a head's MAC, the server and the tables: when the
// server started (a failover, a restore, a new start of the server begin
// anew; a crash restart keeps it, but loses no group commit: see
// durableCommit), in microseconds, the oid of the database (a clone made
// from it as a template has another) and of table consent_meta (read from
// its rows: another copy of the tables has another). All read alike in
// any session, whatever its settings.
const macServer = `(extract(epoch FROM pg_postmaster_start_time()) * 1000000)::bigint::text || '.' ||
	(SELECT oid FROM pg_database WHERE datname = current_database())::text || '.' || tableoid::text`

func newQueries(schema string) queries {
	events, meta := "consent_events", "consent_meta"
	if schema != "" {
		events = pgx.Identifier{schema, events}.Sanitize()
		meta = pgx.Identifier{schema, meta}.Sanitize()
	}
	insertRows := `INSERT INTO ` + events + ` (` + columns + `)
	SELECT c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18::text[]
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
		$7::timestamptz[], $8::smallint[], $9::text[], $10::text[], $11::timestamptz[], $12::smallint[],
		$13::boolean[], $14::boolean[], $15::boolean[], $16::text[], $17::text[], $18::text[])
		AS u(c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18)`
	return queries{
		events:   events,
		meta:     "SELECT name, value FROM " + meta + " WHERE name IN ('notify_key', 'store_id', '" + notifyFormat + "')",
		format:   "SELECT value FROM " + meta + " WHERE name = $1",
		finalize: "INSERT INTO " + meta + " (name, value) VALUES ($1, convert_to($2, 'UTF8')) ON CONFLICT (name) DO NOTHING",
		// unnest keeps the arrays' order, so seq follows the batch.
		insert: insertRows + `
	ON CONFLICT (id) DO NOTHING
	RETURNING id`,
		// Any ID on record or repeated fails it (and its transaction).
		insertNew: insertRows,
		// The head, "o:<xid>" and the mark, then "/" and the head's MAC
		// (see sealer.headMAC), computed here because only the server
		// knows the xid before the commit, from the notify key read here,
		// so the key never travels; then the payloads of $2.
		notify: `WITH h AS (SELECT $3 || pg_current_xact_id()::text || $4 AS head),
	k AS (SELECT sha256(value || decode('01', 'hex')) AS k1, sha256(value || decode('02', 'hex')) AS k2, ` + macServer + ` AS server
		FROM ` + meta + ` WHERE name = 'notify_key')
SELECT pg_notify($1, t) FROM unnest(array_prepend(
	(SELECT h.head || coalesce('/' || encode(substr(sha256(k.k2 || sha256(k.k1 || convert_to(h.head || '|' || k.server, 'UTF8'))), 1, 16), 'hex'), '')
	FROM h LEFT JOIN k ON true),
	$2::text[])) AS t`,
		macServer: "SELECT " + macServer + " FROM " + meta + " WHERE name = 'notify_key'",
		byIDs:     "SELECT " + columns + " FROM " + events + " WHERE id = ANY($1)",
		// Keyset chunks of the whole log, in subject then log order; the
		// first column is the read's snapshot (see stateMeta).
		scanAfter:    "SELECT " + snapColumn + columns + " FROM " + events + " WHERE subject > $1 ORDER BY subject, at_time, at_ns, seq LIMIT $2",
		scanFrom:     "SELECT " + snapColumn + columns + " FROM " + events + " WHERE subject >= $1 ORDER BY subject, at_time, at_ns, seq LIMIT $2",
		bySubjects:   "SELECT " + columns + " FROM " + events + " WHERE subject = ANY($1) ORDER BY subject, at_time, at_ns, seq",
		bySubjectsAt: "SELECT " + snapColumn + columns + " FROM " + events + " WHERE subject = ANY($1) ORDER BY subject, at_time, at_ns, seq",
		// The rows of a user that a snapshot did not see, less this
		// instance's own transactions already applied. Rows older than
		// the xact column (NULL) are seen by every snapshot.
		//
		// Its first column is the read's snapshot, or empty when any of
		// the rows shares its instant with another row of the user: the
		// log orders one instant's rows by seq, which need not be the
		// order they committed in, so such rows cannot simply be applied
		// after the state's and the user is read whole instead.
		//
		// The snapshot and the list are converted once per query (an
		// InitPlan, and a hashed SubPlan to test against): written as
		// plain casts of the parameters, a generic plan converts them
		// again for every row of the user, which for a hot user with
		// 2,000 rows beyond a full list took 54 ms instead of 6.
		//
		// A snapshot sees every transaction below its xmin, so the
		// rows it did not see are among those at or above it, which
		// the index on (subject, xact) of schema version 5 reaches
		// directly: the query reads what the snapshot missed (and this
		// instance's own rows since), not every row of the user.
		delta: `SELECT CASE WHEN bool_or(EXISTS (SELECT 1 FROM ` + events + ` o
		WHERE o.subject = e.subject AND o.at_time = e.at_time AND o.at_ns = e.at_ns AND o.id <> e.id)) OVER ()
	THEN '' ELSE pg_current_snapshot()::text END, ` + columns + " FROM " + events + ` e WHERE subject = $1 AND xact IS NOT NULL
	AND xact >= pg_snapshot_xmin((SELECT $2::text::pg_snapshot))
	AND NOT pg_visible_in_snapshot(xact, (SELECT $2::text::pg_snapshot))
	AND NOT (xact IN (SELECT unnest($3::text[]::xid8[])))
	ORDER BY at_time, at_ns, seq`,
		history: "SELECT " + columns + " FROM " + events + " WHERE subject = $1 ORDER BY at_time, at_ns, seq",
	}
}

// Close stops the listener and waits for it. It does not close the pool.
// Calls after Close return an error wrapping [consent.ErrClosed]. Close is
// safe to call more than once.
func (s *Store) Close() {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.cancel()
		<-s.done
		if s.refDone != nil {
			<-s.refDone
		}
		s.setDown()
	})
}

// tag names a subject in notifications without revealing it: any role
// connected to the database may LISTEN, but only one that can read
// consent_meta can compute tags.
func (s *Store) tag(subject string) string { return s.tags.tag(subject) }

const columns = `id, subject, action, purpose, recipient, policy_version, at_time, at_ns,
	channel, evidence, until_time, until_ns, third_party_transfer, cross_border_transfer, publication,
	operator_name, operator_bin, categories`

// Append implements [consent.Store]: the batch is one transaction, all or
// nothing, and the same transaction notifies every instance of the users
// it touched. Concurrent Appends on one Store share a transaction (group
// commit); each batch still stands or fails alone.
func (s *Store) Append(ctx context.Context, events ...consent.Event) error {
	_, err := s.AppendToken(ctx, events...)
	return err
}

// AppendToken implements [consent.TokenStore]: [Store.Append], returning
// the commit position, which [Store.StateAtLeast] on any instance over the
// same tables can require.
func (s *Store) AppendToken(ctx context.Context, events ...consent.Event) (consent.Token, error) {
	if err := s.check(ctx, "append"); err != nil {
		return "", err
	}
	if err := consent.ValidateBatch(events); err != nil {
		return "", fmt.Errorf("pgstore: append: %w", err)
	}
	if len(events) == 0 {
		return "", nil
	}
	xid, err := s.group.Do(ctx, events)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return "", fmt.Errorf("pgstore: append: %w", err)
		}
		return "", err
	}
	return s.token(xid), nil
}

// AppendTx appends events inside tx, a transaction the host holds, so that
// its business write and the consent record commit or fail together (the
// outbox pattern). The batch is all or nothing within tx (a savepoint): on
// an error wrapping [consent.ErrConflict] or [consent.ErrInvalidEvent] tx
// is left as it was and usable. The events count as appended only when
// the host commits tx; other instances are notified then. The token names
// tx: a [Store.StateAtLeast] with it, on any instance including this one,
// waits for tx to commit (and fails with [consent.ErrTokenInvalid] if it
// rolled back). tx must be on the store's database, under a role with
// the application's grants (it inserts into consent_events and reads
// consent_meta, whose key signs the notifications); s's options (schema,
// channel) apply.
func (s *Store) AppendTx(ctx context.Context, tx pgx.Tx, events ...consent.Event) (consent.Token, error) {
	if err := s.check(ctx, "append"); err != nil {
		return "", err
	}
	if err := consent.ValidateBatch(events); err != nil {
		return "", fmt.Errorf("pgstore: append: %w", err)
	}
	if len(events) == 0 {
		return "", nil
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return "", s.wrap("append", ctx, err)
	}
	defer sp.Rollback(context.WithoutCancel(ctx))
	xid, bad, _, err := s.write(ctx, sp, [][]consent.Event{events}, make([]error, 1), "")
	if err != nil {
		return "", s.wrap("append", ctx, err)
	}
	if bad >= 0 {
		return "", s.conflict(ctx, sp, events)
	}
	if err := sp.Commit(ctx); err != nil {
		return "", s.wrap("append", ctx, err)
	}
	s.invalidate(events)
	return s.token(xid), nil
}

// commitGroup writes the batches of concurrent Appends in one transaction
// and returns the transaction's ID for each. It first sends the whole
// group in one round trip (see commitFast); when that fails on an ID
// already on record or repeated in the group, nothing was written, and the
// group is written the careful way: a batch that conflicts with the
// record fails alone, the transaction is rolled back and written again
// without it.
func (s *Store) commitGroup(ctx context.Context, batches [][]consent.Event) ([]uint64, []error) {
	start := time.Now()
	defer func() {
		s.commits.Add(1)
		s.commitBatches.Add(uint64(len(batches)))
		s.commitNanos.Add(uint64(time.Since(start)))
	}()
	errs := make([]error, len(batches))
	xid, done, err := s.commitFast(ctx, batches, errs)
	if !done {
		s.fallbacks.Add(1)
	}
	for !done {
		var bad int
		xid, bad, err = s.writeGroup(ctx, batches, errs)
		if err == nil && bad >= 0 {
			errs[bad] = s.conflict(ctx, s.pool, batches[bad])
			s.commitRTs.Add(1)
			continue
		}
		done = true
	}
	if err != nil {
		err = s.wrap("append", ctx, err)
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return nil, errs
	}
	xids := make([]uint64, len(batches))
	for i := range xids {
		xids[i] = xid
	}
	return xids, errs
}

// commitFast writes the group in one round trip: the insert and the
// notifications go as one pipeline ending in a single Sync, which
// PostgreSQL runs as one implicit transaction, committed at the Sync or,
// after any error, rolled back whole (the protocol's "Pipelining";
// TestFastCommitIsOneTransaction). The insert has no ON CONFLICT, so an ID
// already on record, or twice in the group, fails it: done is then false
// and nothing was written. Any other error may have come after the commit
// (a lost reply), so the group's cached states are dropped, as when a
// careful commit fails.
func (s *Store) commitFast(ctx context.Context, batches [][]consent.Event, errs []error) (xid uint64, done bool, err error) {
	a := s.insertArgs(batches, errs)
	ids := make(map[string]bool, len(a.ids))
	for _, id := range a.ids {
		if ids[id] {
			return 0, false, nil // would fail: go the careful way at once
		}
		ids[id] = true
	}
	gens := s.cachedVersions(batches, errs)
	if s.cfg.preCommit != nil {
		s.cfg.preCommit()
	}
	seq, mark := s.ownMark()
	b := &pgx.Batch{}
	b.Queue(durableCommit)
	b.Queue(s.sql.insertNew, a.args...)
	s.queueNotify(b, s.sealEvents(mark, batches, errs), a.tags, mark)
	s.commitRTs.Add(1)
	br := s.pool.SendBatch(ctx, b)
	_, err = br.Exec()
	for range 2 {
		if err == nil {
			_, err = br.Exec()
		}
	}
	var xidText string
	if err == nil {
		err = br.QueryRow().Scan(&xidText, nil)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		xid, err = strconv.ParseUint(xidText, 10, 64)
	}
	if err != nil {
		// Its notifications, if it committed after all, are not skipped.
		s.owned.remove(seq)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == uniqueViolation {
			return 0, false, nil
		}
		for i, b := range batches {
			if errs[i] == nil {
				s.invalidate(b)
			}
		}
		return 0, true, err
	}
	if s.cfg.postCommit != nil {
		s.cfg.postCommit()
	}
	// Read-your-writes without waiting for a notification.
	s.writeThrough(batches, errs, ids, gens, xid)
	return xid, true, nil
}

// sealEvents returns the notifications that carry the events of the
// batches not failed in errs, for the commit marked mark (see
// [WithNotifyEvents]); none when they are off.
func (s *Store) sealEvents(mark string, batches [][]consent.Event, errs []error) []string {
	if s.cfg.noEvents {
		return nil
	}
	written := make([][]consent.Event, 0, len(batches))
	for i, b := range batches {
		if errs[i] == nil {
			written = append(written, b)
		}
	}
	out, err := s.sealer.seal(mark, byUser(written...))
	if err != nil {
		return nil // the tags tell of the change
	}
	return out
}

// durableCommit makes the transaction it runs in (a group commit) wait
// for its WAL to reach the server's disk, where the session's
// synchronous_commit is off: an acknowledged Append is never lost to a
// crash, and the transaction ID its signed notifications name is never
// given again after one (a crash restart keeps the server's start time,
// which the heads' MAC covers). Stricter settings (on, remote_write,
// remote_apply) are left as they are.
const durableCommit = "SELECT set_config('synchronous_commit', 'local', true) WHERE current_setting('synchronous_commit') = 'off'"

// uniqueViolation is PostgreSQL's SQLSTATE for a duplicate key.
const uniqueViolation = "23505"

// cachedVersions notes, before a commit, the version of each touched
// user's cached state: none of them can hold the transaction's events, so
// after the commit each is brought forward by applying them
// (write-through); see writeThrough for a state that changed in between.
// This instance's listener skips the transaction's own notifications (see
// ownMark), so a hot subject written here stays cached.
func (s *Store) cachedVersions(batches [][]consent.Event, errs []error) map[string]uint64 {
	if s.cache == nil {
		return nil
	}
	gens := make(map[string]uint64)
	for i, b := range batches {
		if errs[i] == nil {
			for _, e := range b {
				if _, ok := gens[e.Subject]; !ok {
					gens[e.Subject] = s.cache.Version(e.Subject)
				}
			}
		}
	}
	return gens
}

// ownMark returns a new mark for a transaction this instance commits and
// applies to its cache itself: "/<nonce>.<seq>", sent after the
// transaction's ID in its first notification, and remembered, so that
// this instance's listener skips the tags that follow. The reply to a
// one-round-trip commit may come after the listener has seen its
// notifications, so the mark is known before the transaction is sent.
// A mark removed (the commit failed) or forgotten (thousands of commits
// later) is not skipped: its tags then drop the states, the safe side.
func (s *Store) ownMark() (uint64, string) {
	seq := s.markSeq.Add(1)
	s.owned.add(seq)
	return seq, "/" + s.nonce + "." + strconv.FormatUint(seq, 10)
}

// isOwn reports whether mark (after the "/") is one of this instance's
// live marks.
func (s *Store) isOwn(mark string) bool {
	sender, seq, ok := splitMark(mark)
	return ok && sender == s.nonce && s.owned.has(seq)
}

func (s *Store) writeGroup(ctx context.Context, batches [][]consent.Event, errs []error) (uint64, int, error) {
	s.commitRTs.Add(1)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, -1, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, durableCommit); err != nil {
		return 0, -1, err
	}
	seq, mark := s.ownMark()
	xid, bad, inserted, err := s.write(ctx, tx, batches, errs, mark)
	if err != nil || bad >= 0 {
		s.owned.remove(seq)
		return 0, bad, err
	}
	gens := s.cachedVersions(batches, errs)
	if s.cfg.preCommit != nil {
		s.cfg.preCommit()
	}
	s.commitRTs.Add(1)
	if err := tx.Commit(ctx); err != nil {
		// Perhaps committed all the same: its notifications are not
		// skipped now, and the states are forgotten.
		s.owned.remove(seq)
		for i, b := range batches {
			if errs[i] == nil {
				s.invalidate(b)
			}
		}
		return 0, -1, err
	}
	if s.cfg.postCommit != nil {
		s.cfg.postCommit()
	}
	// Read-your-writes without waiting for a notification.
	s.writeThrough(batches, errs, inserted, gens, xid)
	return xid, -1, nil
}

// writeThrough applies the committed batches' events to the cached
// states of their subjects, each state only if it is still the one cached
// before the commit (gens). A subject with an event that was already on
// record (a repeat, which the state may or may not hold) is dropped
// instead. With refreshes on, a state replaced during the commit is
// told by its snapshot: one that saw the commit stays, one that did not
// takes the events too, and one that cannot (no snapshot, or an event of
// an instant it holds) is brought forward by a delta refresh.
func (s *Store) writeThrough(batches [][]consent.Event, errs []error, inserted map[string]bool, gens map[string]uint64, xid uint64) {
	if s.cache == nil {
		return
	}
	bySubject := make(map[string][]consent.Event, len(gens))
	repeat := make(map[string]bool)
	applied := make(map[string]bool, len(inserted))
	for i, b := range batches {
		if errs[i] != nil {
			continue
		}
		for _, e := range b {
			switch {
			case !inserted[e.ID]:
				repeat[e.Subject] = true
			case applied[e.ID]: // twice in the group: written once
			default:
				applied[e.ID] = true
				bySubject[e.Subject] = append(bySubject[e.Subject], e)
			}
		}
	}
	for subject, gen := range gens {
		if repeat[subject] {
			s.cache.Invalidate(subject)
			continue
		}
		events := bySubject[subject]
		apply := func(st consent.State, meta any) (consent.State, any, bool) {
			st, ok := applyAll(st, events)
			if !ok {
				return st, nil, false
			}
			// The state now holds transaction xid too.
			if m, ok := meta.(*stateMeta); ok {
				next := m.withOwn(xid)
				if next == nil && s.cfg.refresh {
					// The meta's list is full: a delta refresh
					// brings the state forward and starts it anew,
					// rather than a state without meta, which the
					// next change elsewhere sends to a whole read.
					return st, nil, false
				}
				return st, metaAny(next), true
			}
			return st, nil, true
		}
		if !s.cfg.refresh {
			s.cache.UpdateMeta(subject, gen, apply)
			continue
		}
		// A state replaced since the commit began (a refresh or a read
		// landed) is kept or brought forward, never dropped for a whole
		// read: a hot user's whole history is the costliest read there
		// is, and hot users are the ones whose refreshes land mid-commit.
		if _, t := s.cache.UpdateMetaOrDelta(subject, gen, apply, func(m any) bool {
			return m.(*stateMeta).holds(xid)
		}); t != nil {
			s.scheduleRefresh(t)
		}
	}
}

// groupArgs are a group's events as the insert's column arrays (args),
// their IDs in order, and the tags of their subjects.
type groupArgs struct {
	ids  []string
	tags []string
	args []any
}

// insertArgs lays out the events of the batches not failed in errs as the
// insert statements' parameters.
func (s *Store) insertArgs(batches [][]consent.Event, errs []error) groupArgs {
	var (
		n                                int
		tags                             []string
		seen                             = map[string]bool{}
		ids, subjects, actions, purposes []string
		recipients, versions, channels   []string
		evidence                         []string
		atT, untilT                      []pgtype.Timestamptz
		atNS, untilNS                    []pgtype.Int2
		third, cross, pub                []bool
		opNames, opBINs, cats            []string
	)
	for i, batch := range batches {
		if errs[i] == nil {
			n += len(batch)
		}
	}
	ids, subjects, actions, purposes = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	recipients, versions, channels = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	evidence, opNames, opBINs, cats = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	atT, untilT = make([]pgtype.Timestamptz, 0, n), make([]pgtype.Timestamptz, 0, n)
	atNS, untilNS = make([]pgtype.Int2, 0, n), make([]pgtype.Int2, 0, n)
	third, cross, pub = make([]bool, 0, n), make([]bool, 0, n), make([]bool, 0, n)
	for i, batch := range batches {
		if errs[i] != nil {
			continue
		}
		for _, e := range batch {
			t, ns := sqlutil.SplitTime(e.At)
			var ut pgtype.Timestamptz
			var uns pgtype.Int2
			if !e.Until.IsZero() {
				t, ns := sqlutil.SplitTime(e.Until)
				ut = pgtype.Timestamptz{Time: t, Valid: true}
				uns = pgtype.Int2{Int16: ns, Valid: true}
			}
			ids = append(ids, e.ID)
			subjects = append(subjects, e.Subject)
			actions = append(actions, string(e.Action))
			purposes = append(purposes, string(e.Scope.Purpose))
			recipients = append(recipients, e.Scope.Recipient)
			versions = append(versions, e.PolicyVersion)
			atT = append(atT, pgtype.Timestamptz{Time: t, Valid: true})
			atNS = append(atNS, pgtype.Int2{Int16: ns, Valid: true})
			channels = append(channels, string(e.Channel))
			evidence = append(evidence, e.Evidence)
			untilT = append(untilT, ut)
			untilNS = append(untilNS, uns)
			third = append(third, e.Flags.ThirdPartyTransfer)
			cross = append(cross, e.Flags.CrossBorderTransfer)
			pub = append(pub, e.Flags.Publication)
			opNames = append(opNames, e.Operator.Name)
			opBINs = append(opBINs, e.Operator.BIN)
			cats = append(cats, categoriesLiteral(e.Categories))
			if !seen[e.Subject] {
				seen[e.Subject] = true
				tags = append(tags, s.tag(e.Subject))
			}
		}
	}
	return groupArgs{ids: ids, tags: tags, args: []any{ids, subjects, actions, purposes, recipients, versions, atT, atNS,
		channels, evidence, untilT, untilNS, third, cross, pub, opNames, opBINs, cats}}
}

// queueNotify queues a transaction's notifications: "o:<xid>" followed
// by mark (empty, or "/" and a mark of this instance's, see
// [Store.ownMark]), the notifications of its events (sealed, see
// sealEvents), its subjects' tags (one per notification, or batched once
// the fleet is finalized: see payloads), and last "x:<xid>". The last
// statement's first column is the transaction's ID.
func (s *Store) queueNotify(b *pgx.Batch, events, tags []string, mark string) {
	// First the transaction's ID, so that the instance that wrote it
	// knows the notifications that follow (from the same backend) as its
	// own, and another knows the transaction its events belong to.
	b.Queue(s.sql.notify, s.cfg.channel, append(events, payloads(tags, s.batched.Load())...), ownPrefix, mark)
	// Last, so that a listener that sees it has applied the tags before.
	b.Queue("SELECT pg_current_xact_id()::text, pg_notify($1, $2 || pg_current_xact_id()::text)", s.cfg.channel, xidPrefix)
}

// write inserts the batches not failed in errs in tx, in one statement
// and one round trip, queues the notifications (delivered at commit, to
// every listener, in commit order; dropped on rollback), and returns tx's
// ID and the IDs it inserted (not on record before), or the index of a
// batch that conflicts with the record (tx must then be rolled back).
func (s *Store) write(ctx context.Context, tx pgx.Tx, batches [][]consent.Event, errs []error, mark string) (uint64, int, map[string]bool, error) {
	a := s.insertArgs(batches, errs)
	n := len(a.ids)
	b := &pgx.Batch{}
	b.Queue(s.sql.insert, a.args...)
	s.queueNotify(b, nil, a.tags, mark)
	s.commitRTs.Add(1)
	br := tx.SendBatch(ctx, b)
	inserted := make(map[string]bool, n)
	rows, err := br.Query()
	if err == nil {
		for rows.Next() {
			var id string
			if err = rows.Scan(&id); err != nil {
				break
			}
			inserted[id] = true
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if err != nil {
		br.Close()
		return 0, -1, nil, err
	}
	if _, err := br.Exec(); err != nil {
		br.Close()
		return 0, -1, nil, err
	}
	var xidText string
	if err := br.QueryRow().Scan(&xidText, nil); err != nil {
		br.Close()
		return 0, -1, nil, err
	}
	if err := br.Close(); err != nil {
		return 0, -1, nil, err
	}
	xid, err := strconv.ParseUint(xidText, 10, 64)
	if err != nil {
		return 0, -1, nil, err
	}
	// An ID not inserted is on record, or twice in the group: a repeat is
	// skipped, other content is a conflict.
	first := make(map[string]consent.Event, n)
	var repeats []string
	for i, batch := range batches {
		if errs[i] != nil {
			continue
		}
		for _, e := range batch {
			if f, ok := first[e.ID]; ok {
				if !f.Equal(e) {
					return 0, i, nil, nil
				}
				continue
			}
			first[e.ID] = e
			if !inserted[e.ID] {
				repeats = append(repeats, e.ID)
			}
		}
	}
	if len(repeats) > 0 {
		s.commitRTs.Add(1)
		old, err := s.query(ctx, tx, "append", s.sql.byIDs, repeats)
		if err != nil {
			return 0, -1, nil, err
		}
		byID := make(map[string]consent.Event, len(old))
		for _, e := range old {
			byID[e.ID] = e
		}
		for i, batch := range batches {
			if errs[i] != nil {
				continue
			}
			for _, e := range batch {
				if o, ok := byID[e.ID]; ok && !inserted[e.ID] && !o.Equal(e) {
					return 0, i, nil, nil
				}
			}
		}
	}
	return xid, -1, inserted, nil
}

// conflict names the event of batch on record with other content (an
// ID, never a subject).
func (s *Store) conflict(ctx context.Context, q querier, batch []consent.Event) error {
	ids := make([]string, len(batch))
	for i, e := range batch {
		ids[i] = e.ID
	}
	name := "(in the batch)"
	if old, err := s.query(ctx, q, "append", s.sql.byIDs, ids); err == nil {
		byID := make(map[string]consent.Event, len(old))
		for _, e := range old {
			byID[e.ID] = e
		}
		for _, e := range batch {
			if o, ok := byID[e.ID]; ok && !o.Equal(e) {
				name = e.ID
				break
			}
		}
	}
	return fmt.Errorf("pgstore: append: %w: %s", consent.ErrConflict, name)
}

func (s *Store) invalidate(events []consent.Event) {
	if s.cache == nil {
		return
	}
	subjects := make([]string, len(events))
	for i, e := range events {
		subjects[i] = e.Subject
	}
	s.cache.Invalidate(subjects...)
}

// applyAll brings st forward by events, unless one is dated at the very
// instant of an event st holds (ok false): folding events of one instant
// depends on their order, which is the log's (commit and sequence order
// may differ between concurrent transactions), so such a state is read
// again rather than brought forward. Events of other instants fold alike
// in any order (consent.TestApplyMatchesFoldUnlessHoldsInstant).
func applyAll(st consent.State, events []consent.Event) (_ consent.State, ok bool) {
	for _, e := range events {
		if st.HoldsInstant(e.At) {
			return st, false
		}
		st = st.Apply(e)
	}
	return st, true
}

// xidPrefix marks the notification that names a committed transaction;
// no subject tag starts with it (tags are hex).
const xidPrefix = "x:"

// ownPrefix marks the notification, first of a transaction's, that names
// it before its subject tags; see [Store.listen].
const ownPrefix = "o:"

// token names a transaction of these tables.
func (s *Store) token(xid uint64) consent.Token {
	return consent.Token("pg." + s.storeID + "." + strconv.FormatUint(xid, 10))
}

func (s *Store) parseToken(op string, t consent.Token) (uint64, error) {
	rest, ok := strings.CutPrefix(string(t), "pg.")
	id, pos, ok2 := strings.Cut(rest, ".")
	xid, err := strconv.ParseUint(pos, 10, 64)
	if !ok || !ok2 || id != s.storeID || err != nil || xid == 0 {
		return 0, fmt.Errorf("pgstore: %s: %w", op, consent.ErrTokenInvalid)
	}
	return xid, nil
}

// Await waits until the transaction token t names has committed, whichever
// instance appended it, so that a query begun afterwards, in a transaction
// begun afterwards (under REPEATABLE READ or SERIALIZABLE the snapshot is
// the transaction's), sees its events:
// call it before running a [Store.FilterSQL] selection made under the
// token (an [Store.AppendTx] token may name a host transaction that has
// not committed yet). It returns at once for an empty token. A token of
// another store, or of a transaction that rolled back, fails with
// [consent.ErrTokenInvalid]; a canceled ctx with its error.
func (s *Store) Await(ctx context.Context, t consent.Token) error {
	if t == "" {
		return nil
	}
	xid, err := s.parseToken("await", t)
	if err != nil {
		return err
	}
	if err := s.check(ctx, "await"); err != nil {
		return err
	}
	return s.committed(ctx, "await", xid)
}

// State implements [consent.Store]. While the listener is up, a warm state
// comes from memory with no database round trip; otherwise it is read.
func (s *Store) State(ctx context.Context, user string) (consent.State, error) {
	if err := s.check(ctx, "state"); err != nil {
		return consent.State{}, err
	}
	if s.cache != nil && s.serving() {
		// Concurrent misses of one user share one read; concurrent
		// misses of different users share one query.
		// A miss that finds a delta refresh of the user queued but not
		// started does it itself rather than read the whole history.
		return s.cache.LoadMeta(ctx, user, func() string { return s.tag(user) }, func(t *statecache.Ticket) (consent.State, any, error) {
			return s.reread(ctx, t, user)
		})
	}
	return s.readState(ctx, "state", user)
}

// StateAtLeast implements [consent.TokenStore]: [Store.State] that also
// reflects the transaction t names, whichever instance appended it. When
// this instance's listener has already applied that transaction's
// notification the cache answers; otherwise the state is read from the
// database once the transaction is known committed (an [Store.AppendTx]
// whose host has not committed yet is waited for, until ctx ends).
func (s *Store) StateAtLeast(ctx context.Context, user string, t consent.Token) (consent.State, error) {
	if t == "" {
		return s.State(ctx, user)
	}
	xid, err := s.parseToken("state", t)
	if err != nil {
		return consent.State{}, err
	}
	if err := s.check(ctx, "state"); err != nil {
		return consent.State{}, err
	}
	if s.cache != nil && s.serving() && s.seen.has(xid) {
		if st, ok := s.cache.Get(user); ok {
			return st, nil
		}
	}
	if err := s.committed(ctx, "state", xid); err != nil {
		return consent.State{}, err
	}
	if s.cache == nil || !s.serving() {
		return s.readState(ctx, "state", user)
	}
	// Read after the transaction is known committed, so the read sees
	// it: as a delta when a refresh of the user is pending, and noting
	// its snapshot, so that later changes bring it forward too.
	tk := s.cache.Begin(user, s.tag(user))
	st, meta, err := s.reread(ctx, tk, user)
	if err != nil {
		s.cache.Abandon(tk)
		return consent.State{}, err
	}
	s.cache.PutMeta(tk, st, meta)
	return st, nil
}

// committed waits until transaction xid is committed; a rolled-back one,
// or one the database does not know, fails with ErrTokenInvalid.
func (s *Store) committed(ctx context.Context, op string, xid uint64) error {
	wait := 500 * time.Microsecond
	for {
		var status *string
		err := s.pool.QueryRow(ctx, "SELECT pg_xact_status($1::text::xid8)", strconv.FormatUint(xid, 10)).Scan(&status)
		var pe *pgconn.PgError
		switch {
		case errors.As(err, &pe) && pe.Code == "22023": // in the future: not this database's
			return fmt.Errorf("pgstore: %s: %w", op, consent.ErrTokenInvalid)
		case err != nil:
			return s.wrap(op, ctx, err)
		case status == nil || *status == "committed":
			// NULL: so old its status is gone, so committed long ago
			// or rolled back; either way nothing to wait for.
			return nil
		case *status == "aborted":
			return fmt.Errorf("pgstore: %s: %w: its transaction rolled back", op, consent.ErrTokenInvalid)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgstore: %s: %w", op, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 20*time.Millisecond)
	}
}

// History implements [consent.Store].
func (s *Store) History(ctx context.Context, user string) ([]consent.Event, error) {
	if err := s.check(ctx, "history"); err != nil {
		return nil, err
	}
	return s.query(ctx, s.pool, "history", s.sql.history, user)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (s *Store) query(ctx context.Context, q querier, op, sql string, args ...any) ([]consent.Event, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, s.wrap(op, ctx, err)
	}
	var out []consent.Event
	if err := scanEvents(rows, nil, func(e consent.Event) { out = append(out, e) }); err != nil {
		return nil, s.wrap(op, ctx, err)
	}
	return out, nil
}

// scanEvents calls fn with each row of rows (columns) as an event, and
// closes rows. With in, the event's low-cardinality strings (purpose,
// recipient, policy version, channel, operator, categories) are shared
// between events, so that cached states do not each hold copies.
func scanEvents(rows pgx.Rows, in *interner, fn func(consent.Event)) error {
	return scanEventsAt(rows, in, nil, fn)
}

// scanEventsAt is scanEvents for a query whose first column is the read's
// snapshot (snapColumn): it sets *snap from the first row.
func scanEventsAt(rows pgx.Rows, in *interner, snap *string, fn func(consent.Event)) error {
	defer rows.Close()
	for rows.Next() {
		if snap != nil && *snap == "" {
			if raw := rows.RawValues(); len(raw) > 0 {
				*snap = string(raw[0])
			}
		}
		var (
			e                     consent.Event
			action, purp, channel string
			atT                   time.Time
			atNS                  int16
			untilT                pgtype.Timestamptz
			untilNS               pgtype.Int2
			third, cross, pub     bool
			cats                  []string
		)
		var err error
		if snap != nil {
			err = rows.Scan(nil, &e.ID, &e.Subject, &action, &purp, &e.Scope.Recipient, &e.PolicyVersion, &atT, &atNS,
				&channel, &e.Evidence, &untilT, &untilNS, &third, &cross, &pub,
				&e.Operator.Name, &e.Operator.BIN, &cats)
		} else {
			err = rows.Scan(&e.ID, &e.Subject, &action, &purp, &e.Scope.Recipient, &e.PolicyVersion, &atT, &atNS,
				&channel, &e.Evidence, &untilT, &untilNS, &third, &cross, &pub,
				&e.Operator.Name, &e.Operator.BIN, &cats)
		}
		if err != nil {
			return err
		}
		if in != nil {
			purp, channel = in.get(purp), in.get(channel)
			e.Scope.Recipient, e.PolicyVersion = in.get(e.Scope.Recipient), in.get(e.PolicyVersion)
			e.Operator.Name, e.Operator.BIN = in.get(e.Operator.Name), in.get(e.Operator.BIN)
			for i := range cats {
				cats[i] = in.get(cats[i])
			}
		}
		e.Action = consent.Action(action)
		e.Scope.Purpose = purpose.ID(purp)
		e.Channel = consent.Channel(channel)
		e.At = sqlutil.JoinTime(atT, atNS)
		if untilT.Valid {
			e.Until = sqlutil.JoinTime(untilT.Time, untilNS.Int16)
		}
		e.Flags = consent.Flags{ThirdPartyTransfer: third, CrossBorderTransfer: cross, Publication: pub}
		for _, c := range cats {
			e.Categories = append(e.Categories, purpose.Category(c))
		}
		fn(e)
	}
	return rows.Err()
}

// interner returns the store's interner (nil when a test turned it off).
func (s *Store) interner() *interner {
	if s.cfg.noIntern {
		return nil
	}
	return &s.strs
}

// interner shares equal strings. It holds at most maxInterned distinct
// ones; beyond that strings pass through unshared.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

const maxInterned = 4096

func (in *interner) get(v string) string {
	if v == "" {
		return ""
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if w, ok := in.m[v]; ok {
		return w
	}
	if in.m == nil {
		in.m = make(map[string]string)
	}
	if len(in.m) < maxInterned {
		in.m[v] = v
	}
	return v
}

var errs = sqlutil.Errs{Pkg: "pgstore", Closed: consent.ErrClosed, Unavailable: consent.ErrUnavailable}

// check fails fast on a closed store or a done context.
func (s *Store) check(ctx context.Context, op string) error {
	return errs.Check(ctx, op, s.closed.Load())
}

// wrap names what failed: the context's error when it is done, ErrClosed
// when the store was closed, ErrUnavailable otherwise.
func (s *Store) wrap(op string, ctx context.Context, err error) error {
	return errs.Wrap(ctx, op, s.closed.Load(), err)
}

// Stats describes a Store's cache, state reads and group commits; see
// [Store.Stats].
type Stats struct {
	// CacheHits and CacheMisses count the States the cache answered and
	// those it did not, since the Store was made.
	CacheHits, CacheMisses uint64
	// CacheLen is how many users' states are cached now.
	CacheLen int
	// MissReads is how many queries read the states of cache misses
	// (and of background refreshes), and MissUsers how many users they
	// read: MissUsers/MissReads users per round trip.
	MissReads, MissUsers uint64
	// Refreshes counts cached users another instance changed that were
	// queued to be read again in the background. Deltas counts the
	// refreshes that read only the rows the cached state lacked, of
	// which DeltaWhole then read the user whole after all (a row dated
	// at an instant the state holds).
	Refreshes, Deltas, DeltaWhole uint64
	// StaleHits counts the CacheHits answered, under [WithMaxStaleness],
	// with a state whose change was announced but not yet read.
	StaleHits uint64
	// Commits is how many group commits ran (transactions of Append),
	// Batches how many Appends' batches they carried, and CommitTime
	// their total duration.
	Commits, Batches uint64
	CommitTime       time.Duration
	// CommitRoundTrips counts the group commits' exchanges with the
	// database (a pool acquire is not one): 1 for a commit in one round
	// trip, 3 or more for one written the careful way. Fallbacks counts
	// the commits whose one-round-trip attempt met an ID already on record
	// or repeated in the group and were written the careful way.
	CommitRoundTrips, Fallbacks uint64
	// NotifyApplied counts the cached users this instance brought
	// forward from another instance's notified events (see
	// [WithNotifyEvents]) without reading the database; NotifyBad the
	// notifications of events it could not read (ignored: their tags
	// told of the change).
	NotifyApplied, NotifyBad uint64
	// HeadsRefused counts transaction heads whose MAC did not check
	// (forged, or every one when the listener's connection sees another
	// server or other tables than the writers': their events are then
	// ignored and tokens read from the database).
	HeadsRefused uint64
	// NotifyBatched reports whether the store has seen the fleet
	// finalized ([FinalizeNotifyUpgrade]) and sends batched
	// notifications.
	NotifyBatched bool
}

// Stats returns the store's figures since it was made, for monitoring
// and benchmarks.
func (s *Store) Stats() Stats {
	h, m, n := s.cache.Stats()
	r, u := s.misses.stats()
	return Stats{CacheHits: h, CacheMisses: m, CacheLen: n, MissReads: r, MissUsers: u, Refreshes: s.refreshes.Load(),
		Deltas: s.deltas.Load(), DeltaWhole: s.deltaWhole.Load(), StaleHits: s.cache.StaleHits(),
		Commits: s.commits.Load(), Batches: s.commitBatches.Load(), CommitTime: time.Duration(s.commitNanos.Load()),
		CommitRoundTrips: s.commitRTs.Load(), Fallbacks: s.fallbacks.Load(), NotifyBatched: s.batched.Load(),
		NotifyApplied: s.notifyApplied.Load(), NotifyBad: s.notifyBad.n.Load(), HeadsRefused: s.headsRefused.n.Load()}
}

// categoriesLiteral writes cs as a PostgreSQL array literal, each element
// quoted, so that a batch's lists travel as one text[] parameter (unnest
// of a two-dimensional array would flatten them).
func categoriesLiteral(cs []purpose.Category) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range cs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range string(c) {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// DropCached drops user's cached state from this instance, so that its
// memory holds nothing of the user; the next State reads the log. A
// consent.KeyedStore calls it from Forget ([consent.CacheDropper]).
func (s *Store) DropCached(user string) { s.cache.Invalidate(user) }
