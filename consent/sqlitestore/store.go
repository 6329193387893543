package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/internal/statecache"
	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/purpose"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned by [Open] for a database whose schema was
// written by a newer version of this package; upgrade the library rather
// than let old code write to it.
var ErrSchemaTooNew = errors.New("sqlitestore: database schema is newer than this code knows")

// Option configures a [Store]; see [Open].
type Option func(*config)

type config struct {
	cacheSize   int
	busyTimeout time.Duration
	readConns   int
	soleWriter  bool
}

// WithCacheSize bounds the number of users whose [consent.State] is kept in
// memory (default 4096). Zero or less disables the cache: every State reads
// the log.
func WithCacheSize(n int) Option { return func(c *config) { c.cacheSize = n } }

// WithSoleWriter promises that no other Store, in this process or another,
// appends to the file. A warm [Store.State] then skips the query that
// looks for others' appends and costs no database access at all (about
// 0.1 µs instead of 10 µs). Break the promise and State may serve a state
// that misses another writer's events, a withdrawal among them, until the
// entry leaves the cache: use it only for a single instance that owns its
// file.
func WithSoleWriter() Option { return func(c *config) { c.soleWriter = true } }

// WithBusyTimeout sets how long a connection waits for a lock held by
// another connection or process before it fails (default 5s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithReadConns sets the size of the read pool (default: GOMAXPROCS, at
// least 4). Appends always go through one writer connection.
func WithReadConns(n int) Option { return func(c *config) { c.readConns = n } }

// Store is a [consent.Store] in a SQLite file. It is safe for concurrent
// use by multiple goroutines. Create it with [Open]; the zero value is not
// usable.
type Store struct {
	w      *sql.DB // one connection: SQLite has one writer anyway
	r      *sql.DB // a pool of query-only connections
	insert *sql.Stmt
	byID   *sql.Stmt
	cache  *statecache.Cache
	// sole: no other writer appends to the file (WithSoleWriter), so
	// this Store's own invalidations keep the cache right.
	sole bool

	// checked is the highest seq whose subject's cache entries have been
	// invalidated: anything committed up to it, by this process or any
	// other, is reflected by the cache. probeMu serializes catching up.
	checked atomic.Int64
	probeMu sync.Mutex

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ consent.Store = (*Store)(nil)

// Open opens (creating if needed) the SQLite database at path, a plain file
// name, and brings its schema up to date. The file is put in WAL mode with
// synchronous=FULL, so an Append that returned nil survives a crash or a
// power cut.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{cacheSize: 4096, busyTimeout: 5 * time.Second, readConns: max(4, runtime.GOMAXPROCS(0))}
	for _, o := range opts {
		o(&cfg)
	}
	db, err := sqlutil.OpenSQLite(ctx, path, sqlutil.SQLiteConfig{
		BusyTimeout:  cfg.busyTimeout,
		ReadConns:    cfg.readConns,
		ForeignKeys:  true,
		Migrations:   migrationFS,
		Dir:          "migrations",
		VersionTable: "consent_schema_version",
		SchemaTooNew: ErrSchemaTooNew,
	}, errs)
	if err != nil {
		return nil, err
	}
	s := &Store{w: db.W, r: db.R, cache: statecache.New(cfg.cacheSize), sole: cfg.soleWriter}
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// init prepares what the store needs beyond the shared SQLite setup.
func (s *Store) init(ctx context.Context) error {
	var err error
	if s.insert, err = s.w.PrepareContext(ctx, insertSQL); err != nil {
		return wrap("open", ctx, err)
	}
	if s.byID, err = s.w.PrepareContext(ctx, "SELECT "+columns+" FROM consent_events WHERE id = ?"); err != nil {
		return wrap("open", ctx, err)
	}
	var seq int64
	if err := s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM consent_events").Scan(&seq); err != nil {
		return wrap("open", ctx, err)
	}
	s.checked.Store(seq)
	return nil
}

// Close closes the database. Calls after Close return an error wrapping
// [consent.ErrClosed]. Close is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		var errs []error
		for _, st := range []*sql.Stmt{s.insert, s.byID} {
			if st != nil {
				errs = append(errs, st.Close())
			}
		}
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		errs = append(errs, s.w.Close())
		if err := errors.Join(errs...); err != nil {
			s.closeErr = unavailable("close", err)
		}
	})
	return s.closeErr
}

const columns = `id, subject, action, purpose, recipient, policy_version, at_us, at_ns,
	channel, evidence, until_us, until_ns, third_party_transfer, cross_border_transfer, publication`

const insertSQL = `INSERT INTO consent_events (` + columns + `, recorded_us)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO NOTHING`

