package hmacpool_test

import (
	"encoding/hex"
	"fmt"

	"github.com/yasam/privacy/internal/hmacpool"
)

// A tag of a subject: the first 16 bytes of its HMAC, in hex.
func ExampleKey_Sum() {
	k := hmacpool.New([]byte("a key of at least 32 bytes......"))
	var buf [hmacpool.Size]byte
	sum := k.Sum(buf[:0], "user-42")
	fmt.Println(len(sum), hex.EncodeToString(sum[:16]) == hex.EncodeToString(k.Sum(nil, "user", "-42")[:16]))
	// Output: 32 true
}
