package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testRef matches a test named in RELIABILITY.md: a package directory
// relative to the module root, a dot, and a top-level test, fuzz target,
// benchmark or example, e.g. `policy.TestCheckNilContext`. A subtest path
// may follow after a slash; only the top-level function is checked.
var testRef = regexp.MustCompile("`((?:[a-z0-9_]+/)*[a-z0-9_]+)\\.((?:Test|Fuzz|Benchmark|Example)[A-Za-z0-9_]*)(?:/[^`]*)?`")

// root is the module root, two levels up from this package.
const root = "../.."

func TestReliabilityNamesExistingTests(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(root, "RELIABILITY.md"))
	require.NoError(t, err)

	rows, refs := 0, 0
	cache := map[string]map[string]bool{}
	for i, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "| fault") {
			continue
		}
		rows++
		cells := strings.Split(strings.Trim(line, "| "), "|")
		last := cells[len(cells)-1]
		found := testRef.FindAllStringSubmatch(last, -1)
		if len(found) == 0 {
			t.Errorf("RELIABILITY.md:%d: the row names no test in its last column", i+1)
			continue
		}
		for _, m := range found {
			refs++
			dir, name := m[1], m[2]
			funcs, ok := cache[dir]
			if !ok {
				funcs = testFuncs(t, filepath.Join(root, dir))
				cache[dir] = funcs
			}
			if !funcs[name] {
				t.Errorf("RELIABILITY.md:%d: %s names %s, which %s does not declare", i+1, m[0], name, dir)
			}
		}
	}
	require.Positive(t, rows, "RELIABILITY.md has no rows")
	t.Logf("%d rows, %d tests named, all present", rows, refs)
}

// testFuncs returns the names of the top-level functions declared in the
// _test.go files of dir.
func testFuncs(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	require.NoError(t, err)
	out := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil {
				out[fn.Name.Name] = true
			}
		}
	}
	return out
}

// TestTestRef pins what the pattern accepts, so a row in an unexpected
// shape fails loudly instead of being skipped.
func TestTestRef(t *testing.T) {
	for _, tc := range []struct {
		in        string
		dir, name string
	}{
		{"`policy.TestCheckNilContext`", "policy", "TestCheckNilContext"},
		{"`policy/httpguard.TestPanic/checker`", "policy/httpguard", "TestPanic"},
		{"`anonymize.FuzzScan`", "anonymize", "FuzzScan"},
	} {
		m := testRef.FindStringSubmatch(tc.in)
		require.NotNil(t, m, tc.in)
		require.Equal(t, tc.dir, m[1])
		require.Equal(t, tc.name, m[2])
	}
	require.Nil(t, testRef.FindStringSubmatch("`policy.Check`"))
}
