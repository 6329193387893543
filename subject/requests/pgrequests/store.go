package pgrequests

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/subject/internal/pgreg"
	"github.com/yasam/privacy/subject/internal/regval"
	"github.com/yasam/privacy/subject/requests"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// SchemaVersion is the version of the "requests" component this code
// needs.
const SchemaVersion = 1

// Component names the schema's row in privacy_schema.
const Component = "requests"

// ErrSchemaBehind: the database's requests schema is missing or older
// than [SchemaVersion].
var ErrSchemaBehind = errors.New("pgrequests: database schema is behind this code: run Migrate or apply migrations/")

// Migrations returns the schema files: golang-migrate file naming; each
// file also runs alone with psql.
func Migrations() fs.FS { return pgreg.Sub(migrationFS, "pgrequests") }

// Option configures [New] and [Migrate].
type Option func(*config)

type config = pgreg.Config

// WithSchema names the schema of the tables (default: the current
// schema).
func WithSchema(name string) Option { return func(c *config) { c.Schema = name } }

// WithMigrate makes [New] apply the schema files first; without it New
// runs no DDL.
func WithMigrate() Option { return func(c *config) { c.Migrate = true } }

// Migrate applies [Migrations] in order, each in a transaction under an
// advisory lock, in the configured schema.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	return pgreg.Migrate(ctx, pool, spec(), pgreg.Configure(opts))
}

// Store is a [requests.Store] in PostgreSQL, safe for concurrent use by
// multiple goroutines and processes. Create it with [New].
//
// Privileges: USAGE on the schema; SELECT, INSERT, UPDATE on requests;
// SELECT on privacy_schema.
type Store struct {
	db *pgreg.DB
}

var (
	_ requests.Store     = (*Store)(nil)
	_ requests.Forgetter = (*Store)(nil)
)

// New returns a store on pool, after checking the schema is at
// [SchemaVersion] ([ErrSchemaBehind] if not). No DDL runs unless
// [WithMigrate] is given.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	db, err := pgreg.Open(ctx, pool, spec(), pgreg.Configure(opts))
	if err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

func spec() pgreg.Spec {
	return pgreg.Spec{Errs: errs, Component: Component, Files: Migrations(), Version: SchemaVersion, Behind: ErrSchemaBehind}
}

// Close makes later calls fail with [requests.ErrClosed]; the pool stays
// open.
func (s *Store) Close() error {
	return s.db.Close()
}

const columns = `id, subject, kind, channel, text_ref, received, received_ns, due, due_ns,
	status, closed, closed_ns, answer_ref, reason`

