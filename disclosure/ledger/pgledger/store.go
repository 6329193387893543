package pgledger

import (
	"context"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/internal/ledgerrow"
	"github.com/yasam/privacy/internal/pgmigrate"
	"github.com/yasam/privacy/internal/sqlutil"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// SchemaVersion is the version of the "ledger" component this code needs
// in privacy_schema: the number of the last file in [Migrations].
const SchemaVersion = 2

// Component is the name the migrations record in privacy_schema.
const Component = "ledger"

// ErrSchemaBehind is returned by [New] when the database's ledger schema is
// missing or older than [SchemaVersion]: run [Migrate] or apply the files
// of [Migrations] (with a role that may run DDL), or pass [WithMigrate].
var ErrSchemaBehind = errors.New("pgledger: database schema is behind")

// Migrations returns the schema as SQL files, golang-migrate file naming
// (0001_init.up.sql, ...), up-only; each file also runs alone with psql and
// may run again without harm.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		panic(err) // the embedded directory is part of the build
	}
	return sub
}

// Option configures [New] and [Migrate].
type Option func(*config)

type config struct {
	schema  string
	migrate bool
}

// WithSchema names the PostgreSQL schema the table lives in. Without it,
// the connection's search_path decides.
func WithSchema(name string) Option { return func(c *config) { c.schema = name } }

// WithMigrate makes [New] apply the migrations first, as [Migrate] does;
// the pool's role then needs the rights to create tables, functions and
// triggers. Without it, New runs no DDL.
func WithMigrate() Option { return func(c *config) { c.migrate = true } }

// Migrate applies the migrations the database lacks, each file in its own
// transaction, under a transaction-scoped advisory lock, in the configured
// schema. It is safe to run from several instances at once.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	cfg := newConfig(opts)
	if _, err := pgmigrate.Apply(ctx, pool, pgmigrate.Config{Component: Component, Files: Migrations(), Schema: cfg.schema}); err != nil {
		return fmt.Errorf("pgledger: migrate: %w", unavailable(err))
	}
	return nil
}

func newConfig(opts []Option) config {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// Store is a [ledger.Store] in a PostgreSQL table, shared by any number of
// instances of a service: each append checks, in the statement that
// inserts it and under a transaction-scoped advisory lock, that it
// continues the head on record, so the chain stays gapless and linear
// whoever writes. The primary key on seq completes that check when the
// statement waited for the lock (see the package documentation).
//
// Store is safe for concurrent use by multiple goroutines. It does not own
// the pool: closing the pool is the host's.
//
// Privileges the pool's role needs: USAGE on the schema; SELECT and INSERT
// on ledger_entries; SELECT on privacy_schema. It needs no UPDATE, DELETE
// or TRUNCATE (the table refuses them from every role anyway), no sequence
// and no EXECUTE beyond what PUBLIC has (pg_advisory_xact_lock).
type Store struct {
	pool  *pgxpool.Pool
	table string // quoted, schema-qualified when a schema was named
	lock  int64  // advisory lock key of the table

	headSQL, appendSQL, scanSQL, subjectSQL, decisionSQL string
}

var (
	_ ledger.ChainAppender  = (*Store)(nil)
	_ ledger.DecisionReader = (*Store)(nil)
)

// New returns a store over pool. Unless [WithMigrate] is given it runs no
// DDL: it checks that privacy_schema records the "ledger" component at
// [SchemaVersion] or later, and fails with an error wrapping
// [ErrSchemaBehind] otherwise.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgledger: New with a nil pool")
	}
	cfg := newConfig(opts)
	if cfg.migrate {
		if err := Migrate(ctx, pool, opts...); err != nil {
			return nil, err
		}
	}
	if err := pgmigrate.Check(ctx, pool, cfg.schema, Component, SchemaVersion, ErrSchemaBehind); err != nil {
		if errors.Is(err, ErrSchemaBehind) {
			return nil, err
		}
		return nil, fmt.Errorf("pgledger: new: %w", unavailable(err))
	}
	table := pgx.Identifier{"ledger_entries"}
	if cfg.schema != "" {
		table = pgx.Identifier{cfg.schema, "ledger_entries"}
	}
	s := &Store{pool: pool, table: table.Sanitize()}
	// The lock key names the table itself (its oid), so stores that reach
	// one table by different search_paths still take the same lock.
	var oid uint32
	if err := pool.QueryRow(ctx, "SELECT $1::regclass::oid", s.table).Scan(&oid); err != nil {
		return nil, fmt.Errorf("pgledger: new: %w", unavailable(err))
	}
	h := fnv.New32a()
	h.Write([]byte("github.com/yasam/privacy/pgledger"))
	s.lock = int64(binary.BigEndian.Uint64(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, h.Sum32()), oid)))
	s.prepare()
	return s, nil
}

const columns = ledgerrow.Columns

