// Package hmacpool computes HMAC-SHA-256 under a fixed key from a pool of
// keyed states.
//
// hmac.New hashes the key into two SHA-256 states and allocates several
// objects on every call; code that keys one HMAC per value (a tag per
// notification, a pseudonym per decision) pays that each time. A [Key]
// keys states once, keeps them in a sync.Pool and resets one per sum, so
// that a sum costs two SHA-256 blocks fewer and no allocation of its own.
//
// A Key is safe for concurrent use by multiple goroutines.
package hmacpool
