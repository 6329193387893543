package pgstore

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/internal/statecache"
	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/purpose"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned by [New] for a database whose schema was
// written by a newer version of this package; upgrade the library rather
// than let old code write to it.
var ErrSchemaTooNew = errors.New("pgstore: database schema is newer than this code knows")

// DefaultChannel is the LISTEN/NOTIFY channel stores use unless
// [WithChannel] names another.
const DefaultChannel = "privacy_consent"

// Option configures a [Store]; see [New].
type Option func(*config)

type config struct {
	channel    string
	cacheSize  int
	heartbeat  time.Duration
	logger     *slog.Logger
	minBackoff time.Duration
	maxBackoff time.Duration
}

// WithChannel sets the LISTEN/NOTIFY channel (default [DefaultChannel]).
// Every instance sharing the tables must use the same one.
func WithChannel(name string) Option { return func(c *config) { c.channel = name } }

// WithCacheSize bounds the number of users whose [consent.State] is kept in
// memory (default 4096). Zero or less disables the cache and the listener:
// every State reads the database.
func WithCacheSize(n int) Option { return func(c *config) { c.cacheSize = n } }

// WithHeartbeat sets how often an idle listener connection is checked
// (default 5s). It bounds staleness when that connection dies silently: the
// cache is bypassed once the listener has not been heard from for this
// long.
func WithHeartbeat(d time.Duration) Option { return func(c *config) { c.heartbeat = d } }

// WithLogger sets where the listener reports losing and regaining its
// connection (default: nowhere). No personal data is logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Store is a [consent.Store] in PostgreSQL, shared by every instance of a
// service. It is safe for concurrent use by multiple goroutines. Create it
// with [New]; the zero value is not usable.
type Store struct {
	pool    *pgxpool.Pool
	cfg     config
	key     []byte // HMAC key for the subject tags sent over NOTIFY
	cache   *statecache.Cache
	listenC *pgx.ConnConfig

	epoch       time.Time    // base of the monotonic lease clock
	up          atomic.Bool  // the listener is LISTENing
	leaseUntil  atomic.Int64 // ns since epoch until which the listener counts as alive
	listenerPID atomic.Uint32
	kick        chan struct{}

	cancel    context.CancelFunc
	done      chan struct{}
	closed    atomic.Bool
	closeOnce sync.Once
}

var _ consent.Store = (*Store)(nil)

// New prepares the consent tables in pool's database, in the first schema
// of its search_path, applying the embedded migrations it lacks under an
// advisory lock, so instances starting together do not race. With a cache
// (the default) it also starts a listener on a connection of its own, made
// from pool's configuration, and waits for its first attempt to LISTEN.
//
// The pool stays the caller's: [Store.Close] does not close it.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	cfg := config{
		channel: DefaultChannel, cacheSize: 4096, heartbeat: 5 * time.Second,
		minBackoff: 100 * time.Millisecond, maxBackoff: 5 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
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
	key, err := s.migrate(ctx)
	if err != nil {
		return nil, err
	}
	s.key = key
	if cfg.cacheSize <= 0 {
		close(s.done)
		s.cancel = func() {}
		return s, nil
	}
	s.cache = statecache.New(cfg.cacheSize)
	s.listenC = pool.Config().ConnConfig.Copy()
	lctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
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

