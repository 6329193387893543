//go:build unix

package sqlitestore

import (
	"errors"
	"os"
	"runtime/debug"
	"syscall"
)

// watch sees, without a system call, whether the file changed and whether
// its header is intact. It maps two files read-only and shared, so the
// mappings show what any process writes:
//
//   - the WAL index (path-shm): its header, two copies of 48 bytes, changes
//     with every commit, by any connection of any process (SQLite's
//     documented WAL-index format; writers update it before a commit
//     returns);
//   - the first page of the database file, whose first 24 bytes (the
//     "SQLite format 3" magic, page size, format numbers) never change in
//     a healthy file.
//
// A fault reading a mapping (the file was truncated under it) reads as
// damage.
type watch struct {
	shm  []byte // nil: no WAL index to watch; probe the database instead
	head []byte
	want [24]byte
}

const walIndexHdr = 96 // two copies of the 48-byte header

func openWatch(path string) (*watch, error) {
	w := &watch{}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() < 100 {
		return nil, errors.New("database file has no header on disk")
	}
	w.head, err = syscall.Mmap(int(f.Fd()), 0, 100, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	copy(w.want[:], w.head)
	if g, err := os.Open(path + "-shm"); err == nil {
		defer g.Close()
		if gi, err := g.Stat(); err == nil && gi.Size() >= walIndexHdr {
			if m, err := syscall.Mmap(int(g.Fd()), 0, walIndexHdr, syscall.PROT_READ, syscall.MAP_SHARED); err == nil {
				w.shm = m
			}
		}
	}
	return w, nil
}

// headerOK reports whether the database header still reads as it did at
// open.
func (w *watch) headerOK() (ok bool) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if recover() != nil {
			ok = false
		}
	}()
	return [24]byte(w.head[:24]) == w.want
}

// walHeader copies the WAL-index header and reports whether it is stable
// (both copies agree and it is initialised); false when there is none.
func (w *watch) walHeader() (h [48]byte, ok bool) {
	if w.shm == nil {
		return h, false
	}
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if recover() != nil {
			ok = false
		}
	}()
	var both [walIndexHdr]byte
	copy(both[:], w.shm)
	h = [48]byte(both[:48])
	return h, h == [48]byte(both[48:]) && h[12] != 0 // isInit
}

func (w *watch) close() {
	if w.head != nil {
		syscall.Munmap(w.head)
	}
	if w.shm != nil {
		syscall.Munmap(w.shm)
	}
}
