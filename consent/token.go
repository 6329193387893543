package consent

import (
	"context"
	"errors"
	"fmt"
)

// Token is a commit position in a store's log, returned by
// [TokenStore.AppendToken], so that a later read on any instance sharing
// the store can require to reflect that append: read-your-writes across
// instances (SpiceDB calls it a zookie). It is opaque and printable: a host
// carries it (in a header, a cookie, a job) and hands it back; only a store
// of the same kind over the same database can read it. The zero Token
// requires nothing.
type Token string

// ErrTokenInvalid is returned by [TokenStore.StateAtLeast] for a token this
// store did not issue (another kind of store, another database, garbled):
// the read cannot promise to reflect it, so it fails.
var ErrTokenInvalid = errors.New("consent: token not issued by this store")

// TokenStore is a [Store] whose appends yield a [Token] and whose reads can
// require one. A consent store need not implement it; an engine asked to
// honour a token over a store that does not must fail (deny).
//
// Stores in this module that implement it: [MemoryStore],
// consent/sqlitestore and consent/pgstore.
type TokenStore interface {
	Store
	// AppendToken is [Store.Append] that also returns the batch's commit
	// position. On error the token is zero.
	AppendToken(ctx context.Context, events ...Event) (Token, error)
	// StateAtLeast is [Store.State] that reflects, besides every append
	// that returned before it started on this instance, every append up
	// to t on any instance: it waits for, or reads past, that position.
	// A zero t is State. A token the store cannot read fails with an
	// error wrapping [ErrTokenInvalid].
	StateAtLeast(ctx context.Context, user string, t Token) (State, error)
}

var _ TokenStore = (*MemoryStore)(nil)

// memoryToken is the one token a MemoryStore issues: every Append is
// visible to every State that starts after it returned, so a position
// adds nothing.
const memoryToken Token = "memory"

// AppendToken implements [TokenStore].
func (m *MemoryStore) AppendToken(ctx context.Context, events ...Event) (Token, error) {
	if err := m.Append(ctx, events...); err != nil {
		return "", err
	}
	return memoryToken, nil
}

// StateAtLeast implements [TokenStore]. It accepts the zero token and the
// tokens of any MemoryStore.
func (m *MemoryStore) StateAtLeast(ctx context.Context, user string, t Token) (State, error) {
	if t != "" && t != memoryToken {
		return State{}, fmt.Errorf("consent: state: %w", ErrTokenInvalid)
	}
	return m.State(ctx, user)
}
