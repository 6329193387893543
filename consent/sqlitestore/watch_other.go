//go:build !unix

package sqlitestore

// watch is a no-op where files are not mapped: every State asks the
// database for the highest sequence number instead, and the header is
// checked by SQLite as it reads.
type watch struct{}

func openWatch(string) (*watch, error)            { return &watch{}, nil }
func (w *watch) headerOK() bool                   { return true }
func (w *watch) walHeader() (h [48]byte, ok bool) { return h, false }
func (w *watch) close()                           {}
func (w *watch) replaced(bool) bool               { return false }
