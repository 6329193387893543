package ledgerrow

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"reflect"
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
	if json.Unmarshal(cats, &e.Categories) != nil || json.Unmarshal(basis, &e.Basis) != nil || !exact(basis, e.Basis) {
		return ledger.Entry{}, malformed
	}
	return e, nil
}

// exact reports whether text, which decoded to basis, says no more than it:
// no member Basis lacks, none that matched a field only by case, no key
// twice in an object. Go's decoder accepts all three, while SQL
// reading the column (json_extract, ->>) may see another value than the
// one the hash covers.
func exact(text []byte, basis []ledger.Basis) bool {
	var buf [256]byte
	_, enc := AppendLists(nil, buf[:0], ledger.Entry{Basis: basis})
	if bytes.Equal(text, enc) {
		return true // the bytes this package writes: nothing more to ask
	}
	if pg, ok := jsonbText(buf[:0], basis); ok && bytes.Equal(text, pg) {
		return true // as PostgreSQL prints the jsonb of those bytes
	}
	var got, want any
	if json.Unmarshal(text, &got) != nil || json.Unmarshal(enc, &want) != nil {
		return false
	}
	return reflect.DeepEqual(got, want) && !repeatsKey(text)
}

// jsonbText appends basis as PostgreSQL prints a jsonb value of it, when
// every string is printable ASCII without a quote or backslash (then
// printed as it is); ok is false otherwise.
func jsonbText(dst []byte, basis []ledger.Basis) ([]byte, bool) {
	plain := func(s string) bool {
		for i := range len(s) {
			if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				return false
			}
		}
		return true
	}
	if basis == nil {
		return append(dst, "null"...), true
	}
	dst = append(dst, '[')
	for i, b := range basis {
		if !plain(b.Code) || !plain(b.Clause) {
			return dst, false
		}
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, `{"code": "`...)
		dst = append(dst, b.Code...)
		dst = append(dst, `", "clause": "`...)
		dst = append(dst, b.Clause...)
		dst = append(dst, `"}`...)
	}
	return append(dst, ']'), true
}

// repeatsKey reports whether an object in the JSON text holds a key
// twice (or the text cannot be read).
func repeatsKey(text []byte) bool {
	d := json.NewDecoder(bytes.NewReader(text))
	// Per open object or array: its keys (nil for an array), and whether
	// the next string token of an object is a key.
	type level struct {
		keys  map[string]bool
		atKey bool
	}
	var stack []level
	for {
		tok, err := d.Token()
		if err != nil {
			return !errors.Is(err, io.EOF)
		}
		top := len(stack) - 1
		if tok == json.Delim('}') || tok == json.Delim(']') {
			stack = stack[:top]
			continue
		}
		if top >= 0 && stack[top].keys != nil {
			if k, ok := tok.(string); ok && stack[top].atKey {
				if stack[top].keys[k] {
					return true
				}
				stack[top].keys[k] = true
				stack[top].atKey = false
				continue
			}
			stack[top].atKey = true // a value read (or begun): a key comes next
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, level{keys: map[string]bool{}, atKey: true})
		case json.Delim('['):
			stack = append(stack, level{})
		}
	}
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

// Lists encodes e's categories and basis as stored, JSON lists, as
// [AppendLists] does. Lists of strings always encode: the error is nil,
// and pkg (which would start its message) is unused; both stay for the
// callers written against an encoder that could fail.
func Lists(pkg string, e ledger.Entry) (cats, basis []byte, err error) {
	cats, basis = AppendLists(nil, nil, e)
	return cats, basis, nil
}

// AppendLists is [Lists] appending to cats and basis: the same bytes as
// encoding/json's Marshal of the two lists, written without reflection
// for the strings that need no escaping (as the catalog's codes and
// clauses do), and by encoding/json for the others.
func AppendLists(cats, basis []byte, e ledger.Entry) ([]byte, []byte) {
	if e.Categories == nil {
		cats = append(cats, "null"...)
	} else {
		cats = append(cats, '[')
		for i, c := range e.Categories {
			if i > 0 {
				cats = append(cats, ',')
			}
			cats = appendString(cats, string(c))
		}
		cats = append(cats, ']')
	}
	if e.Basis == nil {
		basis = append(basis, "null"...)
	} else {
		basis = append(basis, '[')
		for i, b := range e.Basis {
			if i > 0 {
				basis = append(basis, ',')
			}
			basis = append(basis, `{"code":`...)
			basis = appendString(basis, b.Code)
			basis = append(basis, `,"clause":`...)
			basis = appendString(basis, b.Clause)
			basis = append(basis, '}')
		}
		basis = append(basis, ']')
	}
	return cats, basis
}

// appendString appends s as a JSON string, byte for byte as encoding/json
// writes it.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
