package sqliteclaims

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
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/internal/regval"
	"github.com/yasam/privacy/subject/internal/sqlitereg"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned by [Open] for a database whose schema was
// written by a newer version of this package; upgrade the library rather
// than let old code write to it.
var ErrSchemaTooNew = errors.New("sqliteclaims: database schema is newer than this code knows")

// ErrNotScrubbed is returned by [Store.Forget] when the erasure was
// committed but the old pages could not be dropped from the write-ahead
// log, because another connection (another process, a backup) was reading
// an older snapshot: the file on disk may still hold the subject. The
// error also matches claims.ErrUnavailable. Call Forget again once the
// reader is done: it erases nothing more and finishes the scrub.
var ErrNotScrubbed = errors.New("sqliteclaims: erased in the database, still in the write-ahead log; retry")

// Option configures a [Store]; see [Open].
type Option func(*config)

type config = sqlitereg.Config

// WithBusyTimeout sets how long a connection waits for a lock held by
// another connection or process before it fails (default 5s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.BusyTimeout = d } }

// WithReadConns sets the size of the read pool (default: GOMAXPROCS, at
// least 4). Writes always go through one writer connection.
func WithReadConns(n int) Option { return func(c *config) { c.ReadConns = n } }

// Store is a [claims.Store] in a SQLite file. It is safe for concurrent
// use by multiple goroutines. Create it with [Open]; the zero value is not
// usable.
type Store struct {
	db *sqlitereg.DB
}

var _ claims.Store = (*Store)(nil)

// Open opens (creating if needed) the SQLite database at path, a plain file
// name, and brings its schema up to date. The file is put in WAL mode with
// synchronous=FULL, so a write that returned nil survives a crash or a
// power cut.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	db, err := sqlitereg.Open(ctx, path, sqlitereg.Spec{
		Errs:         errs,
		Migrations:   migrationFS,
		VersionTable: "claims_schema_version",
		SchemaTooNew: ErrSchemaTooNew,
		NotScrubbed:  ErrNotScrubbed,
	}, sqlitereg.Configure(opts))
	if err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// Close closes the database. Calls after Close return an error wrapping
// [claims.ErrClosed]. Close is safe to call more than once.
func (s *Store) Close() error {
	return s.db.Close()
}

const columns = `id, subject, channel, topic, text_ref, received_us, received_ns, due_us, due_ns,
	status, answered_us, answered_ns, answer_ref, withdrawn_us, withdrawn_ns, escalated_us, escalated_ns`

// Insert implements [claims.Store]: the claim is on disk when Insert
// returns nil.
func (s *Store) Insert(ctx context.Context, c claims.Claim) error {
	const op = "insert"
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("sqliteclaims: %s: %w", op, err)
	}
	recUS, recNS := sqlutil.SplitTime(c.Received)
	dueUS, dueNS := sqlutil.SplitTime(c.Due)
	ansUS, ansNS := sqlitereg.NullTime(c.Answered)
	wdUS, wdNS := sqlitereg.NullTime(c.Withdrawn)
	escUS, escNS := sqlitereg.NullTime(c.Escalated)
	now := time.Now().UnixMicro()
	res, err := s.db.W.ExecContext(ctx, `INSERT INTO claims (`+columns+`, filed_us, updated_us)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		c.ID, c.Subject, string(c.Channel), string(c.Topic), c.TextRef,
		recUS.UnixMicro(), recNS, dueUS.UnixMicro(), dueNS,
		string(c.Status), ansUS, ansNS, c.AnswerRef, wdUS, wdNS, escUS, escNS, now, now)
	if err != nil {
		return s.db.Wrap(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.db.Wrap(ctx, op, err)
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
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	return s.db.Tx(ctx, op, func(tx *sql.Tx) error {
		old, err := sqlitereg.One(ctx, s.db, op, tx, scanClaim, claims.ErrNotFound, "SELECT "+columns+" FROM claims WHERE id = ?", c.ID)
		if err != nil {
			return err
		}
		if old.Status != prev {
			return fmt.Errorf("sqliteclaims: %s: %w: claim %q is %s, not %s", op, claims.ErrConflict, clip.String(c.ID, maxQuote), old.Status, prev)
		}
		// Only the status columns change: what was filed is fixed.
		old.Status, old.Answered, old.AnswerRef, old.Withdrawn, old.Escalated = c.Status, c.Answered, c.AnswerRef, c.Withdrawn, c.Escalated
		if err := old.Validate(); err != nil {
			return fmt.Errorf("sqliteclaims: %s: %w", op, err)
		}
		ansUS, ansNS := sqlitereg.NullTime(old.Answered)
		wdUS, wdNS := sqlitereg.NullTime(old.Withdrawn)
		escUS, escNS := sqlitereg.NullTime(old.Escalated)
		res, err := tx.ExecContext(ctx, `UPDATE claims SET status = ?, answered_us = ?, answered_ns = ?, answer_ref = ?,
			withdrawn_us = ?, withdrawn_ns = ?, escalated_us = ?, escalated_ns = ?, updated_us = ?
			WHERE id = ? AND status = ?`,
			string(old.Status), ansUS, ansNS, old.AnswerRef, wdUS, wdNS, escUS, escNS, time.Now().UnixMicro(),
			c.ID, string(prev))
		if err != nil {
			return s.db.Wrap(ctx, op, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return s.db.Wrap(ctx, op, err)
		} else if n != 1 {
			return fmt.Errorf("sqliteclaims: %s: %w: claim %q changed", op, claims.ErrConflict, clip.String(c.ID, maxQuote))
		}
		return nil
	})
}

// Get implements [claims.Store].
func (s *Store) Get(ctx context.Context, id string) (claims.Claim, error) {
	const op = "get"
	if err := s.db.Check(ctx, op); err != nil {
		return claims.Claim{}, err
	}
	return sqlitereg.One(ctx, s.db, op, s.db.R, scanClaim, claims.ErrNotFound, "SELECT "+columns+" FROM claims WHERE id = ?", id)
}

// BySubject implements [claims.Store], through index claims_subject.
func (s *Store) BySubject(ctx context.Context, subject string) ([]claims.Claim, error) {
	return s.query(ctx, "by subject", "SELECT "+columns+
		" FROM claims WHERE subject = ? ORDER BY received_us, received_ns, id", subject)
}

// Pending implements [claims.Store], through the partial index
// claims_pending_due, which holds only the claims awaiting an answer.
func (s *Store) Pending(ctx context.Context, t time.Time) ([]claims.Claim, error) {
	us, ns := sqlutil.SplitTime(regval.Clamp(t))
	return s.query(ctx, "pending", "SELECT "+columns+
		" FROM claims WHERE status = 'received' AND (due_us < ?1 OR (due_us = ?1 AND due_ns < ?2))"+
		" ORDER BY due_us, due_ns, id", us.UnixMicro(), ns)
}

func (s *Store) query(ctx context.Context, op, q string, args ...any) ([]claims.Claim, error) {
	return sqlitereg.Query(ctx, s.db, op, scanClaim, q, args...)
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
	c.Answered = sqlitereg.JoinNull(ansUS, ansNS)
	c.Withdrawn = sqlitereg.JoinNull(wdUS, wdNS)
	c.Escalated = sqlitereg.JoinNull(escUS, escNS)
	return c, nil
}

var errs = sqlutil.Errs{Pkg: "sqliteclaims", Closed: claims.ErrClosed, Unavailable: claims.ErrUnavailable}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64
