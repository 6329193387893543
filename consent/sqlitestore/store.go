package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/internal/groupcommit"
	"github.com/yasam/privacy/consent/internal/statecache"
	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/purpose"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned by [Open] for a database whose schema was
// written by a newer version of this package; upgrade the library rather
// than let old code write to it.
var ErrSchemaTooNew = errors.New("sqlitestore: database schema is newer than this code knows")

// ErrReadOnly is returned by [Open] for a database it cannot write (a
// read-only file, directory or mount): a store that could not record a
// withdrawal must not serve consent. It is wrapped with
// [consent.ErrUnavailable].
var ErrReadOnly = errors.New("sqlitestore: database is not writable, so withdrawals could not be recorded")

// ErrCorrupt is returned, wrapped with [consent.ErrUnavailable], by [Open]
// for a file that fails SQLite's quick_check, and by every call once the
// open file is seen damaged (its header overwritten, or SQLite reports
// corruption): the store fails closed from then on, whatever its cache
// holds.
var ErrCorrupt = errors.New("sqlitestore: database file is damaged")

// ErrReplaced is returned, wrapped with [consent.ErrUnavailable], by every
// call once the store sees that its path no longer names the file it
// opened: the file was deleted, or another was put in its place (a
// restored backup). What the store would read and write is then no longer
// what other Stores over the path see, so it fails closed until reopened.
// State looks at most every 10 ms, every commit of appends before it
// writes.
var ErrReplaced = errors.New("sqlitestore: database file was deleted or replaced while open")

// Option configures a [Store]; see [Open].
type Option func(*config)

type config struct {
	cacheSize   int
	busyTimeout time.Duration
	readConns   int
	soleWriter  bool
}

// WithCacheSize bounds the number of users whose [consent.State] is kept in
// memory (default 4096). Zero or less disables the cache: every State reads
// the log.
func WithCacheSize(n int) Option { return func(c *config) { c.cacheSize = n } }

// WithSoleWriter promises that no other Store, in this process or another,
// appends to the file. A warm [Store.State] then skips even the read of
// the mapped WAL index that looks for others' appends (a few nanoseconds;
// where files are not mapped, a query of about 10 µs). Tokens
// ([Store.StateAtLeast]) are still honoured. Break the promise and State
// may serve a state
// that misses another writer's events, a withdrawal among them, until the
// entry leaves the cache: use it only for a single instance that owns its
// file.
func WithSoleWriter() Option { return func(c *config) { c.soleWriter = true } }

// WithBusyTimeout sets how long a connection waits for a lock held by
// another connection or process before it fails (default 5s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithReadConns sets the size of the read pool (default: GOMAXPROCS, at
// least 4). Appends always go through one writer connection.
func WithReadConns(n int) Option { return func(c *config) { c.readConns = n } }

