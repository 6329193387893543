package pgclaims

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
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/internal/pgreg"
	"github.com/yasam/privacy/subject/internal/regval"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// SchemaVersion is the version of the "claims" component in
// privacy_schema that this code needs: the number of the last file in
// [Migrations].
const SchemaVersion = 1

// Component is the name under which the files record their version in
// privacy_schema.
const Component = "claims"

// ErrSchemaBehind: the database's claims schema is missing or older than
// [SchemaVersion]. Run [Migrate] or apply the files of [Migrations].
var ErrSchemaBehind = errors.New("pgclaims: database schema is behind this code: run Migrate or apply migrations/")

// Migrations returns the schema files: golang-migrate file naming; each
// file also runs alone with psql.
func Migrations() fs.FS { return pgreg.Sub(migrationFS, "pgclaims") }

// Option configures [New] and [Migrate].
type Option func(*config)

type config = pgreg.Config

// WithSchema names the schema the tables are in (default: the
// connection's current schema, the first of its search_path). The store's
// queries name tables unqualified, so the pool's search_path must find
// them there too.
func WithSchema(name string) Option { return func(c *config) { c.Schema = name } }

// WithMigrate makes [New] apply the schema files first, which needs the
// right to create tables, functions and triggers. Without it New runs no
// DDL.
func WithMigrate() Option { return func(c *config) { c.Migrate = true } }

// Migrate applies the files of [Migrations] in order, each in a
// transaction under an advisory lock, in the configured schema.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	return pgreg.Migrate(ctx, pool, spec(), pgreg.Configure(opts))
}

// Store is a [claims.Store] in PostgreSQL. It is safe for concurrent use
// by multiple goroutines, and by many processes on one database: a change
// of status is one UPDATE guarded by the status it was read with. Create
// it with [New]; the zero value is not usable.
//
// The privileges it needs: USAGE on the schema; SELECT, INSERT, UPDATE on
// claims; SELECT on privacy_schema. No DELETE: claims are never deleted
// (a trigger refuses it), and erasure rewrites a row instead.
type Store struct {
	db *pgreg.DB
}

var (
	_ claims.Store     = (*Store)(nil)
	_ claims.Forgetter = (*Store)(nil)
)

// New returns a store on pool. It checks that the schema is at
// [SchemaVersion] (the error wraps [ErrSchemaBehind] if not) and runs no
// DDL unless [WithMigrate] is given. The pool stays the caller's: Close
// does not close it.
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

// Close makes later calls fail with an error wrapping
// [claims.ErrClosed]. It does not close the pool.
func (s *Store) Close() error {
	return s.db.Close()
}

const columns = `id, subject, channel, topic, text_ref, received, received_ns, due, due_ns,
	status, answered, answered_ns, answer_ref, withdrawn, withdrawn_ns, escalated, escalated_ns`

