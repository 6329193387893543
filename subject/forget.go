package subject

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/yasam/privacy/internal/clip"
)

// ErrRetained: erasure was refused, in part or whole, because a record
// must be kept (a claim or request awaiting its answer, a breach notice
// still owed). The error also matches the register's own sentinel
// (claims.ErrRetained, ...).
var ErrRetained = errors.New("subject: records must be kept")

// Register is a register that can erase a subject: after Forget returns
// nil, someone holding its database and the subject's ID finds no record
// linked to the subject. [*claims.Registry], [*requests.Registry] and
// [*breaches.Register] are Registers. Forget must be atomic within the
// register, idempotent (a second call erases nothing and succeeds), and
// refuse with an error matching its package's ErrRetained, erasing
// nothing, while the law requires a record kept.
//
// The append-only stores (the consent log and the disclosures ledger)
// erase by destroying a per-subject key (crypto-shredding) so their hash
// chains still verify: [*consent.KeyedStore] and a [*ledger.Ledger] made
// with ledger.WithKeyring are Registers. Give both the same keyring: the
// first Forget shreds the key, the second finds none and erases nothing
// more (its count is then 0), so name the ledger first in order to count
// its entries. Give them the same hold too (consent.WithHold,
// ledger.WithHold): the key being shared, one store's Forget erases the
// subject from both. A ledger without a keyring refuses (ledger.ErrNoKeyring):
// its entries hold subject IDs in clear.
type Register interface {
	Forget(ctx context.Context, subject string) (int, error)
}

// Erasure says what [Forget] did.
type Erasure struct {
	// Erased counts the records erased, by register name.
	Erased map[string]int
	// Retained names the registers that refused, in call order, with
	// their reasons.
	Retained []Retained
}

// Retained is a register's refusal to erase.
type Retained struct {
	Register string
	Err      error
}

// Done reports whether every register erased the subject.
func (e Erasure) Done() bool { return len(e.Retained) == 0 }

// Forget erases subject from every register, in order, named by the map
// keys of registers (the names appear in [Erasure]). A register that must
// keep a record refuses; the others still erase, since erasure is due
// wherever nothing holds it back, and Forget is idempotent: call it again
// once the hold lapses (the claim answered, the notice sent). The error
// wraps [ErrRetained] and each refusal when some register refused; any
// other failure stops Forget and is returned as it is.
func Forget(ctx context.Context, subject string, registers map[string]Register, order ...string) (Erasure, error) {
	if subject == "" {
		return Erasure{}, fmt.Errorf("subject: forget: %w: empty subject", ErrInvalid)
	}
	if len(order) == 0 {
		for name := range registers {
			order = append(order, name)
		}
		slices.Sort(order)
	}
	out := Erasure{Erased: make(map[string]int)}
	var refusals []error
	for _, name := range order {
		reg, ok := registers[name]
		if !ok || reg == nil {
			return out, fmt.Errorf("subject: forget: %w: no register %q", ErrInvalid, clip.String(name, maxQuote))
		}
		n, err := reg.Forget(ctx, subject)
		switch {
		case err == nil:
			out.Erased[name] = n
		case isRetained(err):
			out.Retained = append(out.Retained, Retained{name, err})
			refusals = append(refusals, fmt.Errorf("%s: %w", name, err))
		default:
			return out, fmt.Errorf("subject: forget: %s: %w", name, err)
		}
	}
	if len(refusals) > 0 {
		return out, fmt.Errorf("subject: forget: %w: %w", ErrRetained, errors.Join(refusals...))
	}
	return out, nil
}

// isRetained reports whether err is a register's refusal to erase: it
// matches [ErrRetained] or the sentinel of a register of this module. A
// host's own register signals it by wrapping [ErrRetained].
func isRetained(err error) bool {
	if errors.Is(err, ErrRetained) {
		return true
	}
	for _, s := range retainedSentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
