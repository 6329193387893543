package ledger_test

import (
	"path/filepath"
	"testing"

	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
)

var _ = filepath.Join

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	ledgertest.Run(t, func(t *testing.T) ledger.Store { return ledger.NewMemoryStore() })
}
