// Package groupcommit lets concurrent callers share one transaction: the
// consent stores' appends (consent/sqlitestore, consent/pgstore) queue
// their batches, and one of the callers, the leader, commits every batch
// queued so far in one transaction, so one fsync serves them all.
//
// It is safe for concurrent use by multiple goroutines and starts no
// goroutine of its own: a caller that finds no leader becomes it, commits
// one group (its own batch first), hands the lead to the next waiting
// caller, and returns.
package groupcommit
