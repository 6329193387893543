package sqliteclaims

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/internal/sqlitereg"
)

var _ claims.Forgetter = (*Store)(nil)

// Forget implements [claims.Forgetter] in one write transaction. The
// writer connection runs with secure_delete, so the bytes of the old
// subject are overwritten in the file rather than left in free space, and
// a truncating WAL checkpoint follows the commit so no copy of the old
// pages stays in the write-ahead log. While another connection reads an
// older snapshot the checkpoint cannot finish: Forget waits for the busy
// timeout and fails with [ErrNotScrubbed] (the erasure itself is
// committed); call it again once the reader is done, and the checkpoint,
// which runs on every call, finishes the scrub. Copies
// outside the file (backups, a filesystem's snapshots) are the host's to
// expire.
func (s *Store) Forget(ctx context.Context, subject string) (int, error) {
	const op = "forget"
	return s.db.Erase(ctx, op, func(tx *sql.Tx) (int, error) {
		cs, err := sqlitereg.QueryTx(ctx, tx, scanClaim, "SELECT "+columns+" FROM claims WHERE subject = ?", subject)
		if err != nil {
			return 0, s.db.Wrap(ctx, op, err)
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
				return 0, s.db.Wrap(ctx, op, err)
			}
		}
		return len(cs), nil
	})
}