// Store is a [consent.Store] in a SQLite file. It is safe for concurrent
// use by multiple goroutines. Create it with [Open]; the zero value is not
// usable.
type Store struct {
	w        *sql.DB // one connection: SQLite has one writer anyway
	r        *sql.DB // a pool of query-only connections
	byID     *sql.Stmt
	maxSeq   *sql.Stmt // on the writer
	idsAfter *sql.Stmt // on the writer
	// inserts[n-1] inserts n rows in one statement, prepared when first
	// needed; guarded by insMu.
	insMu   sync.Mutex
	inserts [maxRows]*sql.Stmt
	// fast is the commit groups' common path (fastwrite.go); only the
	// group leader, holding the writer connection, touches it.
	fast  fastWriter
	cache *statecache.Cache
	// sole: no other writer appends to the file (WithSoleWriter), so
	// this Store's own invalidations keep the cache right.
	sole bool

	// checked is the highest seq whose subject's cache entries have been
	// invalidated: anything committed up to it, by this process or any
	// other, is reflected by the cache. probeMu serializes catching up.
	checked atomic.Int64
	probeMu sync.Mutex
	// watch maps the WAL index and the file header; seen is the WAL-index
	// header as it was before the last catch-up: while the file shows the
	// same, nothing was committed since, and a warm State needs no query.
	watch   *watch
	seen    atomic.Pointer[[48]byte]
	corrupt atomic.Bool
	storeID string
	group   *groupcommit.Group[[]consent.Event, int64]
	// commits and committed count the transactions of commit groups and
	// the Appends they carried (see Stats).
	commits, committed atomic.Uint64

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ consent.Store = (*Store)(nil)

// Open opens (creating if needed) the SQLite database at path, a plain file
// name, and brings its schema up to date. The file is put in WAL mode with
// synchronous=FULL, so an Append that returned nil survives a crash or a
// power cut.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{cacheSize: 4096, busyTimeout: 5 * time.Second, readConns: max(4, runtime.GOMAXPROCS(0))}
	for _, o := range opts {
		o(&cfg)
	}
	db, err := sqlutil.OpenSQLite(ctx, path, sqlutil.SQLiteConfig{
		BusyTimeout:  cfg.busyTimeout,
		ReadConns:    cfg.readConns,
		ForeignKeys:  true,
		Migrations:   migrationFS,
		Dir:          "migrations",
		VersionTable: "consent_schema_version",
		SchemaTooNew: ErrSchemaTooNew,
		// A multi-row INSERT keeps a statement journal; in memory it
		// costs no writes to a temporary file.
		WriterPragmas: []string{"temp_store(MEMORY)"},
	}, errs)
	if err != nil {
		if readOnly(err) {
			return nil, fmt.Errorf("%w: %w", ErrReadOnly, consent.ErrUnavailable)
		}
		return nil, err
	}
	s := &Store{w: db.W, r: db.R, cache: statecache.New(cfg.cacheSize), sole: cfg.soleWriter}
	s.group = groupcommit.New(s.commitGroup, 256, cfg.busyTimeout+10*time.Second)
	if err := s.init(ctx, path); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// init checks that the file is sound and writable and prepares what the
// store needs beyond the shared SQLite setup.
func (s *Store) init(ctx context.Context, path string) error {
	var problems []string
	rows, err := s.w.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return s.wrap("open", ctx, err)
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return s.wrap("open", ctx, err)
		}
		problems = append(problems, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.wrap("open", ctx, err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		// The messages name pages and tables, not rows' content.
		return fmt.Errorf("%w: %w: quick_check found %d problem(s)", ErrCorrupt, consent.ErrUnavailable, len(problems))
	}
	if err := s.probeWrite(ctx); err != nil {
		return err
	}
	if err := s.w.QueryRowContext(ctx, "SELECT value FROM consent_meta WHERE name = 'store_id'").Scan(&s.storeID); err != nil {
		return s.wrap("open", ctx, err)
	}
	// Put page 1 in the main file (a new file has it only in the WAL) so
	// that its header can be watched.
	if _, err := s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		return s.wrap("open", ctx, err)
	}
	if s.watch, err = openWatch(path); err != nil {
		return fmt.Errorf("%w: %w: %w", ErrCorrupt, consent.ErrUnavailable, err)
	}
	if s.maxSeq, err = s.w.PrepareContext(ctx, lastSeqSQL); err != nil {
		return wrap("open", ctx, err)
	}
	if s.idsAfter, err = s.w.PrepareContext(ctx, "SELECT id FROM consent_events WHERE seq > ?"); err != nil {
		return wrap("open", ctx, err)
	}
	if s.byID, err = s.w.PrepareContext(ctx, "SELECT "+columns+" FROM consent_events WHERE id = ?"); err != nil {
		return wrap("open", ctx, err)
	}
	h, stable := s.watch.walHeader()
	var seq int64
	if err := s.r.QueryRowContext(ctx, lastSeqSQL).Scan(&seq); err != nil {
		return wrap("open", ctx, err)
	}
	s.checked.Store(seq)
	if stable {
		s.seen.Store(&h)
	}
	return nil
}