// Insert implements [requests.Store].
func (s *Store) Insert(ctx context.Context, r requests.Request) error {
	const op = "insert"
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("pgrequests: %s: %w", op, err)
	}
	rec, recNS := sqlutil.SplitTime(r.Received)
	due, dueNS := sqlutil.SplitTime(r.Due)
	cl, clNS := pgreg.NullTime(r.Closed)
	tag, err := s.db.Pool.Exec(ctx, `INSERT INTO requests (`+columns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING`,
		r.ID, r.Subject, string(r.Kind), string(r.Channel), r.TextRef, rec, recNS, due, dueNS,
		string(r.Status), cl, clNS, r.AnswerRef, string(r.Reason))
	if err != nil {
		return s.db.Wrap(ctx, op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgrequests: %s: %w: id %q is taken", op, requests.ErrConflict, clip.String(r.ID, maxQuote))
	}
	return nil
}

// Update implements [requests.Store]: the row is locked, its status
// compared with prev and the status columns rewritten in one transaction.
func (s *Store) Update(ctx context.Context, r requests.Request, prev requests.Status) error {
	const op = "update"
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	return s.db.Tx(ctx, op, func(tx pgx.Tx) error {
		old, err := pgreg.One(ctx, s.db, op, tx, scan, requests.ErrNotFound, "SELECT "+columns+" FROM requests WHERE id = $1 FOR UPDATE", r.ID)
		if err != nil {
			return err
		}
		if old.Status != prev {
			return fmt.Errorf("pgrequests: %s: %w: request %q is %s, not %s", op, requests.ErrConflict, clip.String(r.ID, maxQuote), old.Status, prev)
		}
		old.Status, old.Closed, old.AnswerRef, old.Reason = r.Status, r.Closed, r.AnswerRef, r.Reason
		if err := old.Validate(); err != nil {
			return fmt.Errorf("pgrequests: %s: %w", op, err)
		}
		cl, clNS := pgreg.NullTime(old.Closed)
		if _, err := tx.Exec(ctx, `UPDATE requests SET status = $1, closed = $2, closed_ns = $3, answer_ref = $4,
			reason = $5, updated_at = now() WHERE id = $6`,
			string(old.Status), cl, clNS, old.AnswerRef, string(old.Reason), r.ID); err != nil {
			return s.db.Wrap(ctx, op, err)
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
	return pgreg.One(ctx, s.db, op, s.db.Pool, scan, requests.ErrNotFound, "SELECT "+columns+" FROM requests WHERE id = $1", id)
}

// BySubject implements [requests.Store].
func (s *Store) BySubject(ctx context.Context, subject string) ([]requests.Request, error) {
	if !pgreg.Storable(subject) {
		return nil, s.db.Check(ctx, "by subject")
	}
	return s.query(ctx, "by subject", s.db.Pool, "SELECT "+columns+
		" FROM requests WHERE subject = $1 ORDER BY received, received_ns, id", subject)
}

// Pending implements [requests.Store].
func (s *Store) Pending(ctx context.Context, t time.Time) ([]requests.Request, error) {
	us, ns := sqlutil.SplitTime(regval.Clamp(t))
	return s.query(ctx, "pending", s.db.Pool, "SELECT "+columns+
		" FROM requests WHERE status = 'received' AND (due < $1 OR (due = $1 AND due_ns < $2))"+
		" ORDER BY due, due_ns, id", us, ns)
}

func (s *Store) query(ctx context.Context, op string, q pgreg.Querier, sql string, args ...any) ([]requests.Request, error) {
	return pgreg.Query(ctx, s.db, op, q, scan, sql, args...)
}

// Forget implements [requests.Forgetter] in one transaction that locks
// the subject's rows. Old row versions stay until VACUUM: run it after
// erasures (the DML-only role cannot).
func (s *Store) Forget(ctx context.Context, subject string) (int, error) {
	const op = "forget"
	if err := s.db.Check(ctx, op); err != nil || !pgreg.Storable(subject) {
		return 0, err // nothing of a subject text cannot hold is on record
	}
	return pgreg.InTx(ctx, s.db, op, func(tx pgx.Tx) (int, error) {
		rs, err := s.query(ctx, op, tx, "SELECT "+columns+" FROM requests WHERE subject = $1 ORDER BY id FOR UPDATE", subject)
		if err != nil {
			return 0, err
		}
		for _, r := range rs {
			if r.Status.Open() {
				return 0, fmt.Errorf("pgrequests: %s: %w: request %q awaits its answer", op, requests.ErrRetained, clip.String(r.ID, maxQuote))
			}
		}
		for _, r := range rs {
			e := requests.Erase(r)
			if _, err := tx.Exec(ctx, `UPDATE requests SET subject = $1, text_ref = $2, answer_ref = $3, updated_at = now() WHERE id = $4`,
				e.Subject, e.TextRef, e.AnswerRef, r.ID); err != nil {
				return 0, s.db.Wrap(ctx, op, err)
			}
		}
		return len(rs), nil
	})
}

func scan(row pgx.Row) (requests.Request, error) {
	var (
		r                             requests.Request
		kind, channel, status, reason string
		rec, due                      time.Time
		recNS, dueNS                  int16
		cl                            *time.Time
		clNS                          *int16
	)
	if err := row.Scan(&r.ID, &r.Subject, &kind, &channel, &r.TextRef, &rec, &recNS, &due, &dueNS,
		&status, &cl, &clNS, &r.AnswerRef, &reason); err != nil {
		return requests.Request{}, err
	}
	r.Kind, r.Channel, r.Status, r.Reason = requests.Kind(kind), requests.Channel(channel), requests.Status(status), requests.Reason(reason)
	r.Received = sqlutil.JoinTime(rec, recNS)
	r.Due = sqlutil.JoinTime(due, dueNS)
	r.Closed = pgreg.JoinNull(cl, clNS)
	return r, nil
}

var errs = sqlutil.Errs{Pkg: "pgrequests", Closed: requests.ErrClosed, Unavailable: requests.ErrUnavailable}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64
