//go:build race

package hmacpool_test

// raceEnabled: the race detector drops a share of sync.Pool's items on
// purpose, so allocation counts do not hold under it.
const raceEnabled = true
