// Package ledgerrow reads and writes the rows of the ledger_entries table
// that the SQL stores of the ledger (disclosure/ledger/sqliteledger and
// disclosure/ledger/pgledger) share: the same columns in the same order,
// decoded with the same checks, so that a row changed behind a store's
// back is reported the same way whichever database holds it.
//
// Its functions keep no state and are safe for concurrent use.
package ledgerrow
