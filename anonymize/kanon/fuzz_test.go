package kanon_test

import (
	"errors"
	"testing"

	"github.com/yasam/privacy/anonymize/kanon"
)

// FuzzHierarchies feeds arbitrary values to the built-in hierarchies: they
// generalise or fail with ErrGeneralize, and the top level is always "*".
func FuzzHierarchies(f *testing.F) {
	for _, s := range []string{"1990-11-23", "43.2389,76.8897", "34", "050010", "", "-1", "NaN,1", "1e400,0"} {
		f.Add(s)
	}
	hs := []kanon.Hierarchy{
		kanon.DateHierarchy{}, kanon.AgeHierarchy{Widths: []int{5, 10}, Top: 90},
		kanon.PrefixHierarchy{Keep: []int{4, 2}}, kanon.GridHierarchy{Cells: []float64{0.01, 1}},
		kanon.SuppressHierarchy{},
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, h := range hs {
			for level := 1; level <= h.Levels(); level++ {
				g, err := h.Generalize(v, level)
				if err != nil && !errors.Is(err, kanon.ErrGeneralize) {
					t.Fatalf("%T level %d: %v", h, level, err)
				}
				if level == h.Levels() && g != "*" {
					t.Fatalf("%T top level gave %q", h, g)
				}
			}
		}
	})
}
