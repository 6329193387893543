package pgledger_test

import (
	"errors"
	"testing"

	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/pgledger"
)

// FuzzScanEntry feeds the row decoder what a row changed behind the
// store's back may hold: it never panics, and either decodes an entry or
// reports the row as malformed (a TamperError naming it).
func FuzzScanEntry(f *testing.F) {
	hash := make([]byte, 32)
	f.Add(int64(1), int32(0), []byte(`["identity"]`), []byte(`[{"code":"consent_granted","clause":"5.2"}]`), hash, hash)
	f.Add(int64(2), int32(5), []byte(`{"not":"a list"}`), []byte(`[]`), hash, hash)
	f.Add(int64(0), int32(-1), []byte(`null`), []byte(`[1,2]`), []byte{1}, hash)
	f.Add(int64(-5), int32(999999999), []byte(`[`), []byte(``), hash, []byte{})
	f.Fuzz(func(t *testing.T, seq int64, ns int32, cats, basis, prev, hash []byte) {
		row := func(dest ...any) error {
			*dest[0].(*int64) = seq
			*dest[1].(*int64) = 1_700_000_000
			*dest[2].(*int64) = int64(ns) // the column is an integer
			*dest[3].(*string) = "user-1"
			*dest[4].(*string) = "payments"
			*dest[5].(*string) = "halyk-bank"
			*dest[6].(*string) = "third_party"
			*dest[7].(*[]byte) = cats
			*dest[8].(*[]byte) = basis
			*dest[9].(*string) = ""
			*dest[10].(*string) = "v1"
			*dest[11].(*string) = ""
			*dest[12].(*string) = ""
			*dest[13].(*[]byte) = prev
			*dest[14].(*[]byte) = hash
			return nil
		}
		e, err := pgledger.ScanEntry(row)
		if err != nil {
			var te *ledger.TamperError
			if !errors.As(err, &te) || te.Reason != ledger.ReasonMalformed {
				t.Fatalf("want a malformed-row TamperError, got %v", err)
			}
			return
		}
		if e.Seq == 0 || uint64(seq) != e.Seq || len(hash) != 32 || len(prev) != 32 {
			t.Fatalf("decoded a row it should have refused: seq %d, hash %d bytes, prev %d bytes", seq, len(hash), len(prev))
		}
	})
}
