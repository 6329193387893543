package sqliteclaims

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/subject/claims"
)

var _ claims.Forgetter = (*Store)(nil)

// Forget implements [claims.Forgetter] in one write transaction. The
// writer connection runs with secure_delete, so the bytes of the old
// subject are overwritten in the file rather than left in free space, and
// a truncating WAL checkpoint follows the commit so no copy of the old
// pages stays in the write-ahead log (when another connection is reading
// at that moment the checkpoint cannot finish; the next one does). Copies
// outside the file (backups, a filesystem's snapshots) are the host's to
// expire.
func (s *Store) Forget(ctx context.Context, subject string) (int, error) {
	const op = "forget"
	if err := s.check(ctx, op); err != nil {
		return 0, err
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT "+columns+" FROM claims WHERE subject = ?", subject)
	if err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	var cs []claims.Claim
	for rows.Next() {
		c, err := scanClaim(rows)
		if err != nil {
			rows.Close()
			return 0, s.wrap(ctx, op, err)
		}
		cs = append(cs, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	for _, c := range cs {
		if c.Status.Open() {
			return 0, fmt.Errorf("sqliteclaims: %s: %w: claim %q awaits its answer", op, claims.ErrRetained, clip.String(c.ID, maxQuote))
		}
	}
	now := time.Now().UnixMicro()
	for _, c := range cs {
		e := claims.Erase(c)
		if _, err := tx.ExecContext(ctx, `UPDATE claims SET subject = ?, text_ref = ?, answer_ref = ?, updated_us = ?
			WHERE id = ?`, e.Subject, e.TextRef, e.AnswerRef, now, c.ID); err != nil {
			return 0, s.wrap(ctx, op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	if len(cs) > 0 {
		// Best effort: a reader in the way leaves the log to the next checkpoint.
		_, _ = conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	return len(cs), nil
}
