package pgclaims

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/internal/pgreg"
)

// Forget implements [claims.Forgetter] in one transaction that locks the
// subject's rows. PostgreSQL keeps the old row versions until VACUUM
// reclaims them (and in its write-ahead log, base backups and replicas
// until they expire): run VACUUM on claims after erasures, which this
// store's DML-only role cannot do, and expire backups by policy.
func (s *Store) Forget(ctx context.Context, subject string) (int, error) {
	const op = "forget"
	if err := s.db.Check(ctx, op); err != nil || !pgreg.Storable(subject) {
		return 0, err // nothing of a subject text cannot hold is on record
	}
	return pgreg.InTx(ctx, s.db, op, func(tx pgx.Tx) (int, error) {
		cs, err := pgreg.Query(ctx, s.db, op, tx, scanClaim, "SELECT "+columns+" FROM claims WHERE subject = $1 ORDER BY id FOR UPDATE", subject)
		if err != nil {
			return 0, err
		}
		for _, c := range cs {
			if c.Status.Open() {
				return 0, fmt.Errorf("pgclaims: %s: %w: claim %q awaits its answer", op, claims.ErrRetained, clip.String(c.ID, maxQuote))
			}
		}
		for _, c := range cs {
			e := claims.Erase(c)
			if _, err := tx.Exec(ctx, `UPDATE claims SET subject = $1, text_ref = $2, answer_ref = $3, updated_at = now()
				WHERE id = $4`, e.Subject, e.TextRef, e.AnswerRef, c.ID); err != nil {
				return 0, s.db.Wrap(ctx, op, err)
			}
		}
		return len(cs), nil
	})
}
