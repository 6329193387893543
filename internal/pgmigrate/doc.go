// Package pgmigrate applies the library's PostgreSQL schemas and checks
// their versions. Every PostgreSQL package of the library (consent/pgstore,
// the PostgreSQL ledger and claims register, ...) ships its schema as
// embedded SQL files and uses this package to apply them and to check, at
// New, that a database is not behind the code.
//
// # File conventions
//
// Files follow golang-migrate naming, up-only: NNNN_what.up.sql, numbered
// 1, 2, 3, ... without gaps. Every file is idempotent (CREATE ... IF NOT
// EXISTS, CREATE OR REPLACE, DO blocks guarding triggers), so each file also
// runs alone with psql, and golang-migrate or goose can apply them as they
// are. Each file ends by recording what it brought in the shared table
// privacy_schema, which the first file of every package creates if missing:
//
//	CREATE TABLE IF NOT EXISTS privacy_schema (component text PRIMARY KEY, version integer NOT NULL);
//	INSERT INTO privacy_schema (component, version) VALUES ('consent', 1)
//	    ON CONFLICT (component) DO UPDATE SET version = GREATEST(privacy_schema.version, EXCLUDED.version);
//
// [Apply] runs the files a component lacks, each in its own transaction
// holding a transaction-scoped advisory lock keyed by the schema, so
// instances starting together do not race. [Check] reads privacy_schema and
// needs only SELECT on it: an application role with no DDL rights can run
// it.
//
// The functions are safe for concurrent use; the package holds no state.
package pgmigrate