// Append implements [consent.Store]: the batch is written in one
// transaction, all or nothing, and is on disk when Append returns nil.
func (s *Store) Append(ctx context.Context, events ...consent.Event) error {
	if err := s.check(ctx, "append"); err != nil {
		return err
	}
	if err := consent.ValidateBatch(events); err != nil {
		return fmt.Errorf("sqlitestore: append: %w", err)
	}
	if len(events) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("append", ctx, err)
	}
	defer tx.Rollback()
	ins := tx.StmtContext(ctx, s.insert)
	now := time.Now().UnixMicro()
	for _, e := range events {
		atUS, atNS := sqlutil.SplitTime(e.At)
		var untilUS, untilNS sql.Null[int64]
		if !e.Until.IsZero() {
			us, ns := sqlutil.SplitTime(e.Until)
			untilUS = sql.Null[int64]{V: us.UnixMicro(), Valid: true}
			untilNS = sql.Null[int64]{V: int64(ns), Valid: true}
		}
		res, err := ins.ExecContext(ctx, e.ID, e.Subject, string(e.Action), string(e.Scope.Purpose), e.Scope.Recipient,
			e.PolicyVersion, atUS.UnixMicro(), atNS, string(e.Channel), e.Evidence, untilUS, untilNS,
			e.Flags.ThirdPartyTransfer, e.Flags.CrossBorderTransfer, e.Flags.Publication, now)
		if err != nil {
			return s.wrap("append", ctx, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return s.wrap("append", ctx, err)
		} else if n == 1 {
			continue
		}
		// The ID is on record: a repeat is skipped, other content is a
		// conflict and the whole batch is rolled back.
		old, err := scanEvent(tx.StmtContext(ctx, s.byID).QueryRowContext(ctx, e.ID))
		if err != nil {
			return s.wrap("append", ctx, err)
		}
		if !old.Equal(e) {
			return fmt.Errorf("sqlitestore: append: %w: %s", consent.ErrConflict, e.ID)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.wrap("append", ctx, err)
	}
	// Read-your-writes without waiting for the next probe.
	subjects := make([]string, 0, len(events))
	for _, e := range events {
		subjects = append(subjects, e.Subject)
	}
	s.cache.Invalidate(subjects...)
	return nil
}

// State implements [consent.Store]. A warm state comes from the cache after
// one cheap query that tells whether anything was appended since, by this
// Store or by any other process writing the file.
func (s *Store) State(ctx context.Context, user string) (consent.State, error) {
	if err := s.check(ctx, "state"); err != nil {
		return consent.State{}, err
	}
	if s.cache != nil {
		if !s.sole {
			if err := s.catchUp(ctx); err != nil {
				return consent.State{}, err
			}
		}
		if st, ok := s.cache.Get(user); ok {
			return st, nil
		}
	}
	t := s.cache.Begin(user, "")
	events, err := s.history(ctx, "state", user)
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

// catchUp invalidates the cached states of every subject with events
// appended since the last check, whoever appended them. seq only grows,
// and SQLite's single write lock makes rows commit in seq order, so the
// highest seq is a complete watermark.
func (s *Store) catchUp(ctx context.Context) error {
	var seq int64
	if err := s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM consent_events").Scan(&seq); err != nil {
		return s.wrap("state", ctx, err)
	}
	if seq <= s.checked.Load() {
		return nil
	}
	s.probeMu.Lock()
	defer s.probeMu.Unlock()
	from := s.checked.Load()
	if seq <= from {
		return nil
	}
	subjects, err := sqlutil.QueryAll(ctx, s.r, func(r sqlutil.Scanner) (subj string, err error) {
		err = r.Scan(&subj)
		return subj, err
	}, "SELECT DISTINCT subject FROM consent_events WHERE seq > ? AND seq <= ?", from, seq)
	if err != nil {
		return s.wrap("state", ctx, err)
	}
	s.cache.Invalidate(subjects...)
	s.checked.Store(seq)
	return nil
}

// History implements [consent.Store].
func (s *Store) History(ctx context.Context, user string) ([]consent.Event, error) {
	if err := s.check(ctx, "history"); err != nil {
		return nil, err
	}
	return s.history(ctx, "history", user)
}

func (s *Store) history(ctx context.Context, op, user string) ([]consent.Event, error) {
	out, err := sqlutil.QueryAll(ctx, s.r, scanEvent, "SELECT "+columns+
		" FROM consent_events WHERE subject = ? ORDER BY at_us, at_ns, seq", user)
	if err != nil {
		return nil, s.wrap(op, ctx, err)
	}
	return out, nil
}

func scanEvent(row sqlutil.Scanner) (consent.Event, error) {
	var (
		e                     consent.Event
		action, purp, channel string
		atUS                  int64
		atNS                  int16
		untilUS               sql.Null[int64]
		untilNS               sql.Null[int16]
		third, cross, pub     bool
	)
	if err := row.Scan(&e.ID, &e.Subject, &action, &purp, &e.Scope.Recipient, &e.PolicyVersion, &atUS, &atNS,
		&channel, &e.Evidence, &untilUS, &untilNS, &third, &cross, &pub); err != nil {
		return consent.Event{}, err
	}
	e.Action = consent.Action(action)
	e.Scope.Purpose = purpose.ID(purp)
	e.Channel = consent.Channel(channel)
	e.At = sqlutil.JoinTime(time.UnixMicro(atUS), atNS)
	if untilUS.Valid {
		e.Until = sqlutil.JoinTime(time.UnixMicro(untilUS.V), untilNS.V)
	}
	e.Flags = consent.Flags{ThirdPartyTransfer: third, CrossBorderTransfer: cross, Publication: pub}
	return e, nil
}

var errs = sqlutil.Errs{Pkg: "sqlitestore", Closed: consent.ErrClosed, Unavailable: consent.ErrUnavailable}

// check fails fast on a closed store or a done context, before touching
// the database.
func (s *Store) check(ctx context.Context, op string) error {
	return errs.Check(ctx, op, s.closed.Load())
}

// wrap names what failed: the context's error when it is done, ErrClosed
// when the store was closed under the call, ErrUnavailable otherwise.
func (s *Store) wrap(op string, ctx context.Context, err error) error {
	return errs.Wrap(ctx, op, s.closed.Load(), err)
}

func wrap(op string, ctx context.Context, err error) error {
	return errs.Wrap(ctx, op, false, err)
}

func unavailable(op string, err error) error { return errs.Wrapped(op, err) }
