package sqliteledger

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/internal/ledgerrow"
	"github.com/yasam/privacy/internal/sqlutil"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned by [Open] for a database whose schema was
// written by a newer version of this package; upgrade the library rather
// than let old code write to it.
var ErrSchemaTooNew = errors.New("sqliteledger: database schema is newer than this code knows")

// Option configures a [Store]; see [Open].
type Option func(*config)

type config struct {
	busyTimeout time.Duration
	readConns   int
}

// WithBusyTimeout sets how long a connection waits for a lock held by
// another connection or process before it fails (default 5s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithReadConns sets the size of the read pool (default: GOMAXPROCS, at
// least 4). Appends always go through one writer connection.
func WithReadConns(n int) Option { return func(c *config) { c.readConns = n } }

// Store is a [ledger.Store] in a SQLite file. It is safe for concurrent use
// by multiple goroutines, and any number of Stores, in this process or
// others, may share one file. Create it with [Open]; the zero value is not
// usable.
type Store struct {
	w          *sql.DB // one connection: SQLite has one writer anyway
	r          *sql.DB // a pool of query-only connections
	insertStmt *sql.Stmt

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var (
	_ ledger.ChainAppender  = (*Store)(nil)
	_ ledger.DecisionReader = (*Store)(nil)
)

// Open opens (creating if needed) the SQLite database at path, a plain file
// name, and brings its schema up to date. The file is put in WAL mode with
// synchronous=FULL, so an entry whose Append returned nil survives a crash
// or a power cut.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{busyTimeout: 5 * time.Second, readConns: max(4, runtime.GOMAXPROCS(0))}
	for _, o := range opts {
		o(&cfg)
	}
	db, err := sqlutil.OpenSQLite(ctx, path, sqlutil.SQLiteConfig{
		BusyTimeout:  cfg.busyTimeout,
		ReadConns:    cfg.readConns,
		Migrations:   migrationFS,
		Dir:          "migrations",
		VersionTable: "ledger_schema_version",
		SchemaTooNew: ErrSchemaTooNew,
	}, errs)
	if err != nil {
		return nil, err
	}
	s := &Store{w: db.W, r: db.R}
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// init prepares what the store needs beyond the shared SQLite setup.
func (s *Store) init(ctx context.Context) error {
	var err error
	if s.insertStmt, err = s.w.PrepareContext(ctx, insertSQL); err != nil {
		return s.wrap(ctx, "open", err)
	}
	return nil
}

// Close closes the database. Calls after Close return an error wrapping
// [ledger.ErrClosed]. Close is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		var errs []error
		if s.insertStmt != nil {
			errs = append(errs, s.insertStmt.Close())
		}
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		errs = append(errs, s.w.Close())
		if err := errors.Join(errs...); err != nil {
			s.closeErr = unavailable("close", err)
		}
	})
	return s.closeErr
}

const columns = ledgerrow.Columns

