package ledgerrow_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/internal/ledgerrow"
	"github.com/yasam/privacy/purpose"
)

// requireAsJSON checks that AppendLists writes what encoding/json writes,
// after whatever the buffers held.
func requireAsJSON(t *testing.T, e ledger.Entry) {
	t.Helper()
	wantCats, err := json.Marshal(e.Categories)
	require.NoError(t, err)
	wantBasis, err := json.Marshal(e.Basis)
	require.NoError(t, err)
	cats, basis := ledgerrow.AppendLists([]byte("x"), []byte("y"), e)
	require.Equal(t, "x"+string(wantCats), string(cats))
	require.Equal(t, "y"+string(wantBasis), string(basis))
	cats, basis, err = ledgerrow.Lists("test", e)
	require.NoError(t, err)
	require.Equal(t, string(wantCats), string(cats))
	require.Equal(t, string(wantBasis), string(basis))
}

func TestAppendListsAsJSON(t *testing.T) {
	tests := []struct {
		name  string
		cats  []purpose.Category
		basis []ledger.Basis
	}{
		{name: "nil lists"},
		{name: "empty lists", cats: []purpose.Category{}, basis: []ledger.Basis{}},
		{name: "catalog codes", cats: []purpose.Category{purpose.Identity, purpose.Contact},
			basis: []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}, {Code: "contract", Clause: "7"}}},
		{name: "quotes and backslashes", cats: []purpose.Category{`a"b`, `c\d`}, basis: []ledger.Basis{{Code: `"`, Clause: `\`}}},
		{name: "html characters", cats: []purpose.Category{"<script>", "a&b"}, basis: []ledger.Basis{{Code: ">", Clause: "&amp;"}}},
		{name: "control characters", cats: []purpose.Category{"a\nb", "\x00", "\t\r\x1f"}, basis: []ledger.Basis{{Code: "\x7f", Clause: "\b\f"}}},
		{name: "non-ASCII", cats: []purpose.Category{"личные", "\u2028\u2029"}, basis: []ledger.Basis{{Code: "статья", Clause: "5\u00a02"}}},
		{name: "invalid UTF-8", cats: []purpose.Category{"\xff\xfe", "a\xc3"}, basis: []ledger.Basis{{Code: "\xed\xa0\x80", Clause: ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireAsJSON(t, ledger.Entry{Categories: tt.cats, Basis: tt.basis})
		})
	}
}

func FuzzAppendLists(f *testing.F) {
	f.Add("identity", "consent_granted", "5.2", false)
	f.Add("a\"<>&\\\n", "\xff", "\u2028", true)
	f.Fuzz(func(t *testing.T, cat, code, clause string, empty bool) {
		e := ledger.Entry{Categories: []purpose.Category{purpose.Category(cat), purpose.Category(code)},
			Basis: []ledger.Basis{{Code: code, Clause: clause}, {Code: clause, Clause: cat}}}
		if empty {
			e.Categories, e.Basis = []purpose.Category{}, nil
		}
		requireAsJSON(t, e)
	})
}
