//go:build !amd64 || purego

package anonymize

// haveVector is false: without amd64 assembly (or with the purego build
// tag) the scan takes the pure-Go skip.
const haveVector = false

// stopIndexAVX2 is never called when haveVector is false.
func stopIndexAVX2(b []byte, names bool) (k int, found bool) {
	return 0, false
}
