// Package checkbench measures policy.Check over each consent store, warm,
// in one process so that the figures compare. It holds only tests and
// benchmarks; it lives apart so that neither the policy package's tests nor
// the stores' link each other's dependencies.
//
//	go test -run '^$' -bench . -benchmem ./internal/checkbench
//
// The PostgreSQL case runs when PRIVACY_PG_DSN names a server and fails
// when PRIVACY_PG_REQUIRED=1 and it cannot be reached.
package checkbench
