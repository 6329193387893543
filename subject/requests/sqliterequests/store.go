package sqliterequests

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

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/subject/requests"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned by [Open] for a database written by a newer
// version of this package.
var ErrSchemaTooNew = errors.New("sqliterequests: database schema is newer than this code knows")

// Option configures a [Store]; see [Open].
type Option func(*config)

type config struct {
	busyTimeout time.Duration
	readConns   int
}

// WithBusyTimeout sets how long a connection waits for a lock (default 5s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithReadConns sets the size of the read pool (default GOMAXPROCS, at
// least 4).
func WithReadConns(n int) Option { return func(c *config) { c.readConns = n } }

// Store is a [requests.Store] in a SQLite file. It is safe for concurrent
// use by multiple goroutines and by several processes on one file.
// Create it with [Open]; the zero value is not usable.
type Store struct {
	w, r      *sql.DB
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var (
	_ requests.Store     = (*Store)(nil)
	_ requests.Forgetter = (*Store)(nil)
)

// Open opens (creating if needed) the database at path, a plain file
// name, in WAL mode with synchronous=FULL, and brings its schema up to
// date.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{busyTimeout: 5 * time.Second, readConns: max(4, runtime.GOMAXPROCS(0))}
	for _, o := range opts {
		o(&cfg)
	}
	db, err := sqlutil.OpenSQLite(ctx, path, sqlutil.SQLiteConfig{
		BusyTimeout: cfg.busyTimeout, ReadConns: cfg.readConns,
		Migrations: migrationFS, Dir: "migrations",
		VersionTable: "requests_schema_version", SchemaTooNew: ErrSchemaTooNew,
	}, errs)
	if err != nil {
		return nil, err
	}
	return &Store{w: db.W, r: db.R}, nil
}

// Close closes the database; later calls fail with [requests.ErrClosed].
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		if err := errors.Join(s.r.Close(), s.w.Close()); err != nil {
			s.closeErr = errs.Wrapped("close", err)
		}
	})
	return s.closeErr
}

const columns = `id, subject, kind, channel, text_ref, received_us, received_ns, due_us, due_ns,
	status, closed_us, closed_ns, answer_ref, reason`

// Insert implements [requests.Store].
func (s *Store) Insert(ctx context.Context, r requests.Request) error {
	const op = "insert"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("sqliterequests: %s: %w", op, err)
	}
	recUS, recNS := sqlutil.SplitTime(r.Received)
	dueUS, dueNS := sqlutil.SplitTime(r.Due)
	clUS, clNS := nullTime(r.Closed)
	now := time.Now().UnixMicro()
	res, err := s.w.ExecContext(ctx, `INSERT INTO requests (`+columns+`, filed_us, updated_us)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		r.ID, r.Subject, string(r.Kind), string(r.Channel), r.TextRef, recUS.UnixMicro(), recNS, dueUS.UnixMicro(), dueNS,
		string(r.Status), clUS, clNS, r.AnswerRef, string(r.Reason), now, now)
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.wrap(ctx, op, err)
	} else if n == 0 {
		return fmt.Errorf("sqliterequests: %s: %w: id %q is taken", op, requests.ErrConflict, clip.String(r.ID, maxQuote))
	}
	return nil
}

// Update implements [requests.Store] in one write transaction.
func (s *Store) Update(ctx context.Context, r requests.Request, prev requests.Status) error {
	const op = "update"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	defer tx.Rollback()
	old, err := scan(tx.QueryRowContext(ctx, "SELECT "+columns+" FROM requests WHERE id = ?", r.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqliterequests: %s: %w: %q", op, requests.ErrNotFound, clip.String(r.ID, maxQuote))
	}
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	if old.Status != prev {
		return fmt.Errorf("sqliterequests: %s: %w: request %q is %s, not %s", op, requests.ErrConflict, clip.String(r.ID, maxQuote), old.Status, prev)
	}
	old.Status, old.Closed, old.AnswerRef, old.Reason = r.Status, r.Closed, r.AnswerRef, r.Reason
	if err := old.Validate(); err != nil {
		return fmt.Errorf("sqliterequests: %s: %w", op, err)
	}
	clUS, clNS := nullTime(old.Closed)
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET status = ?, closed_us = ?, closed_ns = ?, answer_ref = ?,
		reason = ?, updated_us = ? WHERE id = ? AND status = ?`,
		string(old.Status), clUS, clNS, old.AnswerRef, string(old.Reason), time.Now().UnixMicro(), r.ID, string(prev)); err != nil {
		return s.wrap(ctx, op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.wrap(ctx, op, err)
	}
	return nil
}

