// Package pgtest gives the library's PostgreSQL tests a server to run on:
// a pool on PRIVACY_PG_DSN with a fresh schema per test, dropped when the
// test ends, and roles with only the privileges an application gets, so
// that tests running at the same time on one database do not collide.
//
// Without PRIVACY_PG_DSN, or with a server that does not answer, the test
// is skipped; with PRIVACY_PG_REQUIRED=1 (as in CI) it fails instead.
//
// The role that PRIVACY_PG_DSN logs in as must be able to create schemas
// in the database (own it) and, for [DMLRole], have CREATEROLE;
// .ci/pg-up sets up such a role.
package pgtest
