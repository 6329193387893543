// Package doccheck holds tests that keep the repository's documents true to
// the code: every test that RELIABILITY.md names as the proof of a
// behaviour must exist, so the table cannot quietly rot when a test is
// renamed or removed.
//
// It has no non-test code; importing it does nothing.
package doccheck
