// Package pgkeyring is a keyring.Keyring in PostgreSQL.
//
// # Storage
//
// One mutable table, privacy_keyring(lookup bytea PRIMARY KEY, key
// bytea), where lookup is HMAC-SHA256(pepper, subject): the table lists no
// subject IDs. Schema as embedded SQL files ([Migrations]; golang-migrate
// file naming; each file also runs alone with psql), recorded in
// privacy_schema as component "keyring". [New] runs no DDL unless asked
// ([WithMigrate]). Privileges: USAGE on the schema; SELECT, INSERT, DELETE
// on privacy_keyring; SELECT on privacy_schema.
//
// # What Shred erases, and what it does not
//
// Shred deletes the row. PostgreSQL keeps the dead row version in the
// table's pages until VACUUM reclaims it (autovacuum does, in time;
// [WithVacuum] runs VACUUM on the table after each Shred, which needs its
// owner or a maintenance role), and in the WAL, its archive, replicas and
// backups until they expire. Erasure therefore means: no live row, and no
// copy beyond the server's retention of WAL and backups.
//
// A Keyring is safe for concurrent use.
package pgkeyring
