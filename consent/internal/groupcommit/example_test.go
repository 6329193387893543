package groupcommit_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/yasam/privacy/consent/internal/groupcommit"
)

// Each caller gets its own result; concurrent callers share a commit.
func ExampleGroup_Do() {
	g := groupcommit.New(func(ctx context.Context, items []string) ([]string, []error) {
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = strings.ToUpper(it)
		}
		return out, make([]error, len(items))
	}, 64, time.Second)
	r, err := g.Do(context.Background(), "grant")
	fmt.Println(r, err)
	// Output: GRANT <nil>
}
