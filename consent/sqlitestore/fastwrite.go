package sqlitestore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/internal/sqlutil"
)

// fastWriter holds what the common case of a commit group needs, prepared
// once on the writer connection as driver statements: BEGIN IMMEDIATE, the
// multi-row INSERTs, COMMIT and ROLLBACK. Going below database/sql saves,
// per group, preparing BEGIN and COMMIT again, a transaction and statement
// wrapper per statement, the conversion of every argument, and a goroutine
// per statement that watches the context (see [Store.writeFast] for how
// the group's deadline is still honoured). Only the leader of a commit
// group uses it (groups run one at a time), holding the connection.
type fastWriter struct {
	dc       any // the driver connection the statements belong to
	begin    driver.Stmt
	commit   driver.Stmt
	rollback driver.Stmt
	// inserts[n-1] inserts n rows, skipping those not accepted (see
	// insertSQL); prepared when first needed.
	inserts [maxRows]driver.Stmt
	args    []driver.NamedValue // reused for every INSERT
}

// errNotAllInserted: some row of the group was not inserted (its ID is on
// record, or twice in the group); the group is rolled back and written
// by [Store.writeGroup], which tells repeats from conflicts.
var errNotAllInserted = errors.New("sqlitestore: not every row inserted")

// writeFast writes rows (every batch of the group, none failed) in one
// transaction and returns the highest seq at commit. When some row is not
// inserted (an ID already on record or repeated in the group: rare), it
// rolls back and returns errNotAllInserted, and the caller writes the
// group the careful way.
//
// BEGIN and the INSERTs run with a context that is never done, so the
// driver starts no goroutine per statement to watch one; ctx (the
// group's, bounded by the group's timeout) is checked before BEGIN,
// between INSERTs and before COMMIT instead. Every wait inside a
// statement is bounded anyway: for the lock, by the busy timeout, which is
// shorter than the group's (COMMIT waits for no lock: BEGIN IMMEDIATE took
// it). COMMIT alone runs with a context that has a Done channel but is
// never cancelled, so the driver starts its watcher goroutine, as it did
// for every statement before this path, yet can never turn a COMMIT that
// took effect into an error: measured on a loaded 2-core machine, without
// that watcher a serial Append took the same CPU time but up to twice the
// wall time (the cause, somewhere between the Go scheduler and the
// fsync's wake-up, was not established).
func (s *Store) writeFast(ctx context.Context, rows []groupRow, now int64) (seq int64, err error) {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		fw := &s.fast
		if fw.dc != dc {
			if err := s.prepareFast(ctx, dc); err != nil {
				return err
			}
		}
		seq, err = fw.write(ctx, rows, now)
		return err
	})
	return seq, err
}

// prepareFast prepares the fixed statements on dc, the writer's driver
// connection. It fails on a closed store, so that no statement is
// prepared after Close released them.
func (s *Store) prepareFast(ctx context.Context, dc any) error {
	if s.closed.Load() {
		return consent.ErrClosed
	}
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return fmt.Errorf("sqlitestore: driver connection %T cannot prepare statements", dc)
	}
	fw := &s.fast
	// A new connection (database/sql replaced one it found bad): the old
	// statements belong to a closed connection and are dropped unclosed.
	*fw = fastWriter{args: fw.args}
	for _, p := range []struct {
		st  *driver.Stmt
		sql string
	}{{&fw.begin, "BEGIN IMMEDIATE"}, {&fw.commit, "COMMIT"}, {&fw.rollback, "ROLLBACK"}} {
		st, err := pc.PrepareContext(ctx, p.sql)
		if err != nil {
			fw.close()
			return err
		}
		*p.st = st
	}
	fw.dc = dc
	return nil
}

// insert returns the statement that inserts n rows, preparing it on the
// first use.
func (fw *fastWriter) insert(ctx context.Context, n int) (driver.Stmt, error) {
	if st := fw.inserts[n-1]; st != nil {
		return st, nil
	}
	st, err := fw.dc.(driver.ConnPrepareContext).PrepareContext(ctx, insertSQL(n, n > 1))
	if err != nil {
		return nil, err
	}
	fw.inserts[n-1] = st
	return st, nil
}

