package sqliteledger_test

import (
	"path/filepath"
	"testing"

	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
)

func BenchmarkStore(b *testing.B) {
	ledgertest.Bench(b, func(b *testing.B) ledger.Store {
		return open(b, filepath.Join(b.TempDir(), "ledger.db"))
	})
}
