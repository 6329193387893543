// Package pgbreaches keeps the breach register ([breaches.Store]) in
// PostgreSQL.
//
// # Usage
//
//	if err := pgbreaches.Migrate(ctx, adminPool); err != nil { ... } // at deploy time
//	store, err := pgbreaches.New(ctx, appPool)                         // no DDL
//	reg := breaches.New(store)
//
// # Storage
//
// The schema is in [Migrations]: golang-migrate file naming; each file
// also runs alone with psql. Each records its version in privacy_schema
// under the component "breaches"; [New] refuses a database behind
// [SchemaVersion] ([ErrSchemaBehind]) and runs DDL only with
// [WithMigrate]. The store's role needs USAGE on the schema; SELECT,
// INSERT, UPDATE on breaches and breach_subjects; SELECT on
// privacy_schema. Triggers refuse deletes, rewrites of what was recorded,
// a second notice and any change of a subject but erasure; old row
// versions stay until VACUUM.
//
// # Concurrency
//
// [Store] is safe for concurrent use by multiple goroutines and
// processes: a notice locks its incident's row.
package pgbreaches
