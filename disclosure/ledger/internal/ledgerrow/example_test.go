package ledgerrow_test

import (
	"database/sql"
	"fmt"

	"github.com/yasam/privacy/disclosure/ledger/internal/ledgerrow"
)

type noRow struct{}

func (noRow) Scan(...any) error { return sql.ErrNoRows }

// An empty table has the zero head.
func ExampleHead() {
	h, err := ledgerrow.Head(noRow{})
	fmt.Println(h.Seq, h.Hash.IsZero(), err)
	// Output: 0 true <nil>
}
