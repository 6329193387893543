// Package checkbench measures policy.Check over each consent store, warm,
// in one process so that the figures compare, and puts the stores under
// load. It holds only tests and benchmarks; it lives apart so that neither
// the policy package's tests nor the stores' link each other's
// dependencies.
//
//	go test -run '^$' -bench . -benchmem ./internal/checkbench
//
// TestLoad runs, on 2 cores, checkers calling Check while grants and
// withdrawals stream in, over the memory, SQLite and PostgreSQL stores; it
// reports checks/s and the staleness of a withdrawal on a second instance
// (p50/p99/max), and asserts that no Check on the instance that
// acknowledged a withdrawal allows after it. It runs 1 s per store in
// normal tests and 10 s with PRIVACY_LOAD=1:
//
//	PRIVACY_LOAD=1 go test -run TestLoad -v ./internal/checkbench
//
// The PostgreSQL cases run when PRIVACY_PG_DSN names a server and fail
// when PRIVACY_PG_REQUIRED=1 and it cannot be reached.
package checkbench
