package sqlutil

import (
	"context"
	"errors"
	"fmt"
)

// Errs names the failures of one store package: Pkg starts every message
// ("sqlitestore", "pgstore", ...), Closed and Unavailable are the owning
// package's sentinels (consent.ErrClosed, ledger.ErrUnavailable, ...).
type Errs struct {
	Pkg         string
	Closed      error
	Unavailable error
}

// Check fails fast on a closed store or a done context, before the
// database is touched.
func (e Errs) Check(ctx context.Context, op string, closed bool) error {
	if closed {
		return fmt.Errorf("%s: %s: %w", e.Pkg, op, e.Closed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %s: %w", e.Pkg, op, err)
	}
	return nil
}

// Wrap names what made op fail: Closed when the store was
// closed under the call, the context's error when it is done (or the
// driver reports one), Unavailable otherwise.
func (e Errs) Wrap(ctx context.Context, op string, closed bool, err error) error {
	switch {
	case closed:
		return fmt.Errorf("%s: %s: %w", e.Pkg, op, e.Closed)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %s: %w", e.Pkg, op, ctx.Err())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %s: %w", e.Pkg, op, err)
	}
	return e.Wrapped(op, err)
}

// Wrapped wraps err as a storage failure of op. A driver's connect error
// in err keeps only its class in the text ([RedactConnect]): its own
// names the connection's user, database and host.
func (e Errs) Wrapped(op string, err error) error {
	return fmt.Errorf("%s: %s: %w: %w", e.Pkg, op, e.Unavailable, RedactConnect(err))
}