// probeWrite takes the write lock and writes a row, then rolls back: a
// file SQLite opened read-only (permissions, a read-only mount, a
// directory where the WAL cannot be created) fails here, not at the first
// withdrawal.
func (s *Store) probeWrite(ctx context.Context) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err == nil {
		defer tx.Rollback()
		_, err = tx.ExecContext(ctx, "INSERT INTO consent_meta (name, value) VALUES ('open_probe', '')")
	}
	if err != nil {
		if readOnly(err) {
			return fmt.Errorf("%w: %w", ErrReadOnly, consent.ErrUnavailable)
		}
		return s.wrap("open", ctx, err)
	}
	return nil
}

// readOnly reports whether SQLite refused a write because the file, its
// directory or its mount is read-only.
func readOnly(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqliteReadOnly
}

// SQLite's primary result codes the store tells apart.
const (
	sqliteReadOnly = 8
	sqliteCorrupt  = 11
	sqliteNotADB   = 26
)

// Close closes the database. Calls after Close return an error wrapping
// [consent.ErrClosed]. Close is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		var errs []error
		errs = append(errs, s.closeFast())
		for _, st := range append([]*sql.Stmt{s.byID, s.maxSeq, s.idsAfter}, s.inserts[:]...) {
			if st != nil {
				errs = append(errs, st.Close())
			}
		}
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		errs = append(errs, s.w.Close())
		if s.watch != nil {
			s.watch.close()
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = unavailable("close", err)
		}
	})
	return s.closeErr
}

const columns = `id, subject, action, purpose, recipient, policy_version, at_us, at_ns,
	channel, evidence, until_us, until_ns, third_party_transfer, cross_border_transfer, publication,
	operator_name, operator_bin, categories`

// maxRows bounds the rows of one INSERT statement (19 parameters each).
const maxRows = 64

// insertStmt returns the statement that inserts n rows (1 <= n <= maxRows)
// (IDs on record are skipped).
func (s *Store) insertStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	s.insMu.Lock()
	defer s.insMu.Unlock()
	if st := s.inserts[n-1]; st != nil {
		return st, nil
	}
	st, err := s.w.PrepareContext(ctx, insertSQL(n, false))
	if err != nil {
		return nil, err
	}
	s.inserts[n-1] = st
	return st, nil
}

// Append implements [consent.Store]: the batch is written in one
// transaction, all or nothing, and is on disk when Append returns nil.
// Concurrent Appends share a transaction (group commit): one fsync serves
// them all, and each batch still stands or fails alone.
func (s *Store) Append(ctx context.Context, events ...consent.Event) error {
	_, err := s.AppendToken(ctx, events...)
	return err
}

var _ consent.TokenStore = (*Store)(nil)

// AppendToken implements [consent.TokenStore]: [Store.Append], returning
// the commit position, which [Store.StateAtLeast] on any Store over the
// same file can require.
func (s *Store) AppendToken(ctx context.Context, events ...consent.Event) (consent.Token, error) {
	if err := s.check(ctx, "append"); err != nil {
		return "", err
	}
	if err := consent.ValidateBatch(events); err != nil {
		return "", fmt.Errorf("sqlitestore: append: %w", err)
	}
	if len(events) == 0 {
		return "", nil
	}
	seq, err := s.group.Do(ctx, events)
	if err != nil {
		if errors.Is(err, consent.ErrConflict) || errors.Is(err, consent.ErrClosed) || errors.Is(err, consent.ErrUnavailable) {
			return "", err
		}
		return "", s.wrap("append", ctx, err)
	}
	return s.token(seq), nil
}

