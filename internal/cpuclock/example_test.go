package cpuclock_test

import (
	"fmt"
	"strings"

	"github.com/yasam/privacy/internal/cpuclock"
)

func Example() {
	before := cpuclock.Self()
	n := len(strings.Repeat("x", 1<<20))
	used := cpuclock.Self() - before
	fmt.Println(n, used >= 0)
	// Output: 1048576 true
}