// Get implements [requests.Store].
func (s *Store) Get(ctx context.Context, id string) (requests.Request, error) {
	const op = "get"
	if err := s.check(ctx, op); err != nil {
		return requests.Request{}, err
	}
	r, err := scan(s.r.QueryRowContext(ctx, "SELECT "+columns+" FROM requests WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return requests.Request{}, fmt.Errorf("sqliterequests: %s: %w: %q", op, requests.ErrNotFound, clip.String(id, maxQuote))
	}
	if err != nil {
		return requests.Request{}, s.wrap(ctx, op, err)
	}
	return r, nil
}

// BySubject implements [requests.Store].
func (s *Store) BySubject(ctx context.Context, subject string) ([]requests.Request, error) {
	return s.query(ctx, "by subject", "SELECT "+columns+
		" FROM requests WHERE subject = ? ORDER BY received_us, received_ns, id", subject)
}

// Pending implements [requests.Store].
func (s *Store) Pending(ctx context.Context, t time.Time) ([]requests.Request, error) {
	us, ns := sqlutil.SplitTime(t)
	return s.query(ctx, "pending", "SELECT "+columns+
		" FROM requests WHERE status = 'received' AND (due_us < ?1 OR (due_us = ?1 AND due_ns < ?2))"+
		" ORDER BY due_us, due_ns, id", us.UnixMicro(), ns)
}

func (s *Store) query(ctx context.Context, op, q string, args ...any) ([]requests.Request, error) {
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	out, err := sqlutil.QueryAll(ctx, s.r, scan, q, args...)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}

// Forget implements [requests.Forgetter] in one write transaction, with
// secure_delete on and a truncating WAL checkpoint after the commit, as
// sqliteclaims does.
func (s *Store) Forget(ctx context.Context, subject string) (int, error) {
	const op = "forget"
	if err := s.check(ctx, op); err != nil {
		return 0, err
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT "+columns+" FROM requests WHERE subject = ?", subject)
	if err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	var rs []requests.Request
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			rows.Close()
			return 0, s.wrap(ctx, op, err)
		}
		rs = append(rs, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	for _, r := range rs {
		if r.Status.Open() {
			return 0, fmt.Errorf("sqliterequests: %s: %w: request %q awaits its answer", op, requests.ErrRetained, clip.String(r.ID, maxQuote))
		}
	}
	now := time.Now().UnixMicro()
	for _, r := range rs {
		e := requests.Erase(r)
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET subject = ?, text_ref = ?, answer_ref = ?, updated_us = ? WHERE id = ?`,
			e.Subject, e.TextRef, e.AnswerRef, now, r.ID); err != nil {
			return 0, s.wrap(ctx, op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	if len(rs) > 0 {
		_, _ = conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	return len(rs), nil
}

func scan(row sqlutil.Scanner) (requests.Request, error) {
	var (
		r                             requests.Request
		kind, channel, status, reason string
		recUS, dueUS                  int64
		recNS, dueNS                  int16
		clUS                          sql.Null[int64]
		clNS                          sql.Null[int16]
	)
	if err := row.Scan(&r.ID, &r.Subject, &kind, &channel, &r.TextRef, &recUS, &recNS, &dueUS, &dueNS,
		&status, &clUS, &clNS, &r.AnswerRef, &reason); err != nil {
		return requests.Request{}, err
	}
	r.Kind, r.Channel, r.Status, r.Reason = requests.Kind(kind), requests.Channel(channel), requests.Status(status), requests.Reason(reason)
	r.Received = sqlutil.JoinTime(time.UnixMicro(recUS), recNS)
	r.Due = sqlutil.JoinTime(time.UnixMicro(dueUS), dueNS)
	if clUS.Valid {
		r.Closed = sqlutil.JoinTime(time.UnixMicro(clUS.V), clNS.V)
	}
	return r, nil
}

func nullTime(t time.Time) (sql.Null[int64], sql.Null[int64]) {
	if t.IsZero() {
		return sql.Null[int64]{}, sql.Null[int64]{}
	}
	us, ns := sqlutil.SplitTime(t)
	return sql.Null[int64]{V: us.UnixMicro(), Valid: true}, sql.Null[int64]{V: int64(ns), Valid: true}
}

var errs = sqlutil.Errs{Pkg: "sqliterequests", Closed: requests.ErrClosed, Unavailable: requests.ErrUnavailable}

func (s *Store) check(ctx context.Context, op string) error {
	return errs.Check(ctx, op, s.closed.Load())
}

func (s *Store) wrap(ctx context.Context, op string, err error) error {
	return errs.Wrap(ctx, op, s.closed.Load(), err)
}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64
