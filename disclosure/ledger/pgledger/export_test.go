package pgledger

import (
	"io/fs"

	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/internal/ledgerrow"
)

func FsGlob() ([]string, error) { return fs.Glob(Migrations(), "*") }

// ScanEntry exposes the row decoder to the fuzz test.
func ScanEntry(row func(dest ...any) error) (ledger.Entry, error) {
	return ledgerrow.Entry(scanFunc(row))
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }
