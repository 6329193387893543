package sqlitereg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/internal/sqlutil"
)

// Config is what a register's options set.
type Config struct {
	// BusyTimeout is how long a connection waits for a lock held by
	// another connection or process before it fails.
	BusyTimeout time.Duration
	// ReadConns is the size of the read pool.
	ReadConns int
}

// Configure applies opts over the defaults: a 5s busy timeout and
// GOMAXPROCS readers, at least 4.
func Configure[O ~func(*Config)](opts []O) Config {
	cfg := Config{BusyTimeout: 5 * time.Second, ReadConns: max(4, runtime.GOMAXPROCS(0))}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// Spec describes one register's file.
type Spec struct {
	// Errs names the register's failures; Errs.Pkg starts every message.
	Errs sqlutil.Errs
	// Migrations holds the schema files in the directory "migrations".
	Migrations fs.FS
	// VersionTable is the table that records the applied files.
	VersionTable string
	// SchemaTooNew is returned for a file a newer version has written.
	SchemaTooNew error
	// ForeignKeys turns foreign key enforcement on.
	ForeignKeys bool
	// NotScrubbed is the register's sentinel for an erasure committed in
	// the database whose old pages the write-ahead log still holds (see
	// [DB.Erase]).
	NotScrubbed error
}

// DB is an open register file: its writer, its readers and whether it is
// closed. Create it with [Open].
type DB struct {
	// W is the one writer connection; R the query-only readers.
	W, R *sql.DB

	errs        sqlutil.Errs
	notScrubbed error
	closed      atomic.Bool
	closeOnce   sync.Once
	closeErr    error
}

// Open opens (creating if needed) the file at path and brings its schema
// up to date.
func Open(ctx context.Context, path string, s Spec, cfg Config) (*DB, error) {
	db, err := sqlutil.OpenSQLite(ctx, path, sqlutil.SQLiteConfig{
		BusyTimeout:  cfg.BusyTimeout,
		ReadConns:    cfg.ReadConns,
		ForeignKeys:  s.ForeignKeys,
		Migrations:   s.Migrations,
		Dir:          "migrations",
		VersionTable: s.VersionTable,
		SchemaTooNew: s.SchemaTooNew,
	}, s.Errs)
	if err != nil {
		return nil, err
	}
	notScrubbed := s.NotScrubbed
	if notScrubbed == nil {
		notScrubbed = errors.New(s.Errs.Pkg + ": erased in the database, still in the write-ahead log; retry")
	}
	return &DB{W: db.W, R: db.R, errs: s.Errs, notScrubbed: notScrubbed}, nil
}

// Close closes both pools, once; later calls fail with Errs.Closed and a
// second Close returns what the first did.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		if err := errors.Join(db.R.Close(), db.W.Close()); err != nil {
			db.closeErr = db.errs.Wrapped("close", err)
		}
	})
	return db.closeErr
}

// Check fails fast on a closed file or a done context.
func (db *DB) Check(ctx context.Context, op string) error {
	return db.errs.Check(ctx, op, db.closed.Load())
}

// Wrap names what made op fail: Errs.Closed when the file was closed
// under the call, the context's error when it is done (or the driver
// reports one), Errs.Unavailable otherwise.
func (db *DB) Wrap(ctx context.Context, op string, err error) error {
	return db.errs.Wrap(ctx, op, db.closed.Load(), err)
}

// Query checks db, runs q on the readers and scans every row; an error is
// named for op.
func Query[T any](ctx context.Context, db *DB, op string, scan func(sqlutil.Scanner) (T, error), q string, args ...any) ([]T, error) {
	if err := db.Check(ctx, op); err != nil {
		return nil, err
	}
	out, err := sqlutil.QueryAll(ctx, db.R, scan, q, args...)
	if err != nil {
		return nil, db.Wrap(ctx, op, err)
	}
	return out, nil
}

// RowQuerier is a pool or a transaction, for one row.
type RowQuerier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// One runs query, whose one argument is id, on q and scans the row it
// finds. No row is an error wrapping notFound that quotes a clipped id;
// any other failure is named for op by [DB.Wrap]. It does not check db:
// the caller does, once, before it starts.
func One[T any](ctx context.Context, db *DB, op string, q RowQuerier, scan func(sqlutil.Scanner) (T, error), notFound error, query, id string) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
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

// QueryTx runs q in tx and scans every row. Its error is the driver's, for
// the caller to name with [DB.Wrap].
func QueryTx[T any](ctx context.Context, tx *sql.Tx, scan func(sqlutil.Scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	return out, nil
}

// Tx runs fn in one transaction on the writer connection and commits what
// it did. An error of fn rolls back and is returned as it is (fn names its
// own); a failure to begin or to commit is named for op by [DB.Wrap]. It
// does not check db: the caller does, once, before it starts.
func (db *DB) Tx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return db.Wrap(ctx, op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return db.Wrap(ctx, op, err)
	}
	return nil
}

// Erase runs erase in one write transaction on the writer connection with
// secure_delete on, so the bytes of what it overwrites do not stay in the
// file's free space, and after the commit runs a truncating WAL
// checkpoint, so no copy of the old pages stays in the write-ahead log.
// erase returns how many records it erased and an error that is already
// named: Erase returns it as it is.
//
// The checkpoint runs whether or not erase changed anything, so a retry
// finishes the scrub an earlier call left undone. It cannot finish while
// another connection (another process, a backup) holds a read
// transaction on an older snapshot: Erase then waits for the busy timeout
// and fails with an error wrapping Spec.NotScrubbed and Errs.Unavailable.
// What erase changed is committed; calling Erase again once the reader is
// gone completes the scrub (erase then finds nothing more to change).
func (db *DB) Erase(ctx context.Context, op string, erase func(tx *sql.Tx) (int, error)) (int, error) {
	if err := db.Check(ctx, op); err != nil {
		return 0, err
	}
	conn, err := db.W.Conn(ctx)
	if err != nil {
		return 0, db.Wrap(ctx, op, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
		return 0, db.Wrap(ctx, op, err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, db.Wrap(ctx, op, err)
	}
	defer tx.Rollback()
	n, err := erase(tx)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, db.Wrap(ctx, op, err)
	}
	if err := db.checkpoint(ctx, op, conn); err != nil {
		return 0, err
	}
	return n, nil
}

// checkpoint runs a truncating WAL checkpoint on conn and fails unless it
// copied every frame of the log and emptied it.
func (db *DB) checkpoint(ctx context.Context, op string, conn *sql.Conn) error {
	var busy, log, done int64
	if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done); err != nil {
		return fmt.Errorf("%w: %w", db.notScrubbed, db.Wrap(ctx, op+": checkpoint", err))
	}
	if busy != 0 || done < log {
		return fmt.Errorf("%s: %s: %w: %w: another connection is reading (%d of %d log frames checkpointed)",
			db.errs.Pkg, op, db.notScrubbed, db.errs.Unavailable, max(done, 0), max(log, 0))
	}
	return nil
}

// NullTime splits t as [sqlutil.SplitTime] does, into microseconds since
// the epoch and the nanoseconds below; NULL for the zero time. Both halves
// are int64: a driver.Valuer must return a driver.Value.
func NullTime(t time.Time) (sql.Null[int64], sql.Null[int64]) {
	if t.IsZero() {
		return sql.Null[int64]{}, sql.Null[int64]{}
	}
	us, ns := sqlutil.SplitTime(t)
	return sql.Null[int64]{V: us.UnixMicro(), Valid: true}, sql.Null[int64]{V: int64(ns), Valid: true}
}

// JoinNull is the inverse of [NullTime]: the zero time for NULL.
func JoinNull(us sql.Null[int64], ns sql.Null[int16]) time.Time {
	if !us.Valid {
		return time.Time{}
	}
	return sqlutil.JoinTime(time.UnixMicro(us.V), ns.V)
}
