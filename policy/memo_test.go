package policy

import (
	"reflect"
	"testing"
	"unsafe"
)

// The decision key has no padding, so that the map hashes it as one block
// of memory: a field added must keep it so (reorder, or widen a field).
func TestDecisionKeyLayout(t *testing.T) {
	typ := reflect.TypeFor[decisionKey]()
	var sum uintptr
	for i := range typ.NumField() {
		sum += typ.Field(i).Type.Size()
	}
	if size := unsafe.Sizeof(decisionKey{}); sum != size || size != 32 {
		t.Fatalf("decisionKey: fields sum to %d bytes, size is %d, want both 32 (no padding)", sum, size)
	}
}
