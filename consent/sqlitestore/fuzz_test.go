package sqlitestore_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/purpose"
)

// FuzzStateAtLeastToken feeds arbitrary tokens to StateAtLeast: it never
// panics, and a token it does not refuse as invalid names this file.
func FuzzStateAtLeastToken(f *testing.F) {
	s := open(f, filepath.Join(f.TempDir(), "c.db"))
	tok, err := s.AppendToken(f.Context(), consent.Grant("u", purpose.Payments, "bank", time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{string(tok), "", "sqlite..", "sqlite.x.1", "pg.x.1", "sqlite." + strings.Repeat("9", 40), string(tok) + "0", "sqlite.-1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tk string) {
		st, err := s.StateAtLeast(t.Context(), "u", consent.Token(tk))
		if err != nil {
			if !errors.Is(err, consent.ErrTokenInvalid) {
				t.Fatalf("token %q: %v", tk, err)
			}
			return
		}
		if tk != "" && !strings.HasPrefix(tk, "sqlite.") {
			t.Fatalf("token %q of another kind accepted", tk)
		}
		if st.Subject() != "u" {
			t.Fatalf("state of %q", st.Subject())
		}
	})
}

// FuzzCategoriesColumn feeds arbitrary text, as a tampered or foreign row
// may hold, to the categories column's decoder: it decodes or reports the
// column malformed, never panics, and what it decodes encodes back to
// something that decodes the same.
func FuzzCategoriesColumn(f *testing.F) {
	f.Add("")
	f.Add(`["identity","contact"]`)
	f.Add(`[`)
	f.Add(`{"a":1}`)
	f.Add(`[1,2]`)
	f.Add(`["odd,\"cat\"{}"]`)
	f.Fuzz(func(t *testing.T, col string) {
		cs, err := sqlitestore.DecodeCategories(col)
		if err != nil {
			return
		}
		again, err := sqlitestore.DecodeCategories(sqlitestore.EncodeCategories(cs))
		if err != nil || len(again) != len(cs) {
			t.Fatalf("re-encoding %q: %v", col, err)
		}
		for i := range cs {
			if again[i] != cs[i] {
				t.Fatalf("re-encoding %q changed item %d", col, i)
			}
		}
	})
}
