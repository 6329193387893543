//go:build amd64 && !purego

package anonymize

import "golang.org/x/sys/cpu"

// haveVector reports whether the scan may use stopIndexAVX2: the
// processor and the operating system support AVX2. It is set once, when
// the package is initialised, and never changes.
var haveVector = cpu.X86.HasAVX2

// stopIndexAVX2 is in stop_amd64.s.
//
//go:noescape
func stopIndexAVX2(b []byte, names bool) (k int, found bool)
