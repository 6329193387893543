package policy

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/yasam/privacy/internal/regoeval"
	"github.com/yasam/privacy/purpose"
)

// RegoTest is the outcome of one Rego test rule run by [RunRegoTests].
type RegoTest struct {
	Name    string // package and rule, e.g. "privacy.host.minors_test.test_minor_denied"
	Pass    bool
	Skipped bool   // a rule named todo_test_...
	Detail  string // why it failed, if it did
}

// RunRegoTests runs the Rego tests (rules named test_*) of a host bundle
// laid out as [WithBundle] reads it, its _test.rego files included,
// through OPA's tester, as `opa test` would: the bundle's modules and data
// are loaded on top of the embedded policy and its static data (the
// catalog, the Law's switch), so a host test may query its own package or
// data.privacy.decision. It fails, with [ErrInvalidConfig], when the
// bundle would not load (a module outside privacy.host, data outside
// privacy/host); a failing test is a result, not an error.
//
// A host runs it from a Go test so that `go test` runs the same Rego tests
// as `opa test` (see examples/hostpolicy).
func RunRegoTests(ctx context.Context, fsys fs.FS) ([]RegoTest, error) {
	// The bundle must load as WithBundle loads it: confined, sandboxed.
	if _, err := New(WithBundle(fsys)); err != nil {
		return nil, err
	}
	b, err := readBundle(fsys)
	if err != nil {
		return nil, err
	}
	modules := map[string]string{}
	seed, err := fs.Glob(Rego(), "*.rego")
	if err != nil {
		return nil, err
	}
	for _, n := range seed {
		if strings.HasSuffix(n, "_test.rego") {
			continue
		}
		src, err := fs.ReadFile(Rego(), n)
		if err != nil {
			return nil, err
		}
		modules[n] = string(src)
	}
	for name, src := range b.modules {
		modules[name] = src
	}
	err = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path.Base(name), "_test.rego") {
			return err
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		modules[bundleDir+name] = string(src)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: bundle: %w", ErrInvalidConfig, err)
	}
	data := staticData(purpose.Default(), true, nil)
	if p, ok := b.data["privacy"]; ok {
		data["privacy"] = p
	}
	results, err := regoeval.RunTests(ctx, modules, data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	out := make([]RegoTest, len(results))
	for i, r := range results {
		out[i] = RegoTest{Name: r.Name, Pass: r.Pass, Skipped: r.Skipped, Detail: r.Detail}
	}
	return out, nil
}