// insertSQL is the statement that inserts n rows. Rows whose ID is on
// record are skipped; with orIgnore, so is a row that breaks any other
// constraint.
//
// The fast path uses orIgnore for its multi-row statements: it needs only
// to learn that some row was not inserted, and with no constraint able to
// abort a statement part way, SQLite keeps no statement journal for it (a
// copy of every page the statement first touches, made only to undo the
// statement alone; about a tenth of the instructions of a group of 16).
// A one-row statement keeps none either way and stays as it was. The
// careful path keeps the default (ABORT) for every constraint but the
// ID's, so that a row no constraint accepts fails its group with SQLite's
// own error.
func insertSQL(n int, orIgnore bool) string {
	var b strings.Builder
	if orIgnore {
		b.WriteString("INSERT OR IGNORE")
	} else {
		b.WriteString("INSERT")
	}
	b.WriteString(" INTO consent_events (" + columns + ", recorded_us) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	if !orIgnore {
		b.WriteString(" ON CONFLICT (id) DO NOTHING")
	}
	return b.String()
}

// close finalizes the statements; the connection must be the one they
// were prepared on, and still open.
func (fw *fastWriter) close() error {
	var errs []error
	for _, st := range append([]driver.Stmt{fw.begin, fw.commit, fw.rollback}, fw.inserts[:]...) {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	*fw = fastWriter{}
	return errors.Join(errs...)
}

// execStmt runs st with a context that is never done: see writeFast.
func execStmt(st driver.Stmt, args []driver.NamedValue) (driver.Result, error) {
	return st.(driver.StmtExecContext).ExecContext(context.Background(), args)
}

func (fw *fastWriter) write(ctx context.Context, rows []groupRow, now int64) (int64, error) {
	// Statements are prepared before the transaction, whose time is the
	// write lock's.
	for chunk := range slices.Chunk(rows, maxRows) {
		if _, err := fw.insert(ctx, len(chunk)); err != nil {
			return 0, err
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if _, err := execStmt(fw.begin, nil); err != nil {
		return 0, err
	}
	seq, err := fw.insertAll(ctx, rows, now)
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		watched, stop := context.WithCancel(context.Background())
		_, err = fw.commit.(driver.StmtExecContext).ExecContext(watched, nil)
		stop()
		if err == nil {
			return seq, nil
		}
	}
	// Not committed. After a failed COMMIT SQLite may already have
	// rolled back; ROLLBACK then fails harmlessly.
	_, _ = execStmt(fw.rollback, nil)
	return 0, err
}

// insertAll runs the INSERTs of the open transaction and returns the seq
// of the last row: with AUTOINCREMENT and the write lock held, the
// highest on record.
func (fw *fastWriter) insertAll(ctx context.Context, rows []groupRow, now int64) (int64, error) {
	var last int64
	for chunk := range slices.Chunk(rows, maxRows) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		st, _ := fw.insert(ctx, len(chunk)) // prepared by write
		fw.args = fw.args[:0]
		for _, r := range chunk {
			fw.args = appendNamed(fw.args, r.e, now)
		}
		res, err := execStmt(st, fw.args)
		clear(fw.args) // keep no caller's strings alive
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		if n != int64(len(chunk)) {
			return 0, errNotAllInserted
		}
		if last, err = res.LastInsertId(); err != nil {
			return 0, err
		}
	}
	return last, nil
}

// appendNamed appends the 19 parameters of one row, as appendArgs does,
// as driver values.
func appendNamed(args []driver.NamedValue, e consent.Event, now int64) []driver.NamedValue {
	atUS, atNS := sqlutil.SplitTime(e.At)
	var untilUS, untilNS driver.Value
	if !e.Until.IsZero() {
		us, ns := sqlutil.SplitTime(e.Until)
		untilUS, untilNS = us.UnixMicro(), int64(ns)
	}
	for _, v := range [...]driver.Value{e.ID, e.Subject, string(e.Action), string(e.Scope.Purpose), e.Scope.Recipient,
		e.PolicyVersion, atUS.UnixMicro(), int64(atNS), string(e.Channel), e.Evidence, untilUS, untilNS,
		e.Flags.ThirdPartyTransfer, e.Flags.CrossBorderTransfer, e.Flags.Publication,
		e.Operator.Name, e.Operator.BIN, encodeCategories(e.Categories), now} {
		args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v})
	}
	return args
}

// closeFast finalizes the fast path's statements on the writer
// connection; Close calls it before closing the connection. Close has
// marked the store closed, so no group prepares them again.
func (s *Store) closeFast() error {
	conn, err := s.w.Conn(context.Background())
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		if s.fast.dc != dc {
			return nil
		}
		return s.fast.close()
	})
}
