// Package keyring holds one random 256-bit key per data subject, so that
// the append-only consent log and disclosures ledger can be erased by
// destroying a key (crypto-shredding) while their hash chains still
// verify.
//
// A [Keyring] finds a subject's key by HMAC-SHA256(pepper, subject), the
// pepper held by the host outside the database: the keyring's own table
// lists no subject IDs. From the key, a [SubjectKey] derives what the
// append-only rows hold instead of personal data: a subject reference
// ([SubjectKey.Ref]), record IDs that cannot be recomputed from the
// subject's ID ([SubjectKey.ID]), and AES-256-GCM ciphertext of other
// personal fields ([SubjectKey.Seal]). Once [Keyring.Shred] has destroyed
// the key, none of these can be linked to the subject by anyone holding
// the database and the subject's ID (and the pepper): the reference is an
// HMAC under the destroyed key.
//
// # Storage
//
// [Memory] keeps keys in memory (tests, and hosts whose consent log is in
// memory too). Package sqlitekeyring keeps them in a SQLite file of their
// own with secure_delete on and the WAL truncated after every Shred;
// package pgkeyring in a PostgreSQL table (mutable, unlike the logs).
//
// # What erasure means, and its limits
//
// After Shred the key is gone from the keyring's live storage. Copies made
// before it are not: backups, a PostgreSQL server's WAL archive and
// replicas, and PostgreSQL's dead row versions until VACUUM reclaims them
// (pgkeyring.WithVacuum runs VACUUM on the table after each Shred, which
// needs the table's owner or a maintenance role). Keys cached in memory by
// the stores (see [Cache]) are dropped by the Forget that shreds, in that
// process; other processes drop theirs within the cache's TTL.
//
// A subject whose key was shredded and who comes back gets a new key: a
// new person to the stores, with nothing of the old records (the keyring
// keeps no trace of whom it forgot, since that trace would link).
//
// Keyrings are safe for concurrent use.
package keyring
