package sqliterequests

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/subject/internal/regval"
	"github.com/yasam/privacy/subject/internal/sqlitereg"
	"github.com/yasam/privacy/subject/requests"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned by [Open] for a database written by a newer
// version of this package.
var ErrSchemaTooNew = errors.New("sqliterequests: database schema is newer than this code knows")

// ErrNotScrubbed is returned by [Store.Forget] when the erasure was
// committed but the old pages could not be dropped from the write-ahead
// log, because another connection (another process, a backup) was reading
// an older snapshot: the file on disk may still hold the subject. The
// error also matches requests.ErrUnavailable. Call Forget again once the
// reader is done: it erases nothing more and finishes the scrub.
var ErrNotScrubbed = errors.New("sqliterequests: erased in the database, still in the write-ahead log; retry")

// Option configures a [Store]; see [Open].
type Option func(*config)

type config = sqlitereg.Config

// WithBusyTimeout sets how long a connection waits for a lock (default 5s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.BusyTimeout = d } }

// WithReadConns sets the size of the read pool (default GOMAXPROCS, at
// least 4).
func WithReadConns(n int) Option { return func(c *config) { c.ReadConns = n } }

// Store is a [requests.Store] in a SQLite file. It is safe for concurrent
// use by multiple goroutines and by several processes on one file.
// Create it with [Open]; the zero value is not usable.
type Store struct {
	db *sqlitereg.DB
}

var (
	_ requests.Store     = (*Store)(nil)
	_ requests.Forgetter = (*Store)(nil)
)

// Open opens (creating if needed) the database at path, a plain file
// name, in WAL mode with synchronous=FULL, and brings its schema up to
// date.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	db, err := sqlitereg.Open(ctx, path, sqlitereg.Spec{
		Errs:         errs,
		Migrations:   migrationFS,
		VersionTable: "requests_schema_version",
		SchemaTooNew: ErrSchemaTooNew,
		NotScrubbed:  ErrNotScrubbed,
	}, sqlitereg.Configure(opts))
	if err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// Close closes the database; later calls fail with [requests.ErrClosed].
func (s *Store) Close() error {
	return s.db.Close()
}

const columns = `id, subject, kind, channel, text_ref, received_us, received_ns, due_us, due_ns,
	status, closed_us, closed_ns, answer_ref, reason`

