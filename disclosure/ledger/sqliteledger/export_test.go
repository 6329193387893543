package sqliteledger

import "github.com/yasam/privacy/disclosure/ledger"

// ScanEntry exposes the row decoder to the fuzz test.
func ScanEntry(row func(dest ...any) error) (ledger.Entry, error) { return scanEntry(scanFunc(row)) }

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }
