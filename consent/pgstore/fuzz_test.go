package pgstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// FuzzStateAtLeastToken feeds arbitrary tokens to StateAtLeast: it never
// panics, and a token it does not refuse as invalid is a pg token.
func FuzzStateAtLeastToken(f *testing.F) {
	s, _ := newStore(f)
	tok, err := s.AppendToken(f.Context(), consent.Grant("u", purpose.Payments, "bank", t0))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{string(tok), "", "pg..", "pg.x.1", "sqlite.x.1", string(tok) + "0", "pg.x.-1", "pg.x.18446744073709551616"} {
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
		if tk != "" && !strings.HasPrefix(tk, "pg.") {
			t.Fatalf("token %q of another kind accepted", tk)
		}
		if st.Subject() != "u" {
			t.Fatalf("state of %q", st.Subject())
		}
	})
}
