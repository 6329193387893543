package ledger_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/purpose"
)

func FuzzHashUnmarshalText(f *testing.F) {
	f.Add([]byte(strings.Repeat("ab", 32)))
	f.Add([]byte(strings.Repeat("AB", 32)))
	f.Add([]byte("00"))
	f.Add([]byte(strings.Repeat("zz", 32)))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h ledger.Hash
		if err := h.UnmarshalText(b); err != nil {
			return
		}
		out, err := h.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.EqualFold(out, b) {
			t.Fatalf("round trip: %q became %q", b, out)
		}
		if _, err := hex.DecodeString(string(out)); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzCanonical checks the encoding against the documented one for any
// content, and that moving bytes from one field to the next always changes
// it: the length prefixes keep fields apart.
func FuzzCanonical(f *testing.F) {
	f.Add(uint64(1), int64(0), uint32(0), "user-1", "payments", "halyk-bank", "identity", "consent_granted", "5.2", "ref", 3)
	f.Add(uint64(1<<63), int64(-1<<40), uint32(999999999), "", "", "", "", "", "", "", 0)
	f.Fuzz(func(t *testing.T, seq uint64, sec int64, nsec uint32, subject, purp, recipient, category, code, clause, ref string, cut int) {
		e := ledger.Entry{
			Seq: seq, At: time.Unix(sec, int64(nsec%1e9)), Subject: subject, Purpose: purpose.ID(purp),
			Recipient: recipient, RecipientKind: disclosure.ThirdParty, Categories: []purpose.Category{purpose.Category(category)},
			Basis: []ledger.Basis{{Code: code, Clause: clause}}, Reference: ref,
		}
		if !bytes.Equal(auditorEncoding(e), e.Canonical()) {
			t.Fatal("Canonical differs from the documented encoding (v1)")
		}
		// The same content with a decision ID, encoded in v2; the
		// reference's bytes serve as one (Canonical does not judge it).
		withID := e
		withID.DecisionID = ref + "#"
		if !bytes.Equal(auditorEncoding(withID), withID.Canonical()) {
			t.Fatal("Canonical differs from the documented encoding (v2)")
		}
		if withID.ComputeHash() == e.ComputeHash() {
			t.Fatal("adding a decision ID kept the hash")
		}
		if len(subject) == 0 {
			return
		}
		n := (cut%len(subject) + len(subject)) % len(subject)
		moved := e
		moved.Subject, moved.Purpose = subject[:n], purpose.ID(subject[n:]+purp)
		if moved.ComputeHash() == e.ComputeHash() {
			t.Fatalf("moving %d bytes from subject to purpose kept the hash", len(subject)-n)
		}
	})
}
