package pgbreaches

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/internal/pgreg"
	"github.com/yasam/privacy/subject/internal/regval"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// SchemaVersion is the version of the "breaches" component this code
// needs.
const SchemaVersion = 1

// Component names the schema's row in privacy_schema.
const Component = "breaches"

// ErrSchemaBehind: the database's breaches schema is missing or older
// than [SchemaVersion].
var ErrSchemaBehind = errors.New("pgbreaches: database schema is behind this code: run Migrate or apply migrations/")

// Migrations returns the schema files: golang-migrate file naming; each
// file also runs alone with psql.
func Migrations() fs.FS { return pgreg.Sub(migrationFS, "pgbreaches") }

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

// Store is a [breaches.Store] in PostgreSQL, safe for concurrent use by
// multiple goroutines and processes. Create it with [New].
//
// Privileges: USAGE on the schema; SELECT, INSERT, UPDATE on breaches and
// breach_subjects; SELECT on privacy_schema.
type Store struct {
	db *pgreg.DB
}

var (
	_ breaches.Store     = (*Store)(nil)
	_ breaches.Forgetter = (*Store)(nil)
)

// New returns a store on pool after checking the schema ([ErrSchemaBehind]);
// no DDL runs unless [WithMigrate] is given.
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

// Close makes later calls fail with [breaches.ErrClosed]; the pool stays
// open.
func (s *Store) Close() error {
	return s.db.Close()
}

const columns = `id, detected, detected_ns, description_ref, authority_due, authority_due_ns,
	authority_notified, authority_notified_ns, authority_ref, subjects_due, subjects_due_ns,
	subjects_notified, subjects_notified_ns, subjects_ref`

// Insert implements [breaches.Store] in one transaction.
func (s *Store) Insert(ctx context.Context, i breaches.Incident) error {
	const op = "insert"
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	if err := i.Validate(); err != nil {
		return fmt.Errorf("pgbreaches: %s: %w", op, err)
	}
	return s.db.Tx(ctx, op, func(tx pgx.Tx) error {
		det, detNS := sqlutil.SplitTime(i.Detected)
		ad, adNS := sqlutil.SplitTime(i.AuthorityDue)
		an, anNS := pgreg.NullTime(i.AuthorityNotified)
		sd, sdNS := sqlutil.SplitTime(i.SubjectsDue)
		sn, snNS := pgreg.NullTime(i.SubjectsNotified)
		tag, err := tx.Exec(ctx, `INSERT INTO breaches (`+columns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING`,
			i.ID, det, detNS, i.DescriptionRef, ad, adNS, an, anNS, i.AuthorityRef, sd, sdNS, sn, snNS, i.SubjectsRef)
		if err != nil {
			return s.db.Wrap(ctx, op, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("pgbreaches: %s: %w: id %q is taken", op, breaches.ErrConflict, clip.String(i.ID, maxQuote))
		}
		if len(i.Subjects) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO breach_subjects (breach_id, subject) SELECT $1, unnest($2::text[])`,
				i.ID, i.Subjects); err != nil {
				return s.db.Wrap(ctx, op, err)
			}
		}
		return nil
	})
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func get(ctx context.Context, q querier, id, lock string) (breaches.Incident, error) {
	var i breaches.Incident
	err := pgx.ErrNoRows // an id text cannot hold names no row
	if pgreg.Storable(id) {
		i, err = scan(q.QueryRow(ctx, "SELECT "+columns+" FROM breaches WHERE id = $1"+lock, id))
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return breaches.Incident{}, fmt.Errorf("%w: %q", breaches.ErrNotFound, clip.String(id, maxQuote))
	}
	if err != nil {
		return breaches.Incident{}, err
	}
	rows, err := q.Query(ctx, "SELECT subject FROM breach_subjects WHERE breach_id = $1 ORDER BY subject COLLATE \"C\"", id)
	if err != nil {
		return breaches.Incident{}, err
	}
	i.Subjects, err = pgx.CollectRows(rows, pgx.RowTo[string])
	return i, err
}

// Get implements [breaches.Store].
func (s *Store) Get(ctx context.Context, id string) (breaches.Incident, error) {
	const op = "get"
	if err := s.db.Check(ctx, op); err != nil {
		return breaches.Incident{}, err
	}
	i, err := get(ctx, s.db.Pool, id, "")
	if errors.Is(err, breaches.ErrNotFound) {
		return breaches.Incident{}, fmt.Errorf("pgbreaches: %s: %w", op, err)
	}
	if err != nil {
		return breaches.Incident{}, s.db.Wrap(ctx, op, err)
	}
	return i, nil
}

// MarkNotified implements [breaches.Store]: the row is locked and the
// notice written only if it was not yet.
func (s *Store) MarkNotified(ctx context.Context, id string, to breaches.Addressee, at time.Time, ref string) error {
	const op = "mark notified"
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	return s.db.Tx(ctx, op, func(tx pgx.Tx) error {
		i, err := get(ctx, tx, id, " FOR UPDATE")
		if errors.Is(err, breaches.ErrNotFound) {
			return fmt.Errorf("pgbreaches: %s: %w", op, err)
		}
		if err != nil {
			return s.db.Wrap(ctx, op, err)
		}
		if _, err := i.WithNotice(to, at, ref); err != nil {
			return fmt.Errorf("pgbreaches: %s: %w", op, err)
		}
		col := "authority"
		if to == breaches.ToSubjects {
			col = "subjects"
		}
		t, ns := sqlutil.SplitTime(at)
		if _, err := tx.Exec(ctx, `UPDATE breaches SET `+col+`_notified = $1, `+col+`_notified_ns = $2, `+col+`_ref = $3
			WHERE id = $4`, t, ns, ref, id); err != nil {
			return s.db.Wrap(ctx, op, err)
		}
		return nil
	})
}

