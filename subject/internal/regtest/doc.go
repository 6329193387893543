// Package regtest holds the tests that every PostgreSQL register of the
// subject packages (pgclaims, pgrequests, pgbreaches) runs the same way:
// a fresh or DML-only store for the conformance suites, the schema
// checks, and the migration files applied again by hand. Each register
// describes itself once in a [PG] value and calls these from its own
// named tests, so the test names and assertions stay per package.
//
// It is for tests only and fails, or skips, as [pgtest] does.
package regtest
