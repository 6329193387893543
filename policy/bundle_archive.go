package policy

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/yasam/privacy/internal/clip"
)

// maxBundleFiles bounds the entries of a bundle archive.
const maxBundleFiles = 10000

// ReadBundleArchive reads an OPA bundle packed as .tar.gz (as `opa build`
// writes it) into a file system to give [WithBundle]. Entries are checked
// before anything is kept: only regular files and directories, relative
// paths without ".." (a leading "/" is dropped, as OPA does), at most
// 64 MiB and 10,000 entries in all. Every failure wraps [ErrInvalidConfig].
func ReadBundleArchive(r io.Reader) (fs.FS, error) {
	fail := func(format string, args ...any) (fs.FS, error) {
		return nil, fmt.Errorf("%w: bundle archive: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fail("%w", err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	out := memFS{}
	var total int64
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail("%w", err)
		}
		if n >= maxBundleFiles {
			return fail("more than %d entries", maxBundleFiles)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "/"))
		switch h.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			return fail("%s is not a regular file", clip.Quote(h.Name, maxQuote))
		}
		if !fs.ValidPath(name) || name == "." {
			return fail("invalid path %s", clip.Quote(h.Name, maxQuote))
		}
		if h.Size < 0 || total+h.Size > maxBundleBytes {
			return fail("larger than %d bytes", maxBundleBytes)
		}
		data, err := io.ReadAll(io.LimitReader(tr, h.Size+1))
		if err != nil {
			return fail("%s: %w", clip.Quote(name, maxQuote), err)
		}
		if int64(len(data)) != h.Size {
			return fail("%s: size does not match its header", clip.Quote(name, maxQuote))
		}
		total += h.Size
		if _, dup := out[name]; dup {
			return fail("%s given twice", clip.Quote(name, maxQuote))
		}
		if memFS(out).isDir(name) || fileAbove(out, name) {
			return fail("%s is both a file and a directory", clip.Quote(name, maxQuote))
		}
		out[name] = data
	}
	return out, nil
}

// fileAbove reports whether a directory name holds, a parent of name, is
// already a file of out ("a" before "a/b.rego"): a walk would see one or
// the other, by chance.
func fileAbove(out map[string][]byte, name string) bool {
	for dir := path.Dir(name); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if _, ok := out[dir]; ok {
			return true
		}
	}
	return false
}
