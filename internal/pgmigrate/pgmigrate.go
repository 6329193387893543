package pgmigrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/yasam/privacy/internal/sqlutil"
)

// ErrBadFiles is returned for a set of migration files that does not follow
// the conventions (names, numbering, recording its version).
var ErrBadFiles = errors.New("pgmigrate: migration files do not follow the conventions")

// Table is the shared table that records each component's schema version.
const Table = "privacy_schema"

// File is one migration file.
type File struct {
	// Version is the file's number, NNNN in NNNN_what.up.sql.
	Version int
	// Name is the file's base name.
	Name string
	// SQL is its content.
	SQL string
}

// Files reads the NNNN_what.up.sql files at the root of fsys, in version
// order. The versions must run 1, 2, 3, ... without gaps; any other file
// ending in .sql is an error (down files are not supported).
func Files(fsys fs.FS) ([]File, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadFiles, err)
	}
	var out []File
	for _, name := range names {
		base := path.Base(name)
		num, rest, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || !strings.HasSuffix(rest, ".up.sql") || len(rest) <= len(".up.sql") {
			return nil, fmt.Errorf("%w: %s: name must be NNNN_what.up.sql", ErrBadFiles, base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadFiles, err)
		}
		out = append(out, File{Version: v, Name: base, SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b File) int { return a.Version - b.Version })
	for i, f := range out {
		if f.Version != i+1 {
			return nil, fmt.Errorf("%w: %s: expected version %d", ErrBadFiles, f.Name, i+1)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no NNNN_what.up.sql files", ErrBadFiles)
	}
	return out, nil
}

// DB is what [Apply] needs of a connection or pool (*pgxpool.Pool,
// *pgx.Conn).
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Querier is what [Version] and [Check] need (*pgxpool.Pool, *pgx.Conn,
// pgx.Tx).
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Config names what to apply and where.
type Config struct {
	// Component is the row of privacy_schema the files record
	// ("consent", "ledger", ...).
	Component string
	// Files holds the NNNN_what.up.sql files at its root (see [Files]);
	// use fs.Sub on an embed.FS for a migrations/ directory.
	Files fs.FS
	// Schema is where the tables go; empty means the connection's
	// current schema (the first of its search_path).
	Schema string
}

// lockSQL serialises every migration of every component within one
// schema: privacy_schema is shared by them all.
const lockSQL = `SELECT pg_advisory_xact_lock(hashtextextended('github.com/yasam/privacy/pgmigrate:' || $1::text, 0))`

// Apply applies the files c.Component lacks, in order, each in its own
// transaction under an advisory lock, with search_path set to c.Schema
// for that transaction. A file that does not record its version in
// privacy_schema is an error wrapping [ErrBadFiles], and its transaction
// is rolled back. It returns the component's version afterwards.
func Apply(ctx context.Context, db DB, c Config) (int, error) {
	if c.Component == "" {
		return 0, fmt.Errorf("%w: empty component", ErrBadFiles)
	}
	files, err := Files(c.Files)
	if err != nil {
		return 0, err
	}
	have := 0
	for _, f := range files {
		v, err := applyOne(ctx, db, c, f)
		if err != nil {
			// A failed connection's text names its user, database and
			// host: only its class is said.
			return have, fmt.Errorf("pgmigrate: %s %s: %w", c.Component, f.Name, sqlutil.RedactConnect(err))
		}
		have = v
	}
	return have, nil
}

// applyOne runs f unless the component is already at its version, and
// returns the version afterwards.
func applyOne(ctx context.Context, db DB, c Config, f File) (int, error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	schema := c.Schema
	if schema == "" {
		if err := tx.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return 0, err
		}
		if schema == "" {
			return 0, errors.New("no current schema (search_path names none that exists)")
		}
	} else if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", pgx.Identifier{schema}.Sanitize()); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, lockSQL, schema); err != nil {
		return 0, err
	}
	have, err := Version(ctx, tx, schema, c.Component)
	if err != nil {
		return 0, err
	}
	if have >= f.Version {
		return have, tx.Commit(ctx)
	}
	// No arguments: the simple protocol, so a file may hold several
	// statements.
	if _, err := tx.Exec(ctx, f.SQL); err != nil {
		return 0, err
	}
	after, err := Version(ctx, tx, schema, c.Component)
	if err != nil {
		return 0, err
	}
	if after < f.Version {
		return 0, fmt.Errorf("%w: the file did not record version %d of %q in %s", ErrBadFiles, f.Version, c.Component, Table)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	return after, nil
}

// Version returns the version of component recorded in schema's
// privacy_schema table (schema empty: the current schema); 0 when the table
// or the row is missing. It needs only USAGE on the schema and SELECT on
// the table.
func Version(ctx context.Context, q Querier, schema, component string) (int, error) {
	var reg *string
	if err := q.QueryRow(ctx, `SELECT to_regclass(quote_ident(coalesce(nullif($1::text, ''), current_schema())) || '.`+Table+`')::text`,
		schema).Scan(&reg); err != nil {
		return 0, err
	}
	if reg == nil {
		return 0, nil
	}
	var v int
	err := q.QueryRow(ctx, "SELECT version FROM "+*reg+" WHERE component = $1", component).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// Check fails when component's version in schema (empty: the current
// schema) is missing or lower than want. The error wraps behind (the
// calling package's ErrSchemaBehind) and tells the operator what to do.
// Any other failure (no server, no privilege) is returned as it is, for the
// caller to classify. A newer version passes: files only add.
func Check(ctx context.Context, q Querier, schema, component string, want int, behind error) error {
	have, err := Version(ctx, q, schema, component)
	if err != nil {
		return sqlutil.RedactConnect(err)
	}
	if have < want {
		if have == 0 {
			return fmt.Errorf("%w: no %q schema recorded in %s; run Migrate or apply migrations/ (version %d)",
				behind, component, Table, want)
		}
		return fmt.Errorf("%w: %q schema at version %d, this code needs %d; run Migrate or apply migrations/",
			behind, component, have, want)
	}
	return nil
}