func (s *Store) prepare() {
	s.headSQL = "SELECT seq, hash FROM " + s.table + " ORDER BY seq DESC LIMIT 1"
	// One statement takes the chain's lock and inserts the batch only if
	// it continues the head on record: the compare and the append are
	// one. The lock is taken before any row is inserted, and held to the
	// commit, so every append waits for those before it to commit. The
	// head is read in the statement's snapshot, which may be older than
	// the lock (taken when the statement waited for it): a batch that
	// compares equal to a head another append has since moved starts at
	// an entry number on record, and the primary key refuses it. So a
	// batch is written only if it continues the head at the time its lock
	// was granted.
	s.appendSQL = `WITH head AS (` + s.headSQL + `)
INSERT INTO ` + s.table + ` (` + columns + `)
SELECT u.seq, u.at_s, u.at_ns, u.subject, u.purpose, u.recipient, u.recipient_kind, u.categories::jsonb, u.basis::jsonb,
	u.exception, u.policy_version, u.reference, u.decision_id, u.prev_hash, u.hash
FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
	$10::text[], $11::text[], $12::text[], $13::text[], $14::bytea[], $15::bytea[])
	AS u(seq, at_s, at_ns, subject, purpose, recipient, recipient_kind, categories, basis,
	exception, policy_version, reference, decision_id, prev_hash, hash)
WHERE coalesce((SELECT seq FROM head), 0) = $16
	AND coalesce((SELECT hash FROM head), decode(repeat('00', 32), 'hex')) = $17
	AND (SELECT pg_advisory_xact_lock($18)) IS NOT NULL`
	s.scanSQL = "SELECT " + columns + " FROM " + s.table + " WHERE seq >= $1 ORDER BY seq"
	s.subjectSQL = "SELECT " + columns + " FROM " + s.table + " WHERE subject = $1 ORDER BY seq"
	s.decisionSQL = "SELECT " + columns + " FROM " + s.table + " WHERE decision_id = $1 AND decision_id <> '' ORDER BY seq"
}

// db is what the store runs on: the pool, or a host's transaction.
type db interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Append implements [ledger.Store]: one round trip, one implicit
// transaction, all entries or none; they are committed when Append
// returns nil.
func (s *Store) Append(ctx context.Context, entries []ledger.Entry) error {
	return s.append(ctx, s.pool, entries)
}

func (s *Store) append(ctx context.Context, q db, entries []ledger.Entry) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pgledger: append: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	// The batch must be sound in itself; whether it continues the head is
	// checked by the database, under the lock.
	first := entries[0]
	head := ledger.Head{Seq: first.Seq - 1, Hash: first.PrevHash}
	if first.Seq == 0 {
		head = ledger.Head{}
	}
	if err := ledger.CheckAppend(head, entries); err != nil {
		return fmt.Errorf("pgledger: append: %w", err)
	}
	tag, err := s.send(ctx, q, entries)
	switch {
	case isUniqueViolation(err):
		return fmt.Errorf("pgledger: append: %w", ledger.ErrConflict)
	case err != nil:
		return wrap(ctx, "append", err)
	case tag.RowsAffected() != int64(len(entries)):
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("pgledger: append: %w: the batch starts at entry %d", ledger.ErrConflict, first.Seq)
		}
		return fmt.Errorf("pgledger: append: %w: %d of %d rows written", ledger.ErrUnavailable, tag.RowsAffected(), len(entries))
	}
	return nil
}

// send runs the append statement in one round trip (Bind, Describe,
// Execute, Sync): one implicit transaction committed at the Sync, or the
// host's transaction for a Tx view. The statement is prepared on the
// connection once; the parameters go in binary, encoded by [encoder].
func (s *Store) send(ctx context.Context, q db, entries []ledger.Entry) (pgconn.CommandTag, error) {
	var conn *pgx.Conn
	retry := false // not inside a host's transaction, which a failed Bind aborts
	switch q := q.(type) {
	case *pgxpool.Pool:
		pc, err := q.Acquire(ctx)
		if err != nil {
			return pgconn.CommandTag{}, err
		}
		defer pc.Release()
		conn, retry = pc.Conn(), true
	case pgx.Tx:
		// The statement goes through the connection under the host's
		// transaction, where pgx no longer checks that the transaction is
		// open: an append after the host committed or rolled back would
		// run on its own, or on a connection back in the pool. Refuse it.
		if _, err := q.Prepare(ctx, s.appendSQL, s.appendSQL); err != nil {
			return pgconn.CommandTag{}, err
		}
		conn = q.Conn()
		if conn.PgConn().TxStatus() != 'T' {
			return pgconn.CommandTag{}, pgx.ErrTxClosed
		}
	default:
		return pgconn.CommandTag{}, fmt.Errorf("pgledger: append on a %T", q)
	}
	enc := encoders.Get().(*encoder)
	defer encoders.Put(enc)
	params := enc.encode(entries, s.lock)
	for attempt := 0; ; attempt++ {
		ins, err := conn.Prepare(ctx, s.appendSQL, s.appendSQL)
		if err != nil {
			return pgconn.CommandTag{}, err
		}
		res := conn.PgConn().ExecPrepared(ctx, ins.Name, params, binaryFormats, nil).Read()
		// A statement dropped behind the connection's back (DEALLOCATE
		// ALL, DISCARD ALL) fails at Bind, before anything ran: prepare
		// it again and send the batch once more (in a host's transaction
		// the failure aborted it: the next append prepares again).
		if s.forgetIfDropped(ctx, conn, res.Err) && retry && attempt == 0 {
			continue
		}
		return res.CommandTag, res.Err
	}
}

