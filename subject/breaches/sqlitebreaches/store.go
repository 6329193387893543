package sqlitebreaches

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/internal/regval"
	"github.com/yasam/privacy/subject/internal/sqlitereg"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned by [Open] for a database written by a newer
// version of this package.
var ErrSchemaTooNew = errors.New("sqlitebreaches: database schema is newer than this code knows")

// ErrNotScrubbed is returned by [Store.Forget] when the erasure was
// committed but the old pages could not be dropped from the write-ahead
// log, because another connection (another process, a backup) was reading
// an older snapshot: the file on disk may still hold the subject. The
// error also matches breaches.ErrUnavailable. Call Forget again once the
// reader is done: it erases nothing more and finishes the scrub.
var ErrNotScrubbed = errors.New("sqlitebreaches: erased in the database, still in the write-ahead log; retry")

// Option configures a [Store]; see [Open].
type Option func(*config)

type config = sqlitereg.Config

// WithBusyTimeout sets how long a connection waits for a lock (default 5s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.BusyTimeout = d } }

// WithReadConns sets the size of the read pool (default GOMAXPROCS, at
// least 4).
func WithReadConns(n int) Option { return func(c *config) { c.ReadConns = n } }

// Store is a [breaches.Store] in a SQLite file, safe for concurrent use
// by multiple goroutines. Create it with [Open].
type Store struct {
	db *sqlitereg.DB
}

var (
	_ breaches.Store     = (*Store)(nil)
	_ breaches.Forgetter = (*Store)(nil)
)

// Open opens (creating if needed) the database at path, a plain file
// name, in WAL mode with synchronous=FULL, and brings its schema up to
// date.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	db, err := sqlitereg.Open(ctx, path, sqlitereg.Spec{
		Errs:         errs,
		Migrations:   migrationFS,
		VersionTable: "breaches_schema_version",
		SchemaTooNew: ErrSchemaTooNew,
		NotScrubbed:  ErrNotScrubbed,
		ForeignKeys:  true,
	}, sqlitereg.Configure(opts))
	if err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// Close closes the database; later calls fail with [breaches.ErrClosed].
func (s *Store) Close() error {
	return s.db.Close()
}

const columns = `id, detected_us, detected_ns, description_ref, authority_due_us, authority_due_ns,
	authority_notified_us, authority_notified_ns, authority_ref, subjects_due_us, subjects_due_ns,
	subjects_notified_us, subjects_notified_ns, subjects_ref`

// Insert implements [breaches.Store] in one transaction.
func (s *Store) Insert(ctx context.Context, i breaches.Incident) error {
	const op = "insert"
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	if err := i.Validate(); err != nil {
		return fmt.Errorf("sqlitebreaches: %s: %w", op, err)
	}
	return s.db.Tx(ctx, op, func(tx *sql.Tx) error {
		args := []any{i.ID}
		args = append(args, split(i.Detected)...)
		args = append(args, i.DescriptionRef)
		args = append(args, split(i.AuthorityDue)...)
		args = append(args, splitNull(i.AuthorityNotified)...)
		args = append(args, i.AuthorityRef)
		args = append(args, split(i.SubjectsDue)...)
		args = append(args, splitNull(i.SubjectsNotified)...)
		args = append(args, i.SubjectsRef, time.Now().UnixMicro())
		res, err := tx.ExecContext(ctx, `INSERT INTO breaches (`+columns+`, filed_us)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, args...)
		if err != nil {
			return s.db.Wrap(ctx, op, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return s.db.Wrap(ctx, op, err)
		} else if n == 0 {
			return fmt.Errorf("sqlitebreaches: %s: %w: id %q is taken", op, breaches.ErrConflict, clip.String(i.ID, maxQuote))
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO breach_subjects (breach_id, subject) VALUES (?, ?)`)
		if err != nil {
			return s.db.Wrap(ctx, op, err)
		}
		defer stmt.Close()
		for _, subj := range i.Subjects {
			if _, err := stmt.ExecContext(ctx, i.ID, subj); err != nil {
				return s.db.Wrap(ctx, op, err)
			}
		}
		return nil
	})
}

