package pgmigrate_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/yasam/privacy/internal/pgmigrate"
)

// FuzzFiles feeds arbitrary file names to Files: it never panics, and
// what it accepts is numbered 1..n and named NNNN_what.up.sql.
func FuzzFiles(f *testing.F) {
	for _, seed := range []string{"0001_init.up.sql", "1_a.up.sql", "0001_.up.sql", "0000_x.up.sql", "-1_x.up.sql", "0001_a.down.sql", "x.sql", "0001_a.up.sql.sql"} {
		f.Add(seed, "0002_b.up.sql")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		fsys := fstest.MapFS{}
		for _, n := range []string{a, b} {
			if n != "" && !strings.ContainsAny(n, "/\\\x00") {
				fsys[n] = &fstest.MapFile{Data: []byte("SELECT 1")}
			}
		}
		files, err := pgmigrate.Files(fsys)
		if err != nil {
			if !errors.Is(err, pgmigrate.ErrBadFiles) {
				t.Fatalf("%v", err)
			}
			return
		}
		for i, fl := range files {
			if fl.Version != i+1 || !strings.HasSuffix(fl.Name, ".up.sql") {
				t.Fatalf("accepted %q as version %d", fl.Name, fl.Version)
			}
		}
	})
}