// forgetIfDropped reports whether err says the append statement is not
// prepared on conn, though the connection had it; it then forgets it, so
// that the next use prepares it again.
func (s *Store) forgetIfDropped(ctx context.Context, conn *pgx.Conn, err error) bool {
	if !statementDropped(err) {
		return false
	}
	// Close of a statement the server does not have is no error; this
	// drops the connection's record of it.
	return conn.Deallocate(ctx, s.appendSQL) == nil
}

// AppendChained implements [ledger.ChainAppender]: in one transaction,
// under the advisory lock, it reads the head, chains entries after it and
// inserts them. A Ledger calls it when an append met a head another
// instance had moved, so contention costs one refused attempt, not a retry
// loop.
func (s *Store) AppendChained(ctx context.Context, entries []ledger.Entry) ([]ledger.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgledger: append: %w", err)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, wrap(ctx, "append", err)
	}
	defer conn.Release()
	for attempt := 0; ; attempt++ {
		out, err := s.appendChained(ctx, conn.Conn(), entries)
		if err == nil {
			return out, nil
		}
		// Whatever state the connection is in, end the transaction; a
		// connection that cannot is not returned to the pool.
		if _, rerr := conn.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
			return nil, err
		}
		// A statement dropped behind the connection's back failed at
		// Bind, before it ran. Whatever dropped it (DEALLOCATE ALL,
		// DISCARD ALL) dropped the append statement too: forget it, and
		// try once more.
		if attempt > 0 || !statementDropped(err) || conn.Conn().Deallocate(ctx, s.appendSQL) != nil {
			return nil, err
		}
	}
}

// statementDropped reports whether err is PostgreSQL's "prepared statement
// does not exist".
func statementDropped(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "26000" // invalid_sql_statement_name
}

// appendChained holds the lock for one round trip and the commit: the
// first batch opens the transaction, takes the lock and reads the head; the
// second inserts the chained entries and commits.
func (s *Store) appendChained(ctx context.Context, conn *pgx.Conn, entries []ledger.Entry) ([]ledger.Entry, error) {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue("SELECT pg_advisory_xact_lock($1)", s.lock)
	b.Queue(s.headSQL)
	res := conn.SendBatch(ctx, b)
	_, err := res.Exec()
	if err == nil {
		_, err = res.Exec()
	}
	var head ledger.Head
	if err == nil {
		head, err = ledgerrow.Head(res.QueryRow())
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, wrap(ctx, "append", err)
	}
	out := ledger.Chain(head, entries)
	if err := ledger.CheckAppend(head, out); err != nil {
		return nil, fmt.Errorf("pgledger: append: %w", err)
	}
	ins, err := conn.Prepare(ctx, s.appendSQL, s.appendSQL)
	if err != nil {
		return nil, wrap(ctx, "append", err)
	}
	enc := encoders.Get().(*encoder)
	defer encoders.Put(enc)
	pb := &pgconn.Batch{}
	pb.ExecStatement(ins, enc.encode(out, s.lock), binaryFormats, nil)
	pb.ExecParams("COMMIT", nil, nil, nil, nil)
	var tag pgconn.CommandTag
	results, err := conn.PgConn().ExecBatch(ctx, pb).ReadAll()
	for _, r := range results {
		if err == nil {
			err = r.Err
		}
	}
	if err == nil && len(results) == 2 {
		tag = results[0].CommandTag
	}
	s.forgetIfDropped(ctx, conn, err) // the next append prepares it again
	switch {
	case err != nil:
		return nil, wrap(ctx, "append", err)
	case tag.RowsAffected() != int64(len(out)):
		return nil, fmt.Errorf("pgledger: append: %w: %d of %d rows written under the lock", ledger.ErrUnavailable, tag.RowsAffected(), len(out))
	}
	return out, nil
}

// Head implements [ledger.Store].
func (s *Store) Head(ctx context.Context) (ledger.Head, error) {
	return s.head(ctx, s.pool, false)
}

