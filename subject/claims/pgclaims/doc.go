// Package pgclaims keeps the register of pre-trial claims
// ([claims.Store]) in PostgreSQL, for operators that run several
// instances on one database.
//
// # Usage
//
//	if err := pgclaims.Migrate(ctx, adminPool); err != nil { ... } // at deploy time
//	store, err := pgclaims.New(ctx, appPool)                         // no DDL
//	reg := claims.New(store)
//
// # Storage
//
// The schema is in [Migrations]: golang-migrate file naming; each file
// also runs alone with psql, and again without harm. Each records its
// version in the shared privacy_schema table under the component
// "claims"; [New] refuses a database behind [SchemaVersion] with an error
// wrapping [ErrSchemaBehind], and runs DDL only with [WithMigrate].
// The role the store runs as needs USAGE on the schema; SELECT, INSERT
// and UPDATE on claims; SELECT on privacy_schema. A trigger refuses to
// delete a claim or to rewrite what was filed, except for the one
// rewrite erasure makes ([Store.Forget]).
//
// # Concurrency
//
// [Store] is safe for concurrent use by multiple goroutines and by many
// processes on one database: a change of status locks its row and checks
// the status it was read with.
package pgclaims