// commitGroup writes the batches of concurrent Appends in one
// transaction and returns for each the highest seq on record at commit. A
// batch that conflicts with the record fails alone: the transaction is
// rolled back and written again without it (conflicts are rare, so no
// savepoint is paid for on every batch).
func (s *Store) commitGroup(ctx context.Context, batches [][]consent.Event) ([]int64, []error) {
	errs := make([]error, len(batches))
	fail := func(err error) ([]int64, []error) {
		err = s.wrap("append", ctx, err)
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return nil, errs
	}
	if err := s.health(true); err != nil {
		return fail(err)
	}
	rows := make([]groupRow, 0, len(batches))
	for i, batch := range batches {
		for _, e := range batch {
			rows = append(rows, groupRow{i, e})
		}
	}
	seq, err := s.writeFast(ctx, rows, time.Now().UnixMicro())
	if err == nil {
		s.invalidate(rows)
		s.commits.Add(1)
		s.committed.Add(uint64(len(batches)))
		seqs := make([]int64, len(batches))
		for i := range seqs {
			seqs[i] = seq
		}
		return seqs, errs
	}
	if !errors.Is(err, errNotAllInserted) {
		return fail(err)
	}
	for {
		seq, bad, err := s.writeGroup(ctx, batches, errs)
		if err != nil {
			return fail(err)
		}
		if bad < 0 {
			s.commits.Add(1)
			for _, e := range errs {
				if e == nil {
					s.committed.Add(1)
				}
			}
			seqs := make([]int64, len(batches))
			for i := range seqs {
				seqs[i] = seq
			}
			return seqs, errs
		}
		errs[bad] = fmt.Errorf("sqlitestore: append: %w: %s", consent.ErrConflict, conflictID(ctx, s, batches[bad]))
	}
}

// writeGroup writes the batches not yet failed in errs in one
// transaction, as few multi-row INSERTs. It returns the highest seq at
// commit, or the index of a batch that conflicts (nothing is then
// committed), or an error.
func (s *Store) writeGroup(ctx context.Context, batches [][]consent.Event, errs []error) (int64, int, error) {
	var rows []groupRow
	for i, batch := range batches {
		if errs[i] == nil {
			for _, e := range batch {
				rows = append(rows, groupRow{i, e})
			}
		}
	}
	// Prepared on the writer connection, so before the transaction
	// takes it.
	var stmts []*sql.Stmt
	for chunk := range slices.Chunk(rows, maxRows) {
		st, err := s.insertStmt(ctx, len(chunk))
		if err != nil {
			return 0, -1, err
		}
		stmts = append(stmts, st)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, -1, err
	}
	defer tx.Rollback()
	maxSeq := tx.StmtContext(ctx, s.maxSeq)
	var prev int64
	if err := maxSeq.QueryRowContext(ctx).Scan(&prev); err != nil {
		return 0, -1, err
	}
	now := time.Now().UnixMicro()
	args := make([]any, 0, 19*min(len(rows), maxRows))
	i := 0
	var affected int64
	for chunk := range slices.Chunk(rows, maxRows) {
		st := stmts[i]
		i++
		args = args[:0]
		for _, r := range chunk {
			args = appendArgs(args, r.e, now)
		}
		res, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		if err != nil {
			return 0, -1, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, -1, err
		}
		affected += n
	}
	if affected < int64(len(rows)) {
		if bad, err := s.checkRepeats(ctx, tx, prev, rows); err != nil || bad >= 0 {
			return 0, bad, err
		}
	}
	var seq int64
	if err := maxSeq.QueryRowContext(ctx).Scan(&seq); err != nil {
		return 0, -1, err
	}
	if err := tx.Commit(); err != nil {
		return 0, -1, err
	}
	s.invalidate(rows)
	return seq, -1, nil
}

// invalidate drops the cached states of the subjects of rows, just
// committed: read-your-writes without waiting for the next probe.
func (s *Store) invalidate(rows []groupRow) {
	subjects := make([]string, 0, len(rows))
	for _, r := range rows {
		subjects = append(subjects, r.e.Subject)
	}
	s.cache.Invalidate(subjects...)
}

// groupRow is one event of a commit group and the batch it came in.
type groupRow struct {
	batch int
	e     consent.Event
}

// checkRepeats runs when fewer rows were inserted than written: an ID not
// inserted is on record, or twice in the group; a repeat is skipped, other
// content is a conflict, whose batch it returns.
func (s *Store) checkRepeats(ctx context.Context, tx *sql.Tx, prev int64, rows []groupRow) (int, error) {
	ids, err := sqlutil.QueryAllStmt(ctx, tx.StmtContext(ctx, s.idsAfter), scanString, prev)
	if err != nil {
		return -1, err
	}
	inserted := make(map[string]bool, len(ids))
	for _, id := range ids {
		inserted[id] = true
	}
	first := make(map[string]consent.Event, len(rows))
	byID := tx.StmtContext(ctx, s.byID)
	for _, r := range rows {
		if f, ok := first[r.e.ID]; ok {
			if !f.Equal(r.e) {
				return r.batch, nil
			}
			continue
		}
		first[r.e.ID] = r.e
		if inserted[r.e.ID] {
			continue
		}
		old, err := scanEvent(byID.QueryRowContext(ctx, r.e.ID))
		if err != nil {
			return -1, err
		}
		if !old.Equal(r.e) {
			return r.batch, nil
		}
	}
	return -1, nil
}

