package ledger_test

import (
	"testing"

	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
)

func BenchmarkMemoryStore(b *testing.B) {
	ledgertest.Bench(b, func(*testing.B) ledger.Store { return ledger.NewMemoryStore() })
}

func BenchmarkComputeHash(b *testing.B) {
	e := fixture()
	b.ReportAllocs()
	for b.Loop() {
		e.ComputeHash()
	}
}
