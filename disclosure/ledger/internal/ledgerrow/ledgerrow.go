package ledgerrow

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/purpose"
)

// Columns are the columns of an entry's row, in the order [Entry] scans
// them.
const Columns = `seq, at_s, at_ns, subject, purpose, recipient, recipient_kind, categories, basis,
	exception, policy_version, reference, decision_id, prev_hash, hash`

// Entry decodes the row of one entry (*sql.Rows, pgx.Rows, or a test's
// fake), its columns as in [Columns]. A row
// that does not hold a sound entry (a sequence number below 1, a hash of
// the wrong length, lists that are not JSON) is reported as a
// [*ledger.TamperError] with [ledger.ReasonMalformed]; an error of the
// row itself is returned as it is.
func Entry(row sqlutil.Scanner) (ledger.Entry, error) {
	var (
		e                           ledger.Entry
		seq, atS, atNS              int64
		purp, kind, exception       string
		cats, basis, prevHash, hash []byte
	)
	if err := row.Scan(&seq, &atS, &atNS, &e.Subject, &purp, &e.Recipient, &kind, &cats, &basis,
		&exception, &e.PolicyVersion, &e.Reference, &e.DecisionID, &prevHash, &hash); err != nil {
		return ledger.Entry{}, err
	}
	e.Seq = uint64(seq)
	e.At = time.Unix(atS, atNS).UTC()
	e.Purpose = purpose.ID(purp)
	e.RecipientKind = disclosure.Kind(kind)
	e.Exception = ledger.Exception(exception)
	malformed := &ledger.TamperError{Seq: e.Seq, Reason: ledger.ReasonMalformed}
	if seq <= 0 || len(prevHash) != len(e.PrevHash) || len(hash) != len(e.Hash) {
		return ledger.Entry{}, malformed
	}
	copy(e.PrevHash[:], prevHash)
	copy(e.Hash[:], hash)
	if json.Unmarshal(cats, &e.Categories) != nil || json.Unmarshal(basis, &e.Basis) != nil {
		return ledger.Entry{}, malformed
	}
	return e, nil
}

// Head decodes the row of "SELECT seq, hash ... ORDER BY seq DESC LIMIT
// 1": the zero Head when there is no row (an error wrapping
// sql.ErrNoRows, as pgx.ErrNoRows does), a [*ledger.TamperError] with
// [ledger.ReasonMalformed] for a row that holds no sound head.
func Head(row sqlutil.Scanner) (ledger.Head, error) {
	var (
		seq  int64
		hash []byte
	)
	switch err := row.Scan(&seq, &hash); {
	case errors.Is(err, sql.ErrNoRows):
		return ledger.Head{}, nil
	case err != nil:
		return ledger.Head{}, err
	}
	h := ledger.Head{Seq: uint64(seq)}
	if seq <= 0 || len(hash) != len(h.Hash) {
		return ledger.Head{}, &ledger.TamperError{Seq: uint64(seq), Reason: ledger.ReasonMalformed}
	}
	copy(h.Hash[:], hash)
	return h, nil
}

// Lists encodes e's categories and basis as stored, JSON lists. pkg
// starts the error's message; it wraps [ledger.ErrInvalidEntry].
func Lists(pkg string, e ledger.Entry) (cats, basis []byte, err error) {
	if cats, err = json.Marshal(e.Categories); err != nil {
		return nil, nil, fmt.Errorf("%s: append: %w: categories: %w", pkg, ledger.ErrInvalidEntry, err)
	}
	if basis, err = json.Marshal(e.Basis); err != nil {
		return nil, nil, fmt.Errorf("%s: append: %w: basis: %w", pkg, ledger.ErrInvalidEntry, err)
	}
	return cats, basis, nil
}
