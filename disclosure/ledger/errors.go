package ledger

import (
	"errors"
	"fmt"
)

// Errors of the ledger and its stores; test with errors.Is. Every error a
// [Ledger] returns starts with "ledger: " and names neither the subject nor
// the recipient.
var (
	// ErrNotAllowed: Record was given a Decision that does not allow the
	// disclosure (the zero Decision included), or categories an obligation
	// of that Decision excludes. Nothing was recorded: the disclosure must
	// not happen.
	ErrNotAllowed = errors.New("ledger: disclosure not allowed by the decision")
	// ErrNoDisclosure: the Decision is for processing by the operator
	// itself (policy.Operator); nothing is disclosed, so nothing is
	// recorded.
	ErrNoDisclosure = errors.New("ledger: decision is for the operator's own processing, not a disclosure")
	// ErrInvalidEntry: an entry or an argument is incomplete or out of
	// bounds (empty subject, no categories, unknown recipient kind, a field
	// too long, a hash that does not match the content).
	ErrInvalidEntry = errors.New("ledger: invalid entry")
	// ErrConflict: a [Store] refused an append because the chain's head is
	// not the one the entries continue; someone else appended first.
	// [Ledger.Record] reloads the head and retries.
	ErrConflict = errors.New("ledger: head moved, append refused")
	// ErrTampered: the chain is not what was recorded. Errors wrapping it
	// are [*TamperError]s that say where.
	ErrTampered = errors.New("ledger: chain tampered with")
	// ErrNoKeyring: [Ledger.Forget] on a ledger made without
	// [WithKeyring]: its entries hold subject IDs in clear and cannot be
	// erased without breaking the chain.
	ErrNoKeyring = errors.New("ledger: no keyring, so no subject can be erased")
	// ErrInClear: [Ledger.Forget] shredded the subject's key, but
	// entries recorded before the ledger had its keyring name the subject
	// in clear, and cannot be erased without breaking the chain.
	ErrInClear = errors.New("ledger: entries recorded without the keyring name the subject in clear")
	// ErrUnavailable: the store's backing storage failed; the underlying
	// error is wrapped too.
	ErrUnavailable = errors.New("ledger: store unavailable")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("ledger: store closed")
	// ErrNoStore: the method was called on a zero [Ledger] (or a nil
	// *Ledger), which has no store; create ledgers with [New]. Nothing was
	// recorded or read.
	ErrNoStore = errors.New("ledger: zero Ledger has no store; create it with ledger.New")
	// ErrNotEvidence: Record was given a decision the ledger cannot take
	// as evidence: not issued by an engine or altered since, for a purpose
	// outside the catalog, for categories it did not judge, or with a 7.1
	// exception its basis does not support. Nothing was recorded: the
	// disclosure must not happen on it. It is also an [ErrNotAllowed].
	ErrNotEvidence = fmt.Errorf("%w: the decision is not evidence of an allow", ErrNotAllowed)
)

// TamperError says where the chain breaks: the first sequence number whose
// entry is missing, out of place, altered, or unlinked from the one before.
// It wraps [ErrTampered].
type TamperError struct {
	// Seq is the sequence number at which the chain breaks: the entry
	// with that number is altered or unlinked, or the entry found where
	// it should be has another number (missing, repeated or moved).
	Seq uint64
	// Reason says what is wrong, in English, without personal data.
	Reason string
}

// Reasons a [TamperError] gives.
const (
	ReasonHash      = "hash does not match the entry's content"
	ReasonLink      = "prev_hash does not match the hash of the entry before"
	ReasonMissing   = "entry missing: the next one on record has a higher number"
	ReasonOrder     = "entry out of sequence: its number repeats or goes back"
	ReasonAnchor    = "hash differs from the anchored head"
	ReasonTruncated = "chain ends before the anchored head"
	ReasonMalformed = "stored entry cannot be decoded"
)

// Error says which entry breaks the chain and how; it names no content.
func (e *TamperError) Error() string {
	return fmt.Sprintf("ledger: chain tampered with at entry %d: %s", e.Seq, e.Reason)
}

// Unwrap returns [ErrTampered].
func (e *TamperError) Unwrap() error { return ErrTampered }