// Insert implements [requests.Store].
func (s *Store) Insert(ctx context.Context, r requests.Request) error {
	const op = "insert"
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("sqliterequests: %s: %w", op, err)
	}
	recUS, recNS := sqlutil.SplitTime(r.Received)
	dueUS, dueNS := sqlutil.SplitTime(r.Due)
	clUS, clNS := sqlitereg.NullTime(r.Closed)
	now := time.Now().UnixMicro()
	res, err := s.db.W.ExecContext(ctx, `INSERT INTO requests (`+columns+`, filed_us, updated_us)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		r.ID, r.Subject, string(r.Kind), string(r.Channel), r.TextRef, recUS.UnixMicro(), recNS, dueUS.UnixMicro(), dueNS,
		string(r.Status), clUS, clNS, r.AnswerRef, string(r.Reason), now, now)
	if err != nil {
		return s.db.Wrap(ctx, op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.db.Wrap(ctx, op, err)
	} else if n == 0 {
		return fmt.Errorf("sqliterequests: %s: %w: id %q is taken", op, requests.ErrConflict, clip.String(r.ID, maxQuote))
	}
	return nil
}

// Update implements [requests.Store] in one write transaction.
func (s *Store) Update(ctx context.Context, r requests.Request, prev requests.Status) error {
	const op = "update"
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	return s.db.Tx(ctx, op, func(tx *sql.Tx) error {
		old, err := sqlitereg.One(ctx, s.db, op, tx, scan, requests.ErrNotFound, "SELECT "+columns+" FROM requests WHERE id = ?", r.ID)
		if err != nil {
			return err
		}
		if old.Status != prev {
			return fmt.Errorf("sqliterequests: %s: %w: request %q is %s, not %s", op, requests.ErrConflict, clip.String(r.ID, maxQuote), old.Status, prev)
		}
		old.Status, old.Closed, old.AnswerRef, old.Reason = r.Status, r.Closed, r.AnswerRef, r.Reason
		if err := old.Validate(); err != nil {
			return fmt.Errorf("sqliterequests: %s: %w", op, err)
		}
		clUS, clNS := sqlitereg.NullTime(old.Closed)
		res, err := tx.ExecContext(ctx, `UPDATE requests SET status = ?, closed_us = ?, closed_ns = ?, answer_ref = ?,
			reason = ?, updated_us = ? WHERE id = ? AND status = ?`,
			string(old.Status), clUS, clNS, old.AnswerRef, string(old.Reason), time.Now().UnixMicro(), r.ID, string(prev))
		if err != nil {
			return s.db.Wrap(ctx, op, err)
		}
		// The read above and this write share one transaction, so the row
		// cannot have moved on; should it have all the same, the update is
		// refused rather than reported done.
		n, err := res.RowsAffected()
		if err != nil {
			return s.db.Wrap(ctx, op, err)
		}
		if n != 1 {
			return fmt.Errorf("sqliterequests: %s: %w: request %q changed during the update", op, requests.ErrConflict, clip.String(r.ID, maxQuote))
		}
		return nil
	})
}

// Get implements [requests.Store].
func (s *Store) Get(ctx context.Context, id string) (requests.Request, error) {
	const op = "get"
	if err := s.db.Check(ctx, op); err != nil {
		return requests.Request{}, err
	}
	return sqlitereg.One(ctx, s.db, op, s.db.R, scan, requests.ErrNotFound, "SELECT "+columns+" FROM requests WHERE id = ?", id)
}

// BySubject implements [requests.Store].
func (s *Store) BySubject(ctx context.Context, subject string) ([]requests.Request, error) {
	return s.query(ctx, "by subject", "SELECT "+columns+
		" FROM requests WHERE subject = ? ORDER BY received_us, received_ns, id", subject)
}

// Pending implements [requests.Store].
func (s *Store) Pending(ctx context.Context, t time.Time) ([]requests.Request, error) {
	us, ns := sqlutil.SplitTime(regval.Clamp(t))
	return s.query(ctx, "pending", "SELECT "+columns+
		" FROM requests WHERE status = 'received' AND (due_us < ?1 OR (due_us = ?1 AND due_ns < ?2))"+
		" ORDER BY due_us, due_ns, id", us.UnixMicro(), ns)
}

func (s *Store) query(ctx context.Context, op, q string, args ...any) ([]requests.Request, error) {
	return sqlitereg.Query(ctx, s.db, op, scan, q, args...)
}

// Forget implements [requests.Forgetter] in one write transaction, with
// secure_delete on and a truncating WAL checkpoint after the commit, as
// sqliteclaims does: while another connection reads an older snapshot it
// fails with [ErrNotScrubbed], and a later call finishes the scrub.
func (s *Store) Forget(ctx context.Context, subject string) (int, error) {
	const op = "forget"
	return s.db.Erase(ctx, op, func(tx *sql.Tx) (int, error) {
		rs, err := sqlitereg.QueryTx(ctx, tx, scan, "SELECT "+columns+" FROM requests WHERE subject = ?", subject)
		if err != nil {
			return 0, s.db.Wrap(ctx, op, err)
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
				return 0, s.db.Wrap(ctx, op, err)
			}
		}
		return len(rs), nil
	})
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
	r.Closed = sqlitereg.JoinNull(clUS, clNS)
	return r, nil
}

var errs = sqlutil.Errs{Pkg: "sqliterequests", Closed: requests.ErrClosed, Unavailable: requests.ErrUnavailable}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64