func scanString(r sqlutil.Scanner) (v string, err error) {
	err = r.Scan(&v)
	return v, err
}

// appendArgs appends the 19 parameters of one row.
func appendArgs(args []any, e consent.Event, now int64) []any {
	atUS, atNS := sqlutil.SplitTime(e.At)
	var untilUS, untilNS sql.Null[int64]
	if !e.Until.IsZero() {
		us, ns := sqlutil.SplitTime(e.Until)
		untilUS = sql.Null[int64]{V: us.UnixMicro(), Valid: true}
		untilNS = sql.Null[int64]{V: int64(ns), Valid: true}
	}
	return append(args, e.ID, e.Subject, string(e.Action), string(e.Scope.Purpose), e.Scope.Recipient,
		e.PolicyVersion, atUS.UnixMicro(), atNS, string(e.Channel), e.Evidence, untilUS, untilNS,
		e.Flags.ThirdPartyTransfer, e.Flags.CrossBorderTransfer, e.Flags.Publication,
		e.Operator.Name, e.Operator.BIN, encodeCategories(e.Categories), now)
}

// encodeCategories writes a list of data collected as a JSON array, ”
// when empty (as rows written before the column existed hold).
func encodeCategories(cs []purpose.Category) string {
	if len(cs) == 0 {
		return ""
	}
	b, _ := json.Marshal(cs) // strings only: cannot fail
	return string(b)
}

// decodeCategories reads what encodeCategories wrote.
func decodeCategories(s string) ([]purpose.Category, error) {
	if s == "" {
		return nil, nil
	}
	var cs []purpose.Category
	if err := json.Unmarshal([]byte(s), &cs); err != nil {
		return nil, fmt.Errorf("sqlitestore: categories column is not a JSON array of strings: %w", err)
	}
	return cs, nil
}

// conflictID names the event of batch whose ID is on record with other
// content, for the error (an ID, never a subject).
func conflictID(ctx context.Context, s *Store, batch []consent.Event) string {
	seen := map[string]consent.Event{}
	for _, e := range batch {
		if f, ok := seen[e.ID]; ok && !f.Equal(e) {
			return e.ID
		}
		seen[e.ID] = e
		old, err := scanEvent(s.byID.QueryRowContext(ctx, e.ID))
		if err == nil && !old.Equal(e) {
			return e.ID
		}
	}
	return "(in the batch)"
}

// token names seq in this file.
func (s *Store) token(seq int64) consent.Token {
	return consent.Token("sqlite." + s.storeID + "." + strconv.FormatInt(seq, 10))
}

// parseToken returns the position a token of this file names.
func (s *Store) parseToken(t consent.Token) (int64, error) {
	id, pos, ok := strings.Cut(strings.TrimPrefix(string(t), "sqlite."), ".")
	seq, err := strconv.ParseInt(pos, 10, 64)
	if !strings.HasPrefix(string(t), "sqlite.") || !ok || id != s.storeID || err != nil || seq < 0 {
		return 0, fmt.Errorf("sqlitestore: state: %w", consent.ErrTokenInvalid)
	}
	return seq, nil
}

// State implements [consent.Store]. A warm state comes from the cache; the
// store first looks, in memory mapped from the file, whether anything was
// committed since it last looked, by this Store or any other process, and
// only then asks the database which users changed.
func (s *Store) State(ctx context.Context, user string) (consent.State, error) {
	return s.state(ctx, user, 0)
}

