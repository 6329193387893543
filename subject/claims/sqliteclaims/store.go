package sqliteclaims

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
	"github.com/yasam/privacy/subject/claims"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned by [Open] for a database whose schema was
// written by a newer version of this package; upgrade the library rather
// than let old code write to it.
var ErrSchemaTooNew = errors.New("sqliteclaims: database schema is newer than this code knows")

// Option configures a [Store]; see [Open].
type Option func(*config)

type config struct {
	busyTimeout time.Duration
	readConns   int
}

// WithBusyTimeout sets how long a connection waits for a lock held by
// another connection or process before it fails (default 5s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithReadConns sets the size of the read pool (default: GOMAXPROCS, at
// least 4). Writes always go through one writer connection.
func WithReadConns(n int) Option { return func(c *config) { c.readConns = n } }

// Store is a [claims.Store] in a SQLite file. It is safe for concurrent
// use by multiple goroutines. Create it with [Open]; the zero value is not
// usable.
type Store struct {
	w *sql.DB // one connection: SQLite has one writer anyway
	r *sql.DB // a pool of query-only connections

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ claims.Store = (*Store)(nil)

// Open opens (creating if needed) the SQLite database at path, a plain file
// name, and brings its schema up to date. The file is put in WAL mode with
// synchronous=FULL, so a write that returned nil survives a crash or a
// power cut.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{busyTimeout: 5 * time.Second, readConns: max(4, runtime.GOMAXPROCS(0))}
	for _, o := range opts {
		o(&cfg)
	}
	db, err := sqlutil.OpenSQLite(ctx, path, sqlutil.SQLiteConfig{
		BusyTimeout:  cfg.busyTimeout,
		ReadConns:    cfg.readConns,
		Migrations:   migrationFS,
		Dir:          "migrations",
		VersionTable: "claims_schema_version",
		SchemaTooNew: ErrSchemaTooNew,
	}, errs)
	if err != nil {
		return nil, err
	}
	return &Store{w: db.W, r: db.R}, nil
}

// Close closes the database. Calls after Close return an error wrapping
// [claims.ErrClosed]. Close is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		var errs []error
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

const columns = `id, subject, channel, topic, text_ref, received_us, received_ns, due_us, due_ns,
	status, answered_us, answered_ns, answer_ref, withdrawn_us, withdrawn_ns, escalated_us, escalated_ns`

