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
// its entries ([Forget] still erases the registers order leaves out,
// after those it names). Give them the same hold too (consent.WithHold,
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

// Forget erases subject from every register in registers, named by the
// map keys (the names appear in [Erasure]). order says which registers go
// first, in that order; every register it does not name follows, sorted
// by name, so leaving one out of order never leaves it unerased. A name in
// order that is not a key of registers or comes twice, and a nil
// register, are refused with [ErrInvalid] before anything is erased. A
// register that must keep a record refuses; the others still erase,
// since erasure is due wherever nothing holds it back, and Forget is
// idempotent: call it again once the hold lapses (the claim answered, the
// notice sent). The error wraps [ErrRetained] and each refusal when some
// register refused; any other failure stops Forget and is returned as it
// is.
func Forget(ctx context.Context, subject string, registers map[string]Register, order ...string) (Erasure, error) {
	if subject == "" {
		return Erasure{}, fmt.Errorf("subject: forget: %w: empty subject", ErrInvalid)
	}
	order, err := forgetOrder(registers, order)
	if err != nil {
		return Erasure{}, err
	}
	out := Erasure{Erased: make(map[string]int)}
	var refusals []error
	for _, name := range order {
		n, err := registers[name].Forget(ctx, subject)
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

// forgetOrder returns every name of registers once: those of first, in
// their order, then the rest sorted. It refuses a name of first that is
// not in registers or comes twice, and a nil register.
func forgetOrder(registers map[string]Register, first []string) ([]string, error) {
	seen := make(map[string]bool, len(registers))
	order := make([]string, 0, len(registers))
	for _, name := range first {
		if _, ok := registers[name]; !ok {
			return nil, fmt.Errorf("subject: forget: %w: no register %q", ErrInvalid, clip.String(name, maxQuote))
		}
		if seen[name] {
			return nil, fmt.Errorf("subject: forget: %w: register %q named twice", ErrInvalid, clip.String(name, maxQuote))
		}
		seen[name] = true
		order = append(order, name)
	}
	rest := make([]string, 0, len(registers)-len(order))
	for name := range registers {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	order = append(order, rest...)
	for _, name := range order {
		if registers[name] == nil {
			return nil, fmt.Errorf("subject: forget: %w: register %q is nil", ErrInvalid, clip.String(name, maxQuote))
		}
	}
	return order, nil
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