func (s *Store) head(ctx context.Context, q db, lock bool) (ledger.Head, error) {
	if err := ctx.Err(); err != nil {
		return ledger.Head{}, fmt.Errorf("pgledger: head: %w", err)
	}
	if lock {
		if _, err := q.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", s.lock); err != nil {
			return ledger.Head{}, wrap(ctx, "head", err)
		}
	}
	h, err := ledgerrow.Head(q.QueryRow(ctx, s.headSQL))
	if err != nil {
		return ledger.Head{}, wrap(ctx, "head", err)
	}
	return h, nil
}

// Scan implements [ledger.Store]. It reads one snapshot: entries appended
// while it runs are not yielded. It holds a connection of the pool until
// the loop ends.
func (s *Store) Scan(ctx context.Context, from uint64) iter.Seq2[ledger.Entry, error] {
	return s.scan(ctx, s.pool, from)
}

func (s *Store) scan(ctx context.Context, q db, from uint64) iter.Seq2[ledger.Entry, error] {
	return func(yield func(ledger.Entry, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(ledger.Entry{}, fmt.Errorf("pgledger: scan: %w", err))
			return
		}
		if from > 1<<63-1 {
			return
		}
		rows, err := q.Query(ctx, s.scanSQL, int64(from))
		if err != nil {
			yield(ledger.Entry{}, wrap(ctx, "scan", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			e, err := ledgerrow.Entry(rows)
			if err != nil {
				yield(ledger.Entry{}, wrap(ctx, "scan", err))
				return
			}
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(ledger.Entry{}, wrap(ctx, "scan", err))
		}
	}
}

// Subject implements [ledger.Store].
func (s *Store) Subject(ctx context.Context, subject string) ([]ledger.Entry, error) {
	return s.subject(ctx, s.pool, subject)
}

func (s *Store) subject(ctx context.Context, q db, subject string) ([]ledger.Entry, error) {
	return s.query(ctx, q, "subject", s.subjectSQL, subject)
}

// Decision implements [ledger.DecisionReader]: the entries of one decision,
// read by the decision_id index.
func (s *Store) Decision(ctx context.Context, id string) ([]ledger.Entry, error) {
	if id == "" {
		return nil, nil // entries of before decision IDs are nobody's
	}
	return s.query(ctx, s.pool, "decision", s.decisionSQL, id)
}

func (s *Store) query(ctx context.Context, q db, op, sql, arg string) ([]ledger.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgledger: %s: %w", op, err)
	}
	rows, err := q.Query(ctx, sql, arg)
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	out, err := pgx.AppendRows([]ledger.Entry(nil), rows, entry) // closes rows
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	return out, nil
}

func entry(row pgx.CollectableRow) (ledger.Entry, error) { return ledgerrow.Entry(row) }

// Tx returns a view of the store that works inside tx, a transaction the
// host holds (the outbox pattern): entries recorded through it commit or
// roll back with the host's own writes. Its Head takes the ledger's
// advisory lock, held until tx ends, so appends from other transactions
// and instances wait for the host to commit; keep such transactions short.
//
// Record through it with a Ledger of its own, used by one goroutine, for
// the life of tx:
//
//	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
//		// ... the host's business write ...
//		_, err := ledger.New(store.Tx(tx), ledger.WithResolver(engine)).Record(ctx, user, d, ...)
//		return err
//	})
//
// A pgx.Tx is not safe for concurrent use, and neither is the view.
func (s *Store) Tx(tx pgx.Tx) ledger.Store { return &txStore{s: s, tx: tx} }

type txStore struct {
	s  *Store
	tx pgx.Tx
}

func (t *txStore) Append(ctx context.Context, entries []ledger.Entry) error {
	return t.s.append(ctx, t.tx, entries)
}

func (t *txStore) Head(ctx context.Context) (ledger.Head, error) { return t.s.head(ctx, t.tx, true) }

func (t *txStore) Scan(ctx context.Context, from uint64) iter.Seq2[ledger.Entry, error] {
	return t.s.scan(ctx, t.tx, from)
}

func (t *txStore) Subject(ctx context.Context, subject string) ([]ledger.Entry, error) {
	return t.s.subject(ctx, t.tx, subject)
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// wrap names what made op fail: a broken chain as it is, the context's
// error when it is done, ErrUnavailable otherwise.
func wrap(ctx context.Context, op string, err error) error {
	switch {
	case errors.Is(err, ledger.ErrTampered):
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("pgledger: %s: %w", op, ctx.Err())
	}
	return fmt.Errorf("pgledger: %s: %w", op, unavailable(err))
}

// unavailable wraps err as the store's unavailability; a failed
// connection's text, which names its user, database and host, says only
// its class.
func unavailable(err error) error {
	return fmt.Errorf("%w: %w", ledger.ErrUnavailable, sqlutil.RedactConnect(err))
}
