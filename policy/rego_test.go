package policy

import (
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/regoeval"
	"github.com/yasam/privacy/purpose"
)

// updateData is the -update flag of the package's tests, internal and
// external (see UpdateFlag in export_test.go).
var updateData = flag.Bool("update", false, "rewrite the golden files in testdata/ and rego/data.json")

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
	data := staticData(purpose.Default(), true, nil)
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

// TestRegoData keeps policy/rego/data.json, the static data the rules read
// (catalog, the Law's switch), in step with what the engine
// loads for the embedded catalog, so that `opa test policy/rego` with the
// stock OPA CLI finds it beside the rules. Regenerate with
//
//	go test ./policy -run RegoData -update
func TestRegoData(t *testing.T) {
	want, err := json.MarshalIndent(staticData(purpose.Default(), true, nil), "", "  ")
	require.NoError(t, err)
	want = append(want, '\n')
	path := filepath.Join("rego", "data.json")
	if *updateData {
		require.NoError(t, os.WriteFile(path, want, 0o644))
	}
	got, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create it")
	require.Equal(t, string(want), string(got), "rego/data.json is stale: run go test ./policy -run RegoData -update")

	// Every Rego test passes against the shipped data alone, as opa test
	// would run them.
	var data map[string]any
	require.NoError(t, json.Unmarshal(got, &data))
	modules := map[string]string{}
	names, err := fs.Glob(os.DirFS("rego"), "*.rego")
	require.NoError(t, err)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("rego", n))
		require.NoError(t, err)
		modules[n] = string(b)
	}
	results, err := regoeval.RunTests(context.Background(), modules, data)
	require.NoError(t, err)
	require.NotEmpty(t, results)
	for _, r := range results {
		assert.True(t, r.Pass || r.Skipped, "%s: %s", r.Name, r.Detail)
	}
}