// StateAtLeast implements [consent.TokenStore]: [Store.State] that also
// reflects every append up to t, whichever Store over this file made it.
func (s *Store) StateAtLeast(ctx context.Context, user string, t consent.Token) (consent.State, error) {
	if t == "" {
		return s.state(ctx, user, 0)
	}
	seq, err := s.parseToken(t)
	if err != nil {
		return consent.State{}, err
	}
	return s.state(ctx, user, seq)
}

func (s *Store) state(ctx context.Context, user string, atLeast int64) (consent.State, error) {
	if err := s.check(ctx, "state"); err != nil {
		return consent.State{}, err
	}
	if err := s.health(false); err != nil {
		return consent.State{}, err
	}
	if s.cache != nil {
		if !s.sole || atLeast > s.checked.Load() {
			if err := s.catchUp(ctx, atLeast); err != nil {
				return consent.State{}, err
			}
		}
	} else if atLeast > 0 {
		if _, err := s.reached(ctx, atLeast); err != nil {
			return consent.State{}, err
		}
	}
	// Concurrent misses of one user share one read.
	return s.cache.Load(ctx, user, nil, func() (consent.State, error) {
		events, err := s.history(ctx, "state", user)
		if err != nil {
			return consent.State{}, err
		}
		// Already in log order: fold without Fold's copy and sort.
		f := consent.NewFolder(consent.NewState(user))
		for _, e := range events {
			f.Apply(e)
		}
		return f.State(), nil
	})
}

// health fails once the file is seen damaged (its header no longer reads
// as it did at open, or SQLite reported corruption) or no longer at its
// path (see [ErrReplaced]; looked at now, or at most every few
// milliseconds).
func (s *Store) health(now bool) error {
	if s.corrupt.Load() || !s.watch.headerOK() {
		s.corrupt.Store(true)
		return fmt.Errorf("%w: %w", ErrCorrupt, consent.ErrUnavailable)
	}
	if s.watch.replaced(now) {
		return fmt.Errorf("%w: %w", ErrReplaced, consent.ErrUnavailable)
	}
	return nil
}

// catchUp invalidates the cached states of every subject with events
// appended since the last check, whoever appended them, and makes sure
// the cache reflects position atLeast. While the WAL index shows the same
// header as before the last catch-up, nothing was committed since and no
// query is needed. seq only grows, and SQLite's single write lock makes
// rows commit in seq order, so the highest seq is a complete watermark.
func (s *Store) catchUp(ctx context.Context, atLeast int64) error {
	h, stable := s.watch.walHeader()
	if stable && atLeast <= s.checked.Load() {
		if seen := s.seen.Load(); seen != nil && *seen == h {
			return nil
		}
	}
	seq, err := s.reached(ctx, atLeast)
	if err != nil {
		return err
	}
	s.probeMu.Lock()
	defer s.probeMu.Unlock()
	if from := s.checked.Load(); seq > from {
		subjects, err := sqlutil.QueryAll(ctx, s.r, func(r sqlutil.Scanner) (subj string, err error) {
			err = r.Scan(&subj)
			return subj, err
		}, "SELECT DISTINCT subject FROM consent_events WHERE seq > ? AND seq <= ?", from, seq)
		if err != nil {
			return s.wrap("state", ctx, err)
		}
		s.cache.Invalidate(subjects...)
		s.checked.Store(seq)
	}
	if stable {
		// Taken before the query: whatever committed after it changes
		// the header again. A copy, so that h stays on the stack.
		hh := h
		s.seen.Store(&hh)
	}
	return nil
}

// reached returns the file's last position, and checks that position
// atLeast is in the file.
func (s *Store) reached(ctx context.Context, atLeast int64) (int64, error) {
	var seq int64
	if err := s.r.QueryRowContext(ctx, lastSeqSQL).Scan(&seq); err != nil {
		return 0, s.wrap("state", ctx, err)
	}
	if seq < atLeast {
		return 0, fmt.Errorf("sqlitestore: state: %w: position not in this file", consent.ErrTokenInvalid)
	}
	return seq, nil
}

// lastSeqSQL reads the file's last position (0 when empty).
const lastSeqSQL = "SELECT COALESCE(MAX(seq), 0) FROM consent_events"