// Insert implements [claims.Store]: the claim is on disk when Insert
// returns nil.
func (s *Store) Insert(ctx context.Context, c claims.Claim) error {
	const op = "insert"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("sqliteclaims: %s: %w", op, err)
	}
	recUS, recNS := sqlutil.SplitTime(c.Received)
	dueUS, dueNS := sqlutil.SplitTime(c.Due)
	ansUS, ansNS := nullTime(c.Answered)
	wdUS, wdNS := nullTime(c.Withdrawn)
	escUS, escNS := nullTime(c.Escalated)
	now := time.Now().UnixMicro()
	res, err := s.w.ExecContext(ctx, `INSERT INTO claims (`+columns+`, filed_us, updated_us)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		c.ID, c.Subject, string(c.Channel), string(c.Topic), c.TextRef,
		recUS.UnixMicro(), recNS, dueUS.UnixMicro(), dueNS,
		string(c.Status), ansUS, ansNS, c.AnswerRef, wdUS, wdNS, escUS, escNS, now, now)
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	if n == 0 {
		return fmt.Errorf("sqliteclaims: %s: %w: id %q is taken", op, claims.ErrConflict, clip.String(c.ID, maxQuote))
	}
	return nil
}

// Update implements [claims.Store]: the check of the status and the write
// are one transaction under SQLite's write lock, so no other writer, in
// this process or another, comes in between.
func (s *Store) Update(ctx context.Context, c claims.Claim, prev claims.Status) error {
	const op = "update"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	defer tx.Rollback()
	old, err := scanClaim(tx.QueryRowContext(ctx, "SELECT "+columns+" FROM claims WHERE id = ?", c.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqliteclaims: %s: %w: %q", op, claims.ErrNotFound, clip.String(c.ID, maxQuote))
	}
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	if old.Status != prev {
		return fmt.Errorf("sqliteclaims: %s: %w: claim %q is %s, not %s", op, claims.ErrConflict, clip.String(c.ID, maxQuote), old.Status, prev)
	}
	// Only the status columns change: what was filed is fixed.
	old.Status, old.Answered, old.AnswerRef, old.Withdrawn, old.Escalated = c.Status, c.Answered, c.AnswerRef, c.Withdrawn, c.Escalated
	if err := old.Validate(); err != nil {
		return fmt.Errorf("sqliteclaims: %s: %w", op, err)
	}
	ansUS, ansNS := nullTime(old.Answered)
	wdUS, wdNS := nullTime(old.Withdrawn)
	escUS, escNS := nullTime(old.Escalated)
	res, err := tx.ExecContext(ctx, `UPDATE claims SET status = ?, answered_us = ?, answered_ns = ?, answer_ref = ?,
		withdrawn_us = ?, withdrawn_ns = ?, escalated_us = ?, escalated_ns = ?, updated_us = ?
		WHERE id = ? AND status = ?`,
		string(old.Status), ansUS, ansNS, old.AnswerRef, wdUS, wdNS, escUS, escNS, time.Now().UnixMicro(),
		c.ID, string(prev))
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.wrap(ctx, op, err)
	} else if n != 1 {
		return fmt.Errorf("sqliteclaims: %s: %w: claim %q changed", op, claims.ErrConflict, clip.String(c.ID, maxQuote))
	}
	if err := tx.Commit(); err != nil {
		return s.wrap(ctx, op, err)
	}
	return nil
}

// Get implements [claims.Store].
func (s *Store) Get(ctx context.Context, id string) (claims.Claim, error) {
	const op = "get"
	if err := s.check(ctx, op); err != nil {
		return claims.Claim{}, err
	}
	c, err := scanClaim(s.r.QueryRowContext(ctx, "SELECT "+columns+" FROM claims WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return claims.Claim{}, fmt.Errorf("sqliteclaims: %s: %w: %q", op, claims.ErrNotFound, clip.String(id, maxQuote))
	}
	if err != nil {
		return claims.Claim{}, s.wrap(ctx, op, err)
	}
	return c, nil
}

// BySubject implements [claims.Store], through index claims_subject.
func (s *Store) BySubject(ctx context.Context, subject string) ([]claims.Claim, error) {
	return s.query(ctx, "by subject", "SELECT "+columns+
		" FROM claims WHERE subject = ? ORDER BY received_us, received_ns, id", subject)
}

// Pending implements [claims.Store], through the partial index
// claims_pending_due, which holds only the claims awaiting an answer.
func (s *Store) Pending(ctx context.Context, t time.Time) ([]claims.Claim, error) {
	us, ns := sqlutil.SplitTime(t)
	return s.query(ctx, "pending", "SELECT "+columns+
		" FROM claims WHERE status = 'received' AND (due_us < ?1 OR (due_us = ?1 AND due_ns < ?2))"+
		" ORDER BY due_us, due_ns, id", us.UnixMicro(), ns)
}

func (s *Store) query(ctx context.Context, op, q string, args ...any) ([]claims.Claim, error) {
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	out, err := sqlutil.QueryAll(ctx, s.r, scanClaim, q, args...)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}

func scanClaim(row sqlutil.Scanner) (claims.Claim, error) {
	var (
		c                      claims.Claim
		channel, topic, status string
		recUS, dueUS           int64
		recNS, dueNS           int16
		ansUS, wdUS, escUS     sql.Null[int64]
		ansNS, wdNS, escNS     sql.Null[int16]
	)
	if err := row.Scan(&c.ID, &c.Subject, &channel, &topic, &c.TextRef, &recUS, &recNS, &dueUS, &dueNS,
		&status, &ansUS, &ansNS, &c.AnswerRef, &wdUS, &wdNS, &escUS, &escNS); err != nil {
		return claims.Claim{}, err
	}
	c.Channel, c.Topic, c.Status = claims.Channel(channel), claims.Topic(topic), claims.Status(status)
	c.Received = sqlutil.JoinTime(time.UnixMicro(recUS), recNS)
	c.Due = sqlutil.JoinTime(time.UnixMicro(dueUS), dueNS)
	c.Answered = joinNull(ansUS, ansNS)
	c.Withdrawn = joinNull(wdUS, wdNS)
	c.Escalated = joinNull(escUS, escNS)
	return c, nil
}

// nullTime splits t as [sqlutil.SplitTime] does, NULL for the zero time.
// Both halves are int64: a driver.Valuer must return a driver.Value.
func nullTime(t time.Time) (sql.Null[int64], sql.Null[int64]) {
	if t.IsZero() {
		return sql.Null[int64]{}, sql.Null[int64]{}
	}
	us, ns := sqlutil.SplitTime(t)
	return sql.Null[int64]{V: us.UnixMicro(), Valid: true}, sql.Null[int64]{V: int64(ns), Valid: true}
}

func joinNull(us sql.Null[int64], ns sql.Null[int16]) time.Time {
	if !us.Valid {
		return time.Time{}
	}
	return sqlutil.JoinTime(time.UnixMicro(us.V), ns.V)
}

var errs = sqlutil.Errs{Pkg: "sqliteclaims", Closed: claims.ErrClosed, Unavailable: claims.ErrUnavailable}

// check fails fast on a closed store or a done context.
func (s *Store) check(ctx context.Context, op string) error {
	return errs.Check(ctx, op, s.closed.Load())
}

// wrap names what made op fail: [claims.ErrClosed] when the store was
// closed under the call, the context's error when it is done (or the
// driver reports one), [claims.ErrUnavailable] otherwise.
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	return errs.Wrap(ctx, op, s.closed.Load(), err)
}

func unavailable(op string, err error) error { return errs.Wrapped(op, err) }

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64