type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Store) get(ctx context.Context, q queryer, id string, subjects bool) (breaches.Incident, error) {
	i, err := scan(q.QueryRowContext(ctx, "SELECT "+columns+" FROM breaches WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return breaches.Incident{}, fmt.Errorf("%w: %q", breaches.ErrNotFound, clip.String(id, maxQuote))
	}
	if err != nil || !subjects {
		return i, err
	}
	rows, err := q.QueryContext(ctx, "SELECT subject FROM breach_subjects WHERE breach_id = ? ORDER BY subject", id)
	if err != nil {
		return breaches.Incident{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var subj string
		if err := rows.Scan(&subj); err != nil {
			return breaches.Incident{}, err
		}
		i.Subjects = append(i.Subjects, subj)
	}
	return i, rows.Err()
}

// Get implements [breaches.Store].
func (s *Store) Get(ctx context.Context, id string) (breaches.Incident, error) {
	const op = "get"
	if err := s.db.Check(ctx, op); err != nil {
		return breaches.Incident{}, err
	}
	i, err := s.get(ctx, s.db.R, id, true)
	if errors.Is(err, breaches.ErrNotFound) {
		return breaches.Incident{}, fmt.Errorf("sqlitebreaches: %s: %w", op, err)
	}
	if err != nil {
		return breaches.Incident{}, s.db.Wrap(ctx, op, err)
	}
	return i, nil
}

// MarkNotified implements [breaches.Store] in one write transaction.
func (s *Store) MarkNotified(ctx context.Context, id string, to breaches.Addressee, at time.Time, ref string) error {
	const op = "mark notified"
	if err := s.db.Check(ctx, op); err != nil {
		return err
	}
	return s.db.Tx(ctx, op, func(tx *sql.Tx) error {
		i, err := s.get(ctx, tx, id, true)
		if errors.Is(err, breaches.ErrNotFound) {
			return fmt.Errorf("sqlitebreaches: %s: %w", op, err)
		}
		if err != nil {
			return s.db.Wrap(ctx, op, err)
		}
		if _, err := i.WithNotice(to, at, ref); err != nil {
			return fmt.Errorf("sqlitebreaches: %s: %w", op, err)
		}
		col := "authority"
		if to == breaches.ToSubjects {
			col = "subjects"
		}
		us, ns := sqlutil.SplitTime(at)
		if _, err := tx.ExecContext(ctx, `UPDATE breaches SET `+col+`_notified_us = ?, `+col+`_notified_ns = ?, `+col+`_ref = ?
			WHERE id = ? AND `+col+`_notified_us IS NULL`, us.UnixMicro(), ns, ref, id); err != nil {
			return s.db.Wrap(ctx, op, err)
		}
		return nil
	})
}

// Pending implements [breaches.Store].
func (s *Store) Pending(ctx context.Context, t time.Time) ([]breaches.Notice, error) {
	us, ns := sqlutil.SplitTime(regval.Clamp(t))
	out, err := sqlitereg.Query(ctx, s.db, "pending", scanNotice, `
		SELECT id, 'authority', authority_due_us, authority_due_ns FROM breaches
		WHERE authority_notified_us IS NULL AND (authority_due_us < ?1 OR (authority_due_us = ?1 AND authority_due_ns < ?2))
		UNION ALL
		SELECT id, 'subjects', subjects_due_us, subjects_due_ns FROM breaches b
		WHERE subjects_notified_us IS NULL AND (subjects_due_us < ?1 OR (subjects_due_us = ?1 AND subjects_due_ns < ?2))
			AND EXISTS (SELECT 1 FROM breach_subjects WHERE breach_id = b.id)`, us.UnixMicro(), ns)
	if err != nil {
		return nil, err
	}
	breaches.SortNotices(out)
	return out, nil
}

func scanNotice(row sqlutil.Scanner) (breaches.Notice, error) {
	var (
		n     breaches.Notice
		to    string
		dueUS int64
		dueNS int16
	)
	err := row.Scan(&n.Incident, &to, &dueUS, &dueNS)
	n.To, n.Due = breaches.Addressee(to), sqlutil.JoinTime(time.UnixMicro(dueUS), dueNS)
	return n, err
}

// BySubject implements [breaches.Store], through index
// breach_subjects_subject.
func (s *Store) BySubject(ctx context.Context, subject string) ([]breaches.Incident, error) {
	out, err := sqlitereg.Query(ctx, s.db, "by subject", scan, "SELECT "+prefixed("b.")+` FROM breaches b
		JOIN breach_subjects bs ON bs.breach_id = b.id WHERE bs.subject = ?
		ORDER BY b.detected_us, b.detected_ns, b.id`, subject)
	if err != nil {
		return nil, err
	}
	for k := range out {
		out[k].Subjects = []string{subject}
	}
	return out, nil
}

// Forget implements [breaches.Forgetter] in one write transaction, with
// secure_delete on and a truncating WAL checkpoint after the commit:
// while another connection reads an older snapshot it fails with
// [ErrNotScrubbed], and a later call finishes the scrub.
func (s *Store) Forget(ctx context.Context, subject string) (int, error) {
	const op = "forget"
	return s.db.Erase(ctx, op, func(tx *sql.Tx) (int, error) {
		type hit struct {
			id       string
			notified bool
		}
		hits, err := sqlitereg.QueryTx(ctx, tx, func(row sqlutil.Scanner) (hit, error) {
			var h hit
			return h, row.Scan(&h.id, &h.notified)
		}, `SELECT b.id, b.subjects_notified_us IS NOT NULL FROM breaches b
			JOIN breach_subjects bs ON bs.breach_id = b.id WHERE bs.subject = ?`, subject)
		if err != nil {
			return 0, s.db.Wrap(ctx, op, err)
		}
		var owed string
		for _, h := range hits {
			if !h.notified {
				owed = h.id
			}
		}
		if owed != "" {
			return 0, fmt.Errorf("sqlitebreaches: %s: %w: incident %q has not notified its subjects", op, breaches.ErrRetained, clip.String(owed, maxQuote))
		}
		for _, h := range hits {
			if _, err := tx.ExecContext(ctx, `UPDATE breach_subjects SET subject = ? WHERE breach_id = ? AND subject = ?`,
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

func scan(row sqlutil.Scanner) (breaches.Incident, error) {
	var (
		i                     breaches.Incident
		detUS, aDueUS, sDueUS int64
		detNS, aDueNS, sDueNS int16
		aUS, sUS              sql.Null[int64]
		aNS, sNS              sql.Null[int16]
	)
	if err := row.Scan(&i.ID, &detUS, &detNS, &i.DescriptionRef, &aDueUS, &aDueNS, &aUS, &aNS, &i.AuthorityRef,
		&sDueUS, &sDueNS, &sUS, &sNS, &i.SubjectsRef); err != nil {
		return breaches.Incident{}, err
	}
	i.Detected = sqlutil.JoinTime(time.UnixMicro(detUS), detNS)
	i.AuthorityDue = sqlutil.JoinTime(time.UnixMicro(aDueUS), aDueNS)
	i.SubjectsDue = sqlutil.JoinTime(time.UnixMicro(sDueUS), sDueNS)
	i.AuthorityNotified = sqlitereg.JoinNull(aUS, aNS)
	i.SubjectsNotified = sqlitereg.JoinNull(sUS, sNS)
	return i, nil
}

func split(t time.Time) []any {
	us, ns := sqlutil.SplitTime(t)
	return []any{us.UnixMicro(), ns}
}

func splitNull(t time.Time) []any {
	if t.IsZero() {
		return []any{nil, nil}
	}
	return split(t)
}

var errs = sqlutil.Errs{Pkg: "sqlitebreaches", Closed: breaches.ErrClosed, Unavailable: breaches.ErrUnavailable}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64
