//go:build unix

package sqlitestore

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"
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
//
// The mappings belong to the files open at Open. The path is resolved
// through symbolic links first, as SQLite resolves it for its WAL index.
// A stat of the path, at most every statEvery (and on demand before a
// commit), tells whether the path still names those files: a database
// file deleted or replaced is reported by replaced; a WAL index file
// replaced (SQLite makes a new one once every connection to the file has
// closed) stops the watch of the header, and the database is probed
// instead.
type watch struct {
	shm  []byte // nil: no WAL index to watch; probe the database instead
	head []byte
	want [24]byte

	path       string // resolved
	db, shmID  fileID // the files mapped
	epoch      time.Time
	nextStat   atomic.Int64 // since epoch
	moved      atomic.Bool  // sticky: the path names another file, or none
	shmChanged atomic.Bool  // sticky: the mapped WAL index is not the path's
}

// fileID names a file on its device.
type fileID struct{ dev, ino uint64 }

func idOf(fi os.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}, true
}

// statEvery bounds how long a State may go on reading a file deleted or
// replaced under it.
const statEvery = 10 * time.Millisecond

const walIndexHdr = 96 // two copies of the 48-byte header

func openWatch(path string) (*watch, error) {
	// Absolute, as SQLite makes it: a later change of the process's
	// working directory must not make the path name another file.
	real, err := filepath.EvalSymlinks(path)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return nil, err
	}
	w := &watch{path: real, epoch: time.Now()}
	f, err := os.Open(real)
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
	var ok bool
	if w.db, ok = idOf(fi); !ok {
		return nil, errors.New("database file has no device and inode")
	}
	w.head, err = syscall.Mmap(int(f.Fd()), 0, 100, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	copy(w.want[:], w.head)
	if g, err := os.Open(real + "-shm"); err == nil {
		defer g.Close()
		if gi, err := g.Stat(); err == nil && gi.Size() >= walIndexHdr {
			if id, ok := idOf(gi); ok {
				if m, err := syscall.Mmap(int(g.Fd()), 0, walIndexHdr, syscall.PROT_READ, syscall.MAP_SHARED); err == nil {
					w.shm, w.shmID = m, id
				}
			}
		}
	}
	return w, nil
}

// replaced reports whether the path no longer names the database file
// the watch opened: deleted, or another file in its place. It stats the
// path at most every statEvery unless now is set; once true it stays
// true.
func (w *watch) replaced(now bool) bool {
	if w.moved.Load() {
		return true
	}
	t := int64(time.Since(w.epoch))
	if !now && t < w.nextStat.Load() {
		return false
	}
	w.nextStat.Store(t + int64(statEvery))
	if !sameFile(w.path, w.db) {
		w.moved.Store(true)
		return true
	}
	if w.shm != nil && !w.shmChanged.Load() && !sameFile(w.path+"-shm", w.shmID) {
		w.shmChanged.Store(true)
	}
	return false
}

// sameFile reports whether path names the file id.
func sameFile(path string, id fileID) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	got, ok := idOf(fi)
	return ok && got == id
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
	if w.shm == nil || w.shmChanged.Load() {
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
