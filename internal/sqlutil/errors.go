package sqlutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/yasam/privacy/consent"
)

// Errs names the failures of one store package; its value is the package
// name that starts every message ("sqlitestore", "pgstore").
type Errs string

// Check fails fast on a closed store or a done context, before the
// database is touched.
func (p Errs) Check(ctx context.Context, op string, closed bool) error {
	if closed {
		return fmt.Errorf("%s: %s: %w", p, op, consent.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %s: %w", p, op, err)
	}
	return nil
}

// Wrap names what made op fail: [consent.ErrClosed] when the store was
// closed under the call, the context's error when it is done (or the
// driver reports one), [consent.ErrUnavailable] otherwise.
func (p Errs) Wrap(ctx context.Context, op string, closed bool, err error) error {
	switch {
	case closed:
		return fmt.Errorf("%s: %s: %w", p, op, consent.ErrClosed)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %s: %w", p, op, ctx.Err())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %s: %w", p, op, err)
	}
	return p.Unavailable(op, err)
}

// Unavailable wraps err as a storage failure of op.
func (p Errs) Unavailable(op string, err error) error {
	return fmt.Errorf("%s: %s: %w: %w", p, op, consent.ErrUnavailable, err)
}
