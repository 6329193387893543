package policy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/internal/regoeval"
)

// maxBundleBytes bounds what a bundle may hold, all files together.
const maxBundleBytes = 64 << 20

// bundleDir prefixes the names of a bundle's modules.
const bundleDir = "bundle/"

// WithBundle loads a host policy laid out as an OPA bundle directory (pass
// os.DirFS(dir), or any fs.FS): .rego modules anywhere in it, layered on
// the policy exactly as [WithHostRego]'s are (package privacy.host and
// below; deny and obligations only); data.json files, each placed in the
// data document at its directory's path, which must be privacy/host or
// below it (a bundle cannot touch the catalog or the Law's data), or above
// it when the file holds nothing but the path down to privacy/host (the
// root data.json `opa build` writes); and an
// optional .manifest whose "revision" the engine reports
// ([Engine.BundleRevision]) and whose "roots", if given, must each be
// privacy/host or below it. Files ending in _test.rego and other files are
// skipped. With [WithBundleKeys] the bundle must also be signed. See
// [WatchBundle] for reloading one that changes.
func WithBundle(fsys fs.FS) Option { return func(c *config) { c.bundle = fsys } }

// BundleKey is a key that may sign a host bundle, with OPA's bundle signing
// (`opa sign`, `opa build --signing-key`): ID is the key ID the signature
// names (its "kid"), PublicKey the PEM public key (or the shared secret for
// an HS algorithm), Algorithm the JWT algorithm (RS256 when empty; ES256,
// PS256, EdDSA, HS256 and the others OPA supports), Scope the scope the
// signature must state, if any.
type BundleKey struct {
	ID        string
	PublicKey string
	Algorithm string
	Scope     string
}

// WithBundleKeys makes the bundle of [WithBundle] (and so of [WatchBundle])
// load only if it is signed by one of keys: its .signatures.json holds one
// JWT, signed by the one key given (whatever key ID the JWT names or
// omits) or, when several are given, by the key its "kid" names, listing every file the engine reads
// (.rego, data.json, .manifest, tests included) with its SHA-256 hash, and
// no file that is missing. A bundle unsigned, signed by another key, or
// with any file added, removed or changed after signing is refused with
// [ErrInvalidConfig]; under Reload or WatchBundle the policy in force stays.
// The engine verifies and reads one in-memory copy of the bundle, so a file
// changed between the two is not loaded unverified.
func WithBundleKeys(keys ...BundleKey) Option {
	return func(c *config) { c.bundleKeys = append(c.bundleKeys, keys...) }
}

// verifiedBundle copies fsys into memory and verifies the copy's signature
// against keys, returning the copy.
func verifiedBundle(fsys fs.FS, keys []BundleKey) (fs.FS, error) {
	snap := memFS{}
	var total int64
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", clip.Quote(name, maxQuote))
		}
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if total += int64(len(raw)); total > maxBundleBytes {
			return fmt.Errorf("bundle larger than %d bytes", maxBundleBytes)
		}
		snap[name] = raw
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: bundle: %w", ErrInvalidConfig, err)
	}
	vk := make([]regoeval.VerificationKey, len(keys))
	for i, k := range keys {
		vk[i] = regoeval.VerificationKey{ID: k.ID, Key: k.PublicKey, Algorithm: k.Algorithm, Scope: k.Scope}
	}
	if err := regoeval.VerifyBundle(snap, vk); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return snap, nil
}

// BundleRevision returns the revision named by the .manifest of the bundle
// in force ([WithBundle]), or "" when there is none.
func (e *Engine) BundleRevision() string {
	s := e.current()
	if s == nil {
		return ""
	}
	return s.revision
}

type bundle struct {
	modules  map[string]string
	data     map[string]any // rooted at data: {"privacy": {"host": ...}}
	revision string
}

type bundleManifest struct {
	Revision string    `json:"revision"`
	Roots    *[]string `json:"roots"`
}

func underHost(p string) bool {
	p = strings.Trim(p, "/")
	return p == "privacy/host" || strings.HasPrefix(p, "privacy/host/")
}

// readBundle reads a bundle directory.
func readBundle(fsys fs.FS) (*bundle, error) {
	b := &bundle{modules: map[string]string{}, data: map[string]any{}}
	var total int64
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := path.Base(name)
		if path.Ext(name) != ".rego" && base != "data.json" && name != ".manifest" {
			return nil
		}
		if strings.HasSuffix(name, "_test.rego") {
			return nil
		}
		if !d.Type().IsRegular() {
			// A symbolic link (os.DirFS follows it) could read any file
			// the process can into the policy, its decisions and logs.
			return fmt.Errorf("%s is not a regular file", clip.Quote(name, maxQuote))
		}
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if total += int64(len(raw)); total > maxBundleBytes {
			return fmt.Errorf("bundle larger than %d bytes", maxBundleBytes)
		}
		switch {
		case name == ".manifest":
			var m bundleManifest
			if err := json.Unmarshal(raw, &m); err != nil {
				return fmt.Errorf(".manifest: %w", err)
			}
			b.revision = m.Revision
			if m.Roots != nil {
				for _, r := range *m.Roots {
					if !underHost(r) {
						return fmt.Errorf(".manifest: root %s is outside privacy/host", clip.Quote(r, maxQuote))
					}
				}
			}
		case base == "data.json":
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var v map[string]any
			if err := dec.Decode(&v); err != nil {
				return fmt.Errorf("%s: %w", clip.Quote(name, maxQuote), err)
			}
			segs, v, err := hostData(path.Dir(name), v)
			if err != nil {
				return fmt.Errorf("%s: %w", clip.Quote(name, maxQuote), err)
			}
			if err := mergeAt(b.data, segs, v); err != nil {
				return fmt.Errorf("%s: %w", clip.Quote(name, maxQuote), err)
			}
		default:
			b.modules[bundleDir+name] = string(raw)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: bundle: %w", ErrInvalidConfig, err)
	}
	if len(b.modules) == 0 {
		return nil, fmt.Errorf("%w: bundle has no .rego files", ErrInvalidConfig)
	}
	return b, nil
}

