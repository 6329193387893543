// Package regval holds the checks the data subject's registers (claims,
// requests, breaches) make of what they are given to keep, so that every
// store, in memory, SQLite or PostgreSQL, keeps it exactly or refuses it
// alike.
package regval