// Pending implements [breaches.Store].
func (s *Store) Pending(ctx context.Context, t time.Time) ([]breaches.Notice, error) {
	const op = "pending"
	if err := s.db.Check(ctx, op); err != nil {
		return nil, err
	}
	us, ns := sqlutil.SplitTime(regval.Clamp(t))
	rows, err := s.db.Pool.Query(ctx, `
		SELECT id, 'authority', authority_due, authority_due_ns FROM breaches
		WHERE authority_notified IS NULL AND (authority_due < $1 OR (authority_due = $1 AND authority_due_ns < $2))
		UNION ALL
		SELECT id, 'subjects', subjects_due, subjects_due_ns FROM breaches b
		WHERE subjects_notified IS NULL AND (subjects_due < $1 OR (subjects_due = $1 AND subjects_due_ns < $2))
			AND EXISTS (SELECT 1 FROM breach_subjects WHERE breach_id = b.id)`, us, ns)
	if err != nil {
		return nil, s.db.Wrap(ctx, op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (breaches.Notice, error) {
		var (
			n   breaches.Notice
			to  string
			due time.Time
			dns int16
		)
		err := row.Scan(&n.Incident, &to, &due, &dns)
		n.To, n.Due = breaches.Addressee(to), sqlutil.JoinTime(due, dns)
		return n, err
	})
	if err != nil {
		return nil, s.db.Wrap(ctx, op, err)
	}
	breaches.SortNotices(out)
	return out, nil
}

// BySubject implements [breaches.Store].
func (s *Store) BySubject(ctx context.Context, subject string) ([]breaches.Incident, error) {
	const op = "by subject"
	if err := s.db.Check(ctx, op); err != nil || !pgreg.Storable(subject) {
		return nil, err
	}
	rows, err := s.db.Pool.Query(ctx, "SELECT "+prefixed("b.")+` FROM breaches b
		JOIN breach_subjects bs ON bs.breach_id = b.id WHERE bs.subject = $1
		ORDER BY b.detected, b.detected_ns, b.id`, subject)
	if err != nil {
		return nil, s.db.Wrap(ctx, op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (breaches.Incident, error) { return scan(row) })
	if err != nil {
		return nil, s.db.Wrap(ctx, op, err)
	}
	for k := range out {
		out[k].Subjects = []string{subject}
	}
	return out, nil
}

// Forget implements [breaches.Forgetter] in one transaction that locks
// the incidents concerned. Old row versions stay until VACUUM.
func (s *Store) Forget(ctx context.Context, subject string) (int, error) {
	const op = "forget"
	if err := s.db.Check(ctx, op); err != nil || !pgreg.Storable(subject) {
		return 0, err // nothing of a subject text cannot hold is on record
	}
	return pgreg.InTx(ctx, s.db, op, func(tx pgx.Tx) (int, error) {
		rows, err := tx.Query(ctx, `SELECT b.id, b.subjects_notified IS NOT NULL FROM breaches b
			JOIN breach_subjects bs ON bs.breach_id = b.id WHERE bs.subject = $1 ORDER BY b.id FOR UPDATE OF b`, subject)
		if err != nil {
			return 0, s.db.Wrap(ctx, op, err)
		}
		type hit struct {
			id       string
			notified bool
		}
		hits, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hit, error) {
			var h hit
			return h, row.Scan(&h.id, &h.notified)
		})
		if err != nil {
			return 0, s.db.Wrap(ctx, op, err)
		}
		for _, h := range hits {
			if !h.notified {
				return 0, fmt.Errorf("pgbreaches: %s: %w: incident %q has not notified its subjects", op, breaches.ErrRetained, clip.String(h.id, maxQuote))
			}
		}
		for _, h := range hits {
			if _, err := tx.Exec(ctx, `UPDATE breach_subjects SET subject = $1 WHERE breach_id = $2 AND subject = $3`,
				breaches.ErasedSubject(), h.id, subject); err != nil {
				return 0, s.db.Wrap(ctx, op, err)
			}
		}
		return len(hits), nil
	})
}

func prefixed(p string) string {
	parts := strings.Split(columns, ",")
	for k := range parts {
		parts[k] = p + strings.TrimSpace(parts[k])
	}
	return strings.Join(parts, ", ")
}

func scan(row pgx.Row) (breaches.Incident, error) {
	var (
		i                 breaches.Incident
		det, ad, sd       time.Time
		detNS, adNS, sdNS int16
		an, sn            *time.Time
		anNS, snNS        *int16
	)
	if err := row.Scan(&i.ID, &det, &detNS, &i.DescriptionRef, &ad, &adNS, &an, &anNS, &i.AuthorityRef,
		&sd, &sdNS, &sn, &snNS, &i.SubjectsRef); err != nil {
		return breaches.Incident{}, err
	}
	i.Detected = sqlutil.JoinTime(det, detNS)
	i.AuthorityDue = sqlutil.JoinTime(ad, adNS)
	i.SubjectsDue = sqlutil.JoinTime(sd, sdNS)
	i.AuthorityNotified = pgreg.JoinNull(an, anNS)
	i.SubjectsNotified = pgreg.JoinNull(sn, snNS)
	return i, nil
}

var errs = sqlutil.Errs{Pkg: "pgbreaches", Closed: breaches.ErrClosed, Unavailable: breaches.ErrUnavailable}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64
