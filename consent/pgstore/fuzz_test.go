package pgstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
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

// FuzzParseBatch feeds arbitrary payloads to the parser of batch
// notifications: it never panics; what it accepts is the prefix and one
// or more tags (32 lower-case hex digits) joined by commas, exactly, and
// laying those tags out again gives the same payload.
func FuzzParseBatch(f *testing.F) {
	tag := "0123456789abcdef0123456789abcdef"
	for _, seed := range []string{"t:" + tag, "t:" + tag + "," + tag, "t:", "t:,", "t:" + tag + ",", "t:" + strings.ToUpper(tag),
		"t:" + tag[:31] + "g", "*", "o:1/x.1", "x:1", tag, "t:" + tag + ";" + tag, "t:" + strings.Repeat(tag+",", 241) + tag} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		tags, ok := pgstore.ParseBatch(payload)
		if !ok {
			if tags != nil {
				t.Fatalf("%q refused with tags", payload)
			}
			return
		}
		if len(tags) == 0 {
			t.Fatalf("%q accepted with no tags", payload)
		}
		for _, tg := range tags {
			if len(tg) != 32 || strings.Trim(tg, "0123456789abcdef") != "" {
				t.Fatalf("%q gave tag %q", payload, tg)
			}
		}
		if want := "t:" + strings.Join(tags, ","); payload != want {
			t.Fatalf("%q parsed as %q", payload, want)
		}
		if len(payload) < 8000 {
			if again := pgstore.BatchPayloads(tags); len(again) != 1 || again[0] != payload {
				t.Fatalf("%q laid out again as %q", payload, again)
			}
		}
	})
}
