package pgledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/purpose"
)

// BenchmarkAppendChained is the path a contended Ledger takes: the store
// chains each entry under its lock.
func BenchmarkAppendChained(b *testing.B) {
	s, _, _ := fresh(b)
	ctx := context.Background()
	e := ledger.Entry{At: time.Now(), Subject: "user-1", Purpose: purpose.Payments, Recipient: "halyk-bank", RecipientKind: disclosure.ThirdParty,
		Categories: []purpose.Category{purpose.Identity}, Basis: []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.AppendChained(ctx, []ledger.Entry{e}); err != nil {
			b.Fatal(err)
		}
	}
}