// History implements [consent.Store].
func (s *Store) History(ctx context.Context, user string) ([]consent.Event, error) {
	if err := s.check(ctx, "history"); err != nil {
		return nil, err
	}
	if err := s.health(false); err != nil {
		return nil, err
	}
	return s.history(ctx, "history", user)
}

func (s *Store) history(ctx context.Context, op, user string) ([]consent.Event, error) {
	out, err := sqlutil.QueryAll(ctx, s.r, scanEvent, "SELECT "+columns+
		" FROM consent_events WHERE subject = ? ORDER BY at_us, at_ns, seq", user)
	if err != nil {
		return nil, s.wrap(op, ctx, err)
	}
	return out, nil
}

func scanEvent(row sqlutil.Scanner) (consent.Event, error) {
	var (
		e                     consent.Event
		action, purp, channel string
		atUS                  int64
		atNS                  int16
		untilUS               sql.Null[int64]
		untilNS               sql.Null[int16]
		third, cross, pub     bool
		cats                  string
	)
	if err := row.Scan(&e.ID, &e.Subject, &action, &purp, &e.Scope.Recipient, &e.PolicyVersion, &atUS, &atNS,
		&channel, &e.Evidence, &untilUS, &untilNS, &third, &cross, &pub,
		&e.Operator.Name, &e.Operator.BIN, &cats); err != nil {
		return consent.Event{}, err
	}
	var err error
	if e.Categories, err = decodeCategories(cats); err != nil {
		return consent.Event{}, err
	}
	e.Action = consent.Action(action)
	e.Scope.Purpose = purpose.ID(purp)
	e.Channel = consent.Channel(channel)
	e.At = sqlutil.JoinTime(time.UnixMicro(atUS), atNS)
	if untilUS.Valid {
		e.Until = sqlutil.JoinTime(time.UnixMicro(untilUS.V), untilNS.V)
	}
	e.Flags = consent.Flags{ThirdPartyTransfer: third, CrossBorderTransfer: cross, Publication: pub}
	return e, nil
}

var errs = sqlutil.Errs{Pkg: "sqlitestore", Closed: consent.ErrClosed, Unavailable: consent.ErrUnavailable}

// check fails fast on a closed store or a done context, before touching
// the database.
func (s *Store) check(ctx context.Context, op string) error {
	return errs.Check(ctx, op, s.closed.Load())
}

// wrap names what failed: the context's error when it is done, ErrClosed
// when the store was closed under the call, ErrUnavailable otherwise.
// SQLite's report of a damaged file marks the store damaged for good.
func (s *Store) wrap(op string, ctx context.Context, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqliteCorrupt || se.Code()&0xff == sqliteNotADB) {
		s.corrupt.Store(true)
		return fmt.Errorf("sqlitestore: %s: %w: %w", op, ErrCorrupt, consent.ErrUnavailable)
	}
	return errs.Wrap(ctx, op, s.closed.Load(), err)
}

func wrap(op string, ctx context.Context, err error) error {
	return errs.Wrap(ctx, op, false, err)
}

func unavailable(op string, err error) error { return errs.Wrapped(op, err) }

// Stats describes a Store's cache; see [Store.Stats].
type Stats struct {
	// CacheHits and CacheMisses count the States the cache answered and
	// those it did not, since the Store was made.
	CacheHits, CacheMisses uint64
	// CacheLen is how many users' states are cached now.
	CacheLen int
	// Commits counts the transactions that committed Appends, and
	// CommittedAppends the Appends (batches) they carried: their ratio is
	// the mean size of a commit group, each sharing one fsync.
	Commits, CommittedAppends uint64
}

// Stats returns the cache's figures, for monitoring and benchmarks.
func (s *Store) Stats() Stats {
	h, m, n := s.cache.Stats()
	return Stats{CacheHits: h, CacheMisses: m, CacheLen: n,
		Commits: s.commits.Load(), CommittedAppends: s.committed.Load()}
}

// DropCached drops user's cached state, so that the store's memory holds
// nothing of the user; the next State reads the log. A
// consent.KeyedStore calls it from Forget ([consent.CacheDropper]).
func (s *Store) DropCached(user string) { s.cache.Invalidate(user) }
