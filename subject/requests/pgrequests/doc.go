// Package pgrequests keeps the register of data subjects' requests
// ([requests.Store]) in PostgreSQL.
//
// # Usage
//
//	if err := pgrequests.Migrate(ctx, adminPool); err != nil { ... } // at deploy time
//	store, err := pgrequests.New(ctx, appPool)                         // no DDL
//	reg := requests.New(store)
//
// # Storage
//
// The schema is in [Migrations]: golang-migrate file naming; each file
// also runs alone with psql. Each records its version in privacy_schema
// under the component "requests"; [New] refuses a database behind
// [SchemaVersion] ([ErrSchemaBehind]) and runs DDL only with
// [WithMigrate]. The store's role needs USAGE on the schema; SELECT,
// INSERT, UPDATE on requests; SELECT on privacy_schema. A trigger refuses
// deletes and rewrites of what was filed, except erasure
// ([Store.Forget]); old row versions stay until VACUUM.
//
// # Concurrency
//
// [Store] is safe for concurrent use by multiple goroutines and
// processes: a change of status locks its row.
package pgrequests