// migrate brings the schema up to date in one transaction, holding an
// advisory lock keyed by the schema, and returns the notification key.
func (s *Store) migrate(ctx context.Context) ([]byte, error) {
	ms, err := sqlutil.Migrations(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, s.wrap("migrate", ctx, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(
		'github.com/yasam/privacy/consent/pgstore:' || coalesce(current_schema(), ''), 0))`); err != nil {
		return nil, s.wrap("migrate", ctx, err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS consent_schema_version (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return nil, s.wrap("migrate", ctx, err)
	}
	var have int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM consent_schema_version").Scan(&have); err != nil {
		return nil, s.wrap("migrate", ctx, err)
	}
	if have > len(ms) {
		return nil, fmt.Errorf("%w: database at version %d, this code knows up to %d", ErrSchemaTooNew, have, len(ms))
	}
	for _, m := range ms[have:] {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return nil, fmt.Errorf("pgstore: migration %s: %w", m.Name, s.wrap("migrate", ctx, err))
		}
		if _, err := tx.Exec(ctx, "INSERT INTO consent_schema_version (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
			return nil, s.wrap("migrate", ctx, err)
		}
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("pgstore: migrate: %w", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO consent_meta (name, value) VALUES ('notify_key', $1) ON CONFLICT (name) DO NOTHING", fresh); err != nil {
		return nil, s.wrap("migrate", ctx, err)
	}
	var key []byte
	if err := tx.QueryRow(ctx, "SELECT value FROM consent_meta WHERE name = 'notify_key'").Scan(&key); err != nil {
		return nil, s.wrap("migrate", ctx, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, s.wrap("migrate", ctx, err)
	}
	return key, nil
}

// Close stops the listener and waits for it. It does not close the pool.
// Calls after Close return an error wrapping [consent.ErrClosed]. Close is
// safe to call more than once.
func (s *Store) Close() {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.cancel()
		<-s.done
		s.setDown()
	})
}

// tag names a subject in notifications without revealing it: any role
// connected to the database may LISTEN, but only one that can read
// consent_meta can compute tags.
func (s *Store) tag(subject string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(subject))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

const columns = `id, subject, action, purpose, recipient, policy_version, at_time, at_ns,
	channel, evidence, until_time, until_ns, third_party_transfer, cross_border_transfer, publication`

const insertSQL = `INSERT INTO consent_events (` + columns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
	ON CONFLICT (id) DO NOTHING`

// Append implements [consent.Store]: the batch is one transaction, all or
// nothing, and the same transaction notifies every instance of the users
// it touched.
func (s *Store) Append(ctx context.Context, events ...consent.Event) error {
	if err := s.check(ctx, "append"); err != nil {
		return err
	}
	if err := consent.ValidateBatch(events); err != nil {
		return fmt.Errorf("pgstore: append: %w", err)
	}
	if len(events) == 0 {
		return nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.wrap("append", ctx, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	b := &pgx.Batch{}
	var subjects, tags []string
	seen := map[string]bool{}
	for _, e := range events {
		atT, atNS := sqlutil.SplitTime(e.At)
		var untilT pgtype.Timestamptz
		var untilNS pgtype.Int2
		if !e.Until.IsZero() {
			t, ns := sqlutil.SplitTime(e.Until)
			untilT = pgtype.Timestamptz{Time: t, Valid: true}
			untilNS = pgtype.Int2{Int16: ns, Valid: true}
		}
		b.Queue(insertSQL, e.ID, e.Subject, string(e.Action), string(e.Scope.Purpose), e.Scope.Recipient,
			e.PolicyVersion, atT, atNS, string(e.Channel), e.Evidence, untilT, untilNS,
			e.Flags.ThirdPartyTransfer, e.Flags.CrossBorderTransfer, e.Flags.Publication)
		if !seen[e.Subject] {
			seen[e.Subject] = true
			subjects = append(subjects, e.Subject)
			tags = append(tags, s.tag(e.Subject))
		}
	}
	// Delivered at commit, to every listener, in commit order; dropped on
	// rollback.
	b.Queue("SELECT pg_notify($1, t) FROM unnest($2::text[]) AS t", s.cfg.channel, tags)
	br := tx.SendBatch(ctx, b)
	var repeats []string
	for _, e := range events {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return s.wrap("append", ctx, err)
		}
		if tag.RowsAffected() == 0 {
			repeats = append(repeats, e.ID)
		}
	}
	if _, err := br.Exec(); err != nil {
		br.Close()
		return s.wrap("append", ctx, err)
	}
	if err := br.Close(); err != nil {
		return s.wrap("append", ctx, err)
	}
	if len(repeats) > 0 {
		// IDs on record: a repeat is skipped, other content is a
		// conflict and the whole batch is rolled back.
		old, err := s.query(ctx, tx, "append", "SELECT "+columns+" FROM consent_events WHERE id = ANY($1)", repeats)
		if err != nil {
			return err
		}
		byID := make(map[string]consent.Event, len(old))
		for _, e := range old {
			byID[e.ID] = e
		}
		for _, e := range events {
			if o, ok := byID[e.ID]; ok && !o.Equal(e) {
				return fmt.Errorf("pgstore: append: %w: %s", consent.ErrConflict, e.ID)
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return s.wrap("append", ctx, err)
	}
	// Read-your-writes without waiting for our own notification.
	s.cache.Invalidate(subjects...)
	return nil
}

// State implements [consent.Store]. While the listener is up, a warm state
// comes from memory with no database round trip; otherwise it is read.
func (s *Store) State(ctx context.Context, user string) (consent.State, error) {
	if err := s.check(ctx, "state"); err != nil {
		return consent.State{}, err
	}
	var t *statecache.Ticket
	if s.cache != nil && s.serving() {
		if st, ok := s.cache.Get(user); ok {
			return st, nil
		}
		t = s.cache.Begin(user, s.tag(user))
	}
	events, err := s.query(ctx, s.pool, "state", historySQL, user)
	if err != nil {
		return consent.State{}, err
	}
	// Already in log order: fold without Fold's copy and sort.
	st := consent.NewState(user)
	for _, e := range events {
		st = st.Apply(e)
	}
	s.cache.Put(t, st)
	return st, nil
}

const historySQL = "SELECT " + columns + " FROM consent_events WHERE subject = $1 ORDER BY at_time, at_ns, seq"

// History implements [consent.Store].
func (s *Store) History(ctx context.Context, user string) ([]consent.Event, error) {
	if err := s.check(ctx, "history"); err != nil {
		return nil, err
	}
	return s.query(ctx, s.pool, "history", historySQL, user)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (s *Store) query(ctx context.Context, q querier, op, sql string, args ...any) ([]consent.Event, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, s.wrap(op, ctx, err)
	}
	defer rows.Close()
	var out []consent.Event
	for rows.Next() {
		var (
			e                     consent.Event
			action, purp, channel string
			atT                   time.Time
			atNS                  int16
			untilT                pgtype.Timestamptz
			untilNS               pgtype.Int2
			third, cross, pub     bool
		)
		if err := rows.Scan(&e.ID, &e.Subject, &action, &purp, &e.Scope.Recipient, &e.PolicyVersion, &atT, &atNS,
			&channel, &e.Evidence, &untilT, &untilNS, &third, &cross, &pub); err != nil {
			return nil, s.wrap(op, ctx, err)
		}
		e.Action = consent.Action(action)
		e.Scope.Purpose = purpose.ID(purp)
		e.Channel = consent.Channel(channel)
		e.At = sqlutil.JoinTime(atT, atNS)
		if untilT.Valid {
			e.Until = sqlutil.JoinTime(untilT.Time, untilNS.Int16)
		}
		e.Flags = consent.Flags{ThirdPartyTransfer: third, CrossBorderTransfer: cross, Publication: pub}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, ctx, err)
	}
	return out, nil
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
