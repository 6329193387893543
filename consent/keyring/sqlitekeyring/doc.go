// Package sqlitekeyring is a keyring.Keyring in a SQLite file of its own.
//
// # Storage
//
// One table, keyring(lookup BLOB PRIMARY KEY, key BLOB), where lookup is
// HMAC-SHA256(pepper, subject): the file lists no subject IDs. The file is
// in WAL mode with synchronous=FULL and secure_delete=ON: Shred deletes
// the row (SQLite overwrites the freed cell with zeros) and then
// checkpoints the WAL with TRUNCATE, so neither the key nor its lookup
// stays readable in the file or its WAL. Copies of the file made before
// (backups, snapshots) keep what they had, and the file system may keep
// freed blocks until they are reused.
//
// Keep the keyring in another file than the logs it protects, and back
// it up apart from them (or not at all: a lost keyring forgets everyone).
//
// A Keyring is safe for concurrent use.
package sqlitekeyring