const insertSQL = `INSERT INTO ledger_entries (` + columns + `, recorded_us)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const headSQL = "SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1"

// Append implements [ledger.Store]: the head is read and the entries
// written in one transaction under SQLite's write lock, all or nothing, and
// are on disk when Append returns nil.
func (s *Store) Append(ctx context.Context, entries []ledger.Entry) error {
	_, err := s.append(ctx, entries, false)
	return err
}

// AppendChained implements [ledger.ChainAppender]: in one write
// transaction it reads the head, chains entries after it and inserts them,
// so a Ledger that met another process's append does not retry against a
// head that keeps moving.
func (s *Store) AppendChained(ctx context.Context, entries []ledger.Entry) ([]ledger.Entry, error) {
	return s.append(ctx, entries, true)
}

// append writes entries after the head in one write transaction; with
// chain, it first numbers, links and hashes them after that head. It
// returns the entries as written.
func (s *Store) append(ctx context.Context, entries []ledger.Entry, chain bool) ([]ledger.Entry, error) {
	if err := s.check(ctx, "append"); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, nil
	}
	rows := encode(entries) // before taking the writer; the chain fields are not encoded
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.wrap(ctx, "append", err)
	}
	defer tx.Rollback()
	head, err := ledgerrow.Head(tx.QueryRowContext(ctx, headSQL))
	if err != nil {
		return nil, s.wrap(ctx, "append", err)
	}
	if chain {
		entries = ledger.Chain(head, entries)
	}
	if err := s.insert(ctx, tx, head, entries, rows); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, s.wrap(ctx, "append", err)
	}
	return entries, nil
}

// row is an entry's lists, encoded as stored.
type row struct{ cats, basis []byte }

func encode(entries []ledger.Entry) []row {
	rows := make([]row, len(entries))
	for i, e := range entries {
		rows[i].cats, rows[i].basis = ledgerrow.AppendLists(nil, nil, e)
	}
	return rows
}

// insert checks that entries continue head and writes them in tx.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, head ledger.Head, entries []ledger.Entry, rows []row) error {
	if err := ledger.CheckAppend(head, entries); err != nil {
		return fmt.Errorf("sqliteledger: append: %w", err)
	}
	ins := tx.StmtContext(ctx, s.insertStmt)
	now := time.Now().UnixMicro()
	for i, e := range entries {
		if _, err := ins.ExecContext(ctx, int64(e.Seq), e.At.Unix(), e.At.Nanosecond(), e.Subject,
			string(e.Purpose), e.Recipient, string(e.RecipientKind), string(rows[i].cats), string(rows[i].basis),
			string(e.Exception), e.PolicyVersion, e.Reference, e.DecisionID, e.PrevHash[:], e.Hash[:], now); err != nil {
			return s.wrap(ctx, "append", err)
		}
	}
	return nil
}

// Head implements [ledger.Store].
func (s *Store) Head(ctx context.Context) (ledger.Head, error) {
	if err := s.check(ctx, "head"); err != nil {
		return ledger.Head{}, err
	}
	h, err := ledgerrow.Head(s.r.QueryRowContext(ctx, headSQL))
	if err != nil {
		return ledger.Head{}, s.wrap(ctx, "head", err)
	}
	return h, nil
}

// Scan implements [ledger.Store]. It reads one snapshot of the file: entries
// appended while it runs are not yielded.
func (s *Store) Scan(ctx context.Context, from uint64) iter.Seq2[ledger.Entry, error] {
	return func(yield func(ledger.Entry, error) bool) {
		if err := s.check(ctx, "scan"); err != nil {
			yield(ledger.Entry{}, err)
			return
		}
		// Beyond SQLite's INTEGER there is nothing to yield.
		if from > 1<<63-1 {
			return
		}
		rows, err := s.r.QueryContext(ctx, "SELECT "+columns+" FROM ledger_entries WHERE seq >= ? ORDER BY seq", int64(from))
		if err != nil {
			yield(ledger.Entry{}, s.wrap(ctx, "scan", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			e, err := ledgerrow.Entry(rows)
			if err != nil {
				yield(ledger.Entry{}, s.wrap(ctx, "scan", err))
				return
			}
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(ledger.Entry{}, s.wrap(ctx, "scan", err))
		}
	}
}

// Subject implements [ledger.Store].
func (s *Store) Subject(ctx context.Context, subject string) ([]ledger.Entry, error) {
	if err := s.check(ctx, "subject"); err != nil {
		return nil, err
	}
	out, err := sqlutil.QueryAll(ctx, s.r, ledgerrow.Entry, "SELECT "+columns+" FROM ledger_entries WHERE subject = ? ORDER BY seq", subject)
	if err != nil {
		return nil, s.wrap(ctx, "subject", err)
	}
	return out, nil
}

// Decision implements [ledger.DecisionReader]: the entries of one decision,
// read by the decision_id index.
func (s *Store) Decision(ctx context.Context, id string) ([]ledger.Entry, error) {
	if err := s.check(ctx, "decision"); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, nil // entries of before decision IDs are nobody's
	}
	out, err := sqlutil.QueryAll(ctx, s.r, ledgerrow.Entry, "SELECT "+columns+" FROM ledger_entries WHERE decision_id = ? AND decision_id <> '' ORDER BY seq", id)
	if err != nil {
		return nil, s.wrap(ctx, "decision", err)
	}
	return out, nil
}

var errs = sqlutil.Errs{Pkg: "sqliteledger", Closed: ledger.ErrClosed, Unavailable: ledger.ErrUnavailable}

// check fails fast on a closed store or a done context, before the
// database is touched.
func (s *Store) check(ctx context.Context, op string) error {
	return errs.Check(ctx, op, s.closed.Load())
}

// wrap names what made op fail: a broken chain as it is, ErrClosed when
// the store was closed under the call, the context's error when it is done,
// ErrUnavailable otherwise.
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	if errors.Is(err, ledger.ErrTampered) {
		return err
	}
	return errs.Wrap(ctx, op, s.closed.Load(), err)
}

func unavailable(op string, err error) error { return errs.Wrapped(op, err) }