// hostData places the data.json of directory dir under privacy/host: a
// file there or below it as it is; a file above it (the bundle's root, as
// `opa build` writes one, or privacy/) only if it holds nothing but the
// path down to privacy/host. It returns the path and the object to merge
// there.
func hostData(dir string, v map[string]any) ([]string, map[string]any, error) {
	var segs []string
	if dir != "." {
		segs = strings.Split(dir, "/")
	}
	for !underHost(strings.Join(segs, "/")) {
		if len(v) == 0 {
			return []string{"privacy", "host"}, v, nil // nothing to place
		}
		hostPath := []string{"privacy", "host"}
		if len(segs) >= len(hostPath) || !slices.Equal(segs, hostPath[:len(segs)]) {
			return nil, nil, errors.New("data outside privacy/host")
		}
		next := hostPath[len(segs)]
		child, ok := v[next].(map[string]any)
		if len(v) != 1 || !ok {
			return nil, nil, errors.New("data outside privacy/host")
		}
		segs, v = append(segs, next), child
	}
	return segs, v, nil
}

// mergeAt places v at the path segs of m, merging objects; a value already
// there that is not an object is a conflict.
func mergeAt(m map[string]any, segs []string, v map[string]any) error {
	for _, s := range segs {
		next, ok := m[s]
		if !ok {
			child := map[string]any{}
			m[s] = child
			m = child
			continue
		}
		child, ok := next.(map[string]any)
		if !ok {
			return errors.New("conflicts with other data")
		}
		m = child
	}
	for k, x := range v {
		if old, ok := m[k]; ok {
			om, ok1 := old.(map[string]any)
			xm, ok2 := x.(map[string]any)
			if !ok1 || !ok2 {
				return fmt.Errorf("key %s given twice", clip.Quote(k, maxQuote))
			}
			if err := mergeAt(om, nil, xm); err != nil {
				return err
			}
			continue
		}
		m[k] = x
	}
	return nil
}

// WatchBundle keeps e's host bundle in step with the directory dir: every
// interval it fingerprints the directory's files and, when they changed,
// reloads e with base followed by WithBundle(os.DirFS(dir)) — the same
// atomic swap as [Engine.Reload], so Checks in flight finish on the policy
// they started with and none sees a mix. A bundle that fails to load
// (broken Rego, a half-written file) leaves the policy in force as it was;
// report, if not nil, receives the error, and the next change is tried
// again. base must carry every other option of the engine (recipients,
// catalog, version...), as Reload needs. WatchBundle blocks until ctx ends
// and returns its error.
func WatchBundle(ctx context.Context, e *Engine, dir string, interval time.Duration, base []Option, report func(error)) error {
	if interval <= 0 {
		return fmt.Errorf("%w: watch interval %v is not positive", ErrInvalidConfig, interval)
	}
	return watch(ctx, e, os.DirFS(dir), interval, base, report)
}

// watch is WatchBundle over fsys.
func watch(ctx context.Context, e *Engine, fsys fs.FS, interval time.Duration, base []Option, report func(error)) error {
	var last [sha256.Size]byte
	first := true
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		// The files read are the files hashed and loaded: a second read
		// to load them could load one state and remember another, and
		// a file back as it was would then never be loaded. A change is
		// loaded once a second read finds the same files: a walk that
		// met a deploy halfway (a directory renamed in) read a mix of
		// two states, which the next tick reads whole.
		files, sum, err := readDirOnce(fsys)
		settled := true
		if err == nil && (first || sum != last) {
			var again [sha256.Size]byte
			_, again, err = readDirOnce(fsys)
			settled = again == sum
		}
		switch {
		case err != nil:
			if report != nil {
				report(fmt.Errorf("policy: watch bundle: %w", err))
			}
		case !settled:
			// Changing under the watcher: the next tick reads it again.
		case first || sum != last:
			if err := e.Reload(append(append([]Option(nil), base...), WithBundle(files))...); err != nil {
				if report != nil {
					report(err)
				}
			} else {
				last, first = sum, false
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// readDirOnce reads every file of fsys into memory, once, and hashes their
// names and contents.
func readDirOnce(fsys fs.FS) (memFS, [sha256.Size]byte, error) {
	h := sha256.New()
	files := memFS{}
	var total int64
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", clip.Quote(name, maxQuote))
		}
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if total += int64(len(raw)); total > maxBundleBytes {
			return fmt.Errorf("bundle directory larger than %d bytes", maxBundleBytes)
		}
		files[name] = raw
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(raw))
		h.Write(raw)
		return nil
	})
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return files, sum, err
}
