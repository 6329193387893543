//go:build !race

package hmacpool_test

const raceEnabled = false
