package pgmigrate_test

import (
	"fmt"
	"testing/fstest"

	"github.com/yasam/privacy/internal/pgmigrate"
)

// Files reads a package's migrations in order; Apply runs the ones a
// database lacks and Check, at New, refuses a database that is behind.
func ExampleFiles() {
	fsys := fstest.MapFS{
		"0002_index.up.sql": {Data: []byte("CREATE INDEX IF NOT EXISTS ...")},
		"0001_init.up.sql":  {Data: []byte("CREATE TABLE IF NOT EXISTS ...")},
	}
	files, err := pgmigrate.Files(fsys)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		fmt.Println(f.Version, f.Name)
	}
	// Output:
	// 1 0001_init.up.sql
	// 2 0002_index.up.sql
}
