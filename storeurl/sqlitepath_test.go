package storeurl_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/storeurl"
)

// names lists the files in dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestSQLiteURLPartsNotDropped: a SQLite URL with a part the opener would
// drop (a fragment, which a '#' in a file name starts, or a query that
// does not parse) is refused, saying what to write, rather than open a
// file other than the one named or ignore a parameter; no file is made.
func TestSQLiteURLPartsNotDropped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  func(dir string) string
		hint string // in the error
	}{
		{"hash in the file name", func(dir string) string { return "sqlite://" + filepath.Join(dir, "claims#2.db") }, "%23"},
		{"hash in a directory name", func(dir string) string { return "sqlite://" + filepath.Join(dir, "a#b", "x.db") }, "%23"},
		{"empty fragment", func(dir string) string { return "sqlite://" + filepath.Join(dir, "x.db") + "#" }, "%23"},
		{"fragment after the parameters", func(dir string) string {
			return "sqlite://" + filepath.Join(dir, "x.db") + "?busy_timeout=1s#x"
		}, "%23"},
		{"parameters split by semicolons", func(dir string) string {
			return "sqlite://" + filepath.Join(dir, "x.db") + "?busy_timeout=1s;sole_writer=true"
		}, "parameters"},
		{"parameter that does not unescape", func(dir string) string {
			return "sqlite://" + filepath.Join(dir, "x.db") + "?busy_timeout=%zz"
		}, "parameters"},
		{"question mark in the file name", func(dir string) string { return "sqlite://" + filepath.Join(dir, "a?b.db") }, "parameter"},
		{"user", func(dir string) string { return "sqlite://me@" + filepath.Join(dir, "x.db") }, "user"},
		{"host", func(dir string) string { return "sqlite://localhost" + filepath.Join(dir, "x.db") }, "host"},
	}
	for _, tt := range tests {
		for _, o := range openers {
			t.Run(tt.name+"/"+o.name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				err := o.open(context.Background(), tt.url(dir))
				require.ErrorIs(t, err, storeurl.ErrInvalidURL)
				assert.Contains(t, err.Error(), tt.hint)
				assert.Empty(t, names(t, dir), "a file was made")
			})
		}
	}
}

// TestSQLiteEscapedHashOpensTheFileNamed: "%23" in a SQLite URL is a '#'
// of the file's name.
func TestSQLiteEscapedHashOpensTheFileNamed(t *testing.T) {
	t.Parallel()
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			require.NoError(t, o.open(context.Background(), "sqlite://"+filepath.Join(dir, "claims%232.db")))
			assert.Contains(t, strings.Join(names(t, dir), ","), "claims#2.db")
			assert.NotContains(t, names(t, dir), "claims")
		})
	}
}

// TestSQLiteRelativeHashRefused: a relative SQLite path with a '#' is
// refused, and no file is made where the process runs.
func TestSQLiteRelativeHashRefused(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	_, err := storeurl.OpenClaims(context.Background(), "sqlite:claims#2.db")
	require.ErrorIs(t, err, storeurl.ErrInvalidURL)
	assert.Empty(t, names(t, dir))
	s, err := storeurl.OpenClaims(context.Background(), "sqlite:claims%232.db")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"claims#2.db"}, names(t, dir)[:1])
}