// Insert implements [claims.Store].
func (s *Store) Insert(ctx context.Context, c claims.Claim) error {
	const op = "insert"
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("pgclaims: %s: %w", op, err)
	}
	rec, recNS := sqlutil.SplitTime(c.Received)
	due, dueNS := sqlutil.SplitTime(c.Due)
	ans, ansNS := pgreg.NullTime(c.Answered)
	wd, wdNS := pgreg.NullTime(c.Withdrawn)
	esc, escNS := pgreg.NullTime(c.Escalated)
	tag, err := s.db.Pool.Exec(ctx, `INSERT INTO claims (`+columns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT (id) DO NOTHING`,
		c.ID, c.Subject, string(c.Channel), string(c.Topic), c.TextRef, rec, recNS, due, dueNS,
		string(c.Status), ans, ansNS, c.AnswerRef, wd, wdNS, esc, escNS)
	if err != nil {
		return s.db.Wrap(ctx, op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgclaims: %s: %w: id %q is taken", op, claims.ErrConflict, clip.String(c.ID, maxQuote))
	}
	return nil
}

// Update implements [claims.Store]: the row is locked, its status
// compared with prev and the status columns rewritten in one transaction.
func (s *Store) Update(ctx context.Context, c claims.Claim, prev claims.Status) error {
	const op = "update"
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	return s.db.Tx(ctx, op, func(tx pgx.Tx) error {
		old, err := pgreg.One(ctx, s.db, op, tx, scanClaim, claims.ErrNotFound, "SELECT "+columns+" FROM claims WHERE id = $1 FOR UPDATE", c.ID)
		if err != nil {
			return err
		}
		if old.Status != prev {
			return fmt.Errorf("pgclaims: %s: %w: claim %q is %s, not %s", op, claims.ErrConflict, clip.String(c.ID, maxQuote), old.Status, prev)
		}
		old.Status, old.Answered, old.AnswerRef, old.Withdrawn, old.Escalated = c.Status, c.Answered, c.AnswerRef, c.Withdrawn, c.Escalated
		if err := old.Validate(); err != nil {
			return fmt.Errorf("pgclaims: %s: %w", op, err)
		}
		ans, ansNS := pgreg.NullTime(old.Answered)
		wd, wdNS := pgreg.NullTime(old.Withdrawn)
		esc, escNS := pgreg.NullTime(old.Escalated)
		if _, err := tx.Exec(ctx, `UPDATE claims SET status = $1, answered = $2, answered_ns = $3, answer_ref = $4,
			withdrawn = $5, withdrawn_ns = $6, escalated = $7, escalated_ns = $8, updated_at = now()
			WHERE id = $9`,
			string(old.Status), ans, ansNS, old.AnswerRef, wd, wdNS, esc, escNS, c.ID); err != nil {
			return s.db.Wrap(ctx, op, err)
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
	return pgreg.One(ctx, s.db, op, s.db.Pool, scanClaim, claims.ErrNotFound, "SELECT "+columns+" FROM claims WHERE id = $1", id)
}

// BySubject implements [claims.Store], through index claims_subject.
func (s *Store) BySubject(ctx context.Context, subject string) ([]claims.Claim, error) {
	if !pgreg.Storable(subject) {
		return nil, s.db.Check(ctx, "by subject")
	}
	return s.query(ctx, "by subject", "SELECT "+columns+
		" FROM claims WHERE subject = $1 ORDER BY received, received_ns, id", subject)
}

// Pending implements [claims.Store], through the partial index
// claims_pending_due.
func (s *Store) Pending(ctx context.Context, t time.Time) ([]claims.Claim, error) {
	us, ns := sqlutil.SplitTime(regval.Clamp(t))
	return s.query(ctx, "pending", "SELECT "+columns+
		" FROM claims WHERE status = 'received' AND (due < $1 OR (due = $1 AND due_ns < $2))"+
		" ORDER BY due, due_ns, id", us, ns)
}

func (s *Store) query(ctx context.Context, op, q string, args ...any) ([]claims.Claim, error) {
	return pgreg.Query(ctx, s.db, op, s.db.Pool, scanClaim, q, args...)
}

func scanClaim(row pgx.Row) (claims.Claim, error) {
	var (
		c                      claims.Claim
		channel, topic, status string
		rec, due               time.Time
		recNS, dueNS           int16
		ans, wd, esc           *time.Time
		ansNS, wdNS, escNS     *int16
	)
	if err := row.Scan(&c.ID, &c.Subject, &channel, &topic, &c.TextRef, &rec, &recNS, &due, &dueNS,
		&status, &ans, &ansNS, &c.AnswerRef, &wd, &wdNS, &esc, &escNS); err != nil {
		return claims.Claim{}, err
	}
	c.Channel, c.Topic, c.Status = claims.Channel(channel), claims.Topic(topic), claims.Status(status)
	c.Received = sqlutil.JoinTime(rec, recNS)
	c.Due = sqlutil.JoinTime(due, dueNS)
	c.Answered = pgreg.JoinNull(ans, ansNS)
	c.Withdrawn = pgreg.JoinNull(wd, wdNS)
	c.Escalated = pgreg.JoinNull(esc, escNS)
	return c, nil
}

var errs = sqlutil.Errs{Pkg: "pgclaims", Closed: claims.ErrClosed, Unavailable: claims.ErrUnavailable}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64
