package policy

import "context"

// ctxKey is the type of the unexported context key for a request's
// Decision; its address is the key, so no other package can forge it.
type ctxKey struct{}

// NewContext returns a copy of ctx that carries d, for code further down a
// request (handlers, the disclosure ledger) to read with
// [DecisionFromContext].
func NewContext(ctx context.Context, d Decision) context.Context {
	return context.WithValue(ctx, &ctxKeyValue, d)
}

var ctxKeyValue ctxKey

// DecisionFromContext returns the Decision stored in ctx by [NewContext] and
// reports whether there was one. Without one it returns the zero Decision,
// which denies.
func DecisionFromContext(ctx context.Context) (Decision, bool) {
	d, ok := ctx.Value(&ctxKeyValue).(Decision)
	return d, ok
}
