package ledgerrow

import (
	"encoding/json"
	"testing"

	"github.com/yasam/privacy/disclosure/ledger"
)

// FuzzExact: a basis in the store's bytes, in encoding/json's, or in
// PostgreSQL's printing of a jsonb is exact; the same with a member
// added, or with a key repeated, is not; and no text makes exact panic.
func FuzzExact(f *testing.F) {
	f.Add("consent_granted", "5.2", `[{"code":"a","clause":"b"}]`)
	f.Add("<&>", "\u2028", `[{"code":"a","code":"b"}]`)
	f.Add("", "", `{"not": "a list"}`)
	f.Fuzz(func(t *testing.T, code, clause, text string) {
		var decoded []ledger.Basis
		if json.Unmarshal([]byte(text), &decoded) == nil {
			_ = exact([]byte(text), decoded) // must not panic
		}
		basis := []ledger.Basis{{Code: code, Clause: clause}, {Code: clause, Clause: code}}
		_, stored := AppendLists(nil, nil, ledger.Entry{Basis: basis})
		marshalled, err := json.Marshal(basis)
		if err != nil {
			t.Fatal(err)
		}
		var back []ledger.Basis
		if err := json.Unmarshal(stored, &back); err != nil {
			t.Fatal(err)
		}
		for _, enc := range [][]byte{stored, marshalled} {
			if !exact(enc, back) {
				t.Fatalf("%s is not exact", enc)
			}
		}
		if pg, ok := jsonbText(nil, back); ok && !exact(pg, back) {
			t.Fatalf("%s is not exact", pg)
		}
		more := append([]byte(`[{"note":"x",`), stored[2:]...) // a member added to the first object
		if exact(more, back) {
			t.Fatalf("%s is exact", more)
		}
		twice := append([]byte(`[{"code":"x",`), stored[2:]...) // the first object's code twice
		if exact(twice, back) {
			t.Fatalf("%s is exact", twice)
		}
	})
}
