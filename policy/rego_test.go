package policy

import (
	"context"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/regoeval"
	"github.com/yasam/privacy/purpose"
)

// TestRego runs every Rego unit test of the embedded policy through OPA's
// tester, against the same static data the engine loads, one subtest each.
func TestRego(t *testing.T) {
	modules := map[string]string{}
	names, err := fs.Glob(Rego(), "*.rego")
	require.NoError(t, err)
	tests := 0
	for _, n := range names {
		b, err := fs.ReadFile(Rego(), n)
		require.NoError(t, err)
		modules[n] = string(b)
	}
	data := staticData(purpose.Default(), nil, true, nil)
	results, err := regoeval.RunTests(context.Background(), modules, data)
	require.NoError(t, err)
	for _, r := range results {
		tests++
		t.Run(r.Name, func(t *testing.T) {
			if r.Skipped {
				t.Skip("skipped in Rego")
			}
			if !r.Pass {
				t.Fatalf("Rego test %s: %s", r.Name, r.Detail)
			}
		})
	}
	if tests == 0 {
		t.Fatal("no Rego tests found: the *_test.rego files are missing or define no test_ rules")
	}
}
