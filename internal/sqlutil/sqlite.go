package sqlutil

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"
)

// SQLiteConfig says how to open one of the library's SQLite files.
type SQLiteConfig struct {
	// BusyTimeout is how long a connection waits for a lock.
	BusyTimeout time.Duration
	// ReadConns bounds the pool of query-only connections (at least 1).
	ReadConns int
	// ForeignKeys turns foreign key enforcement on.
	ForeignKeys bool
	// Migrations holds the numbered *.sql files of Dir (see [Migrations]).
	Migrations fs.FS
	Dir        string
	// VersionTable is the table that records applied migrations; a name of
	// the store's own ("consent_schema_version") so it cannot clash with a
	// host's table in the same file.
	VersionTable string
	// SchemaTooNew is the store's sentinel for a file written by newer code.
	SchemaTooNew error
	// WriterPragmas are extra pragmas for the writer connection, as
	// "name(value)" ("temp_store(MEMORY)").
	WriterPragmas []string
}

// SQLite is a database file opened the way every SQLite store of the
// library uses it: one writer connection whose transactions take the write
// lock when they begin (BEGIN IMMEDIATE, so a read-check-write never fails
// half-way on a lock upgrade), in WAL mode with synchronous=FULL (a commit
// that returned survives a crash or a power cut), and a pool of query-only
// readers that never wait for the writer.
type SQLite struct {
	W *sql.DB // the single writer
	R *sql.DB // query-only readers
}

// OpenSQLite opens (creating if needed) the database at path, a plain file
// name, and applies the migrations it lacks. Failures are named by errs.
func OpenSQLite(ctx context.Context, path string, c SQLiteConfig, errs Errs) (*SQLite, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("%s: path must be a plain file name (no \":memory:\", \"file:\" URI or '?'): the writer and the readers share the file", errs.Pkg)
	}
	if !validTable(c.VersionTable) {
		return nil, fmt.Errorf("%s: invalid version table name %q", errs.Pkg, c.VersionTable)
	}
	pragmas := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", c.BusyTimeout.Milliseconds()))
		if c.ForeignKeys {
			q.Add("_pragma", "foreign_keys(1)")
		}
		q.Add("_pragma", "synchronous(FULL)")
		for _, p := range extra {
			q.Add("_pragma", p)
		}
		return q.Encode()
	}
	w, err := sql.Open("sqlite", path+"?"+pragmas(append([]string{"journal_mode(WAL)"}, c.WriterPragmas...)...)+"&_txlock=immediate")
	if err != nil {
		return nil, errs.Wrapped("open", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db := &SQLite{W: w}
	if err := db.init(ctx, path, pragmas, c, errs); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *SQLite) init(ctx context.Context, path string, pragmas func(...string) string, c SQLiteConfig, errs Errs) error {
	var mode string
	if err := db.W.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return errs.Wrap(ctx, "open", false, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("%s: open: journal mode is %q, not WAL (is the file on a filesystem without shared memory?): %w", errs.Pkg, mode, errs.Unavailable)
	}
	if err := db.migrate(ctx, c, errs); err != nil {
		return err
	}
	r, err := sql.Open("sqlite", path+"?"+pragmas("query_only(1)"))
	if err != nil {
		return errs.Wrapped("open", err)
	}
	n := max(c.ReadConns, 1)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.R = r
	if err := r.PingContext(ctx); err != nil {
		return errs.Wrap(ctx, "open", false, err)
	}
	return nil
}

// migrate applies the embedded migrations the database lacks, all in one
// transaction that holds the write lock, so two processes opening a new
// file at once cannot both apply them.
func (db *SQLite) migrate(ctx context.Context, c SQLiteConfig, errs Errs) error {
	ms, err := Migrations(c.Migrations, c.Dir)
	if err != nil {
		return fmt.Errorf("%s: %w", errs.Pkg, err)
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return errs.Wrap(ctx, "migrate", false, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+c.VersionTable+` (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_us INTEGER NOT NULL
	) STRICT`); err != nil {
		return errs.Wrap(ctx, "migrate", false, err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+c.VersionTable).Scan(&have); err != nil {
		return errs.Wrap(ctx, "migrate", false, err)
	}
	if have > len(ms) {
		return fmt.Errorf("%w: database at version %d, this code knows up to %d", c.SchemaTooNew, have, len(ms))
	}
	for _, m := range ms[have:] {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("%s: migration %s: %w: %w", errs.Pkg, m.Name, errs.Unavailable, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+c.VersionTable+" (version, name, applied_us) VALUES (?, ?, ?)",
			m.Version, m.Name, time.Now().UnixMicro()); err != nil {
			return errs.Wrap(ctx, "migrate", false, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return errs.Wrap(ctx, "migrate", false, err)
	}
	return nil
}

// Close closes both pools.
func (db *SQLite) Close() error {
	var errR error
	if db.R != nil {
		errR = db.R.Close()
	}
	return errors.Join(db.W.Close(), errR)
}

func validTable(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Scanner is what a row scan function reads: *sql.Row or *sql.Rows.
type Scanner interface{ Scan(dest ...any) error }

// QueryAll runs q on db and scans every row with scan. Its error is the
// driver's, for the caller to name with its [Errs].
func QueryAll[T any](ctx context.Context, db *sql.DB, scan func(Scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// QueryAllStmt is [QueryAll] for a prepared statement.
func QueryAllStmt[T any](ctx context.Context, st *sql.Stmt, scan func(Scanner) (T, error), args ...any) ([]T, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
