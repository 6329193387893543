package pgreg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/internal/pgmigrate"
	"github.com/yasam/privacy/internal/sqlutil"
)

// Config is what a register's options set.
type Config struct {
	// Schema names the schema of the tables; "" is the connection's
	// current schema.
	Schema string
	// Migrate makes Open apply the schema files first.
	Migrate bool
}

// Configure applies opts to a zero Config.
func Configure[O ~func(*Config)](opts []O) Config {
	var cfg Config
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// Spec describes one register's schema.
type Spec struct {
	// Errs names the register's failures; Errs.Pkg starts every message.
	Errs sqlutil.Errs
	// Component is the register's row in privacy_schema.
	Component string
	// Files are the schema files, golang-migrate naming.
	Files fs.FS
	// Version is the schema version the code needs.
	Version int
	// Behind is returned, wrapped, for a schema missing or older than
	// Version.
	Behind error
}

// Sub returns the directory "migrations" of fsys. It panics, naming pkg,
// if there is none: the files are embedded, so that is a build mistake.
func Sub(fsys fs.FS, pkg string) fs.FS {
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		panic(pkg + ": embedded migrations: " + err.Error())
	}
	return sub
}

// Migrate applies the files of s in order, each in a transaction under an
// advisory lock, in cfg's schema.
func Migrate(ctx context.Context, pool *pgxpool.Pool, s Spec, cfg Config) error {
	if _, err := pgmigrate.Apply(ctx, pool, pgmigrate.Config{Component: s.Component, Files: s.Files, Schema: cfg.Schema}); err != nil {
		return s.Errs.Wrapped("migrate", err)
	}
	return nil
}

// DB is a register's pool and whether the register is closed. Create it
// with [Open].
type DB struct {
	// Pool stays the caller's: Close does not close it.
	Pool *pgxpool.Pool

	errs   sqlutil.Errs
	closed atomic.Bool
}

// Open migrates when cfg asks, then checks that the schema is at
// s.Version (the error wraps s.Behind if not). It panics on a nil pool, a
// programmer's error.
func Open(ctx context.Context, pool *pgxpool.Pool, s Spec, cfg Config) (*DB, error) {
	if pool == nil {
		panic(s.Errs.Pkg + ": New with a nil pool")
	}
	if cfg.Migrate {
		if err := Migrate(ctx, pool, s, cfg); err != nil {
			return nil, err
		}
	}
	if err := pgmigrate.Check(ctx, pool, cfg.Schema, s.Component, s.Version, s.Behind); err != nil {
		if errors.Is(err, s.Behind) {
			return nil, fmt.Errorf("%s: new: %w", s.Errs.Pkg, err)
		}
		return nil, s.Errs.Wrap(ctx, "new", false, err)
	}
	return &DB{Pool: pool, errs: s.Errs}, nil
}

// Close makes later calls fail with Errs.Closed. It does not close the
// pool.
func (db *DB) Close() error {
	db.closed.Store(true)
	return nil
}

// Check fails fast on a closed register or a done context.
func (db *DB) Check(ctx context.Context, op string) error {
	return db.errs.Check(ctx, op, db.closed.Load())
}

// Wrap names what made op fail: Errs.Closed when the register was closed
// under the call, the context's error when it is done, Errs.Unavailable
// otherwise.
func (db *DB) Wrap(ctx context.Context, op string, err error) error {
	return db.errs.Wrap(ctx, op, db.closed.Load(), err)
}

// InTx runs fn in one transaction on db's pool and commits what it did.
// An error of fn rolls back and is returned as it is (fn names its own);
// a failure to begin or to commit is named for op by [DB.Wrap]. It does
// not check db: the caller does, once, before it starts.
func InTx[T any](ctx context.Context, db *DB, op string, fn func(tx pgx.Tx) (T, error)) (T, error) {
	var zero T
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return zero, db.Wrap(ctx, op, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	v, err := fn(tx)
	if err != nil {
		return zero, err
	}
	if err := tx.Commit(ctx); err != nil {
		return zero, db.Wrap(ctx, op, err)
	}
	return v, nil
}

// Tx is [InTx] for a fn that returns only an error.
func (db *DB) Tx(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	_, err := InTx(ctx, db, op, func(tx pgx.Tx) (struct{}, error) { return struct{}{}, fn(tx) })
	return err
}

// Querier is a pool or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Query checks db, runs sql on q and scans every row; an error is named
// for op. No rows is a nil slice.
func Query[T any](ctx context.Context, db *DB, op string, q Querier, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	if err := db.Check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.Wrap(ctx, op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, db.Wrap(ctx, op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, db.Wrap(ctx, op, err)
	}
	return out, nil
}

// RowQuerier is a pool or a transaction, for one row.
type RowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// One runs sql, whose one argument $1 is id, on q and scans the row it
// finds. No row is an error wrapping notFound that quotes a clipped id;
// any other failure is named for op by [DB.Wrap]. It does not check db:
// the caller does, once, before it starts.
func One[T any](ctx context.Context, db *DB, op string, q RowQuerier, scan func(pgx.Row) (T, error), notFound error, sql, id string) (T, error) {
	var v T
	err := pgx.ErrNoRows // an id text cannot hold names no row
	if Storable(id) {
		v, err = scan(q.QueryRow(ctx, sql, id))
	}
	if errors.Is(err, pgx.ErrNoRows) {
		var zero T
		return zero, fmt.Errorf("%s: %s: %w: %q", db.errs.Pkg, op, notFound, clip.String(id, maxQuote))
	}
	if err != nil {
		var zero T
		return zero, db.Wrap(ctx, op, err)
	}
	return v, nil
}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64

// NullTime splits t as [sqlutil.SplitTime] does; NULL for the zero time.
func NullTime(t time.Time) (*time.Time, *int16) {
	if t.IsZero() {
		return nil, nil
	}
	us, ns := sqlutil.SplitTime(t)
	return &us, &ns
}

// JoinNull is the inverse of [NullTime]: the zero time for NULL.
func JoinNull(t *time.Time, ns *int16) time.Time {
	if t == nil {
		return time.Time{}
	}
	var n int16
	if ns != nil {
		n = *ns
	}
	return sqlutil.JoinTime(*t, n)
}

// Storable reports whether a text column can hold s: valid UTF-8 without
// NUL bytes. A subject or ID that is not cannot be on record, so a lookup
// finds nothing rather than send PostgreSQL what it refuses (its error
// would pass for a store fault, and quote the bytes).
func Storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
