package pgtest_test

import (
	"context"
	"testing"

	"github.com/yasam/privacy/internal/pgtest"
)

// A test gets a schema of its own and a pool on it; both go when it ends.
// A second pool logs in as a role that may only read and insert.
func ExampleDMLRole() {
	_ = func(t *testing.T) {
		pool, schema := pgtest.New(t)
		if _, err := pool.Exec(context.Background(), "CREATE TABLE notes (body text)"); err != nil {
			t.Fatal(err)
		}
		app := pgtest.DMLRole(t, schema, []pgtest.Grant{{Privileges: "SELECT, INSERT", Object: "notes"}})
		if _, err := app.Exec(context.Background(), "DELETE FROM notes"); err == nil {
			t.Fatal("the role may delete")
		}
	}
	// Output:
}
