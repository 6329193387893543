package hmacpool_test

import (
	"encoding/hex"
	"fmt"

	"github.com/yasam/privacy/internal/hmacpool"
)

// A tag of a subject: the first 16 bytes of its HMAC, in hex. The parts
// are hashed as one message, so ("user", "-42") sums as "user-42" does.
func ExampleKey_Sum() {
	k := hmacpool.New([]byte("a key of at least 32 bytes......"))
	var buf [hmacpool.Size]byte
	sum := k.Sum(buf[:0], "user-42")
	fmt.Println(hex.EncodeToString(sum[:16]))
	fmt.Println(hex.EncodeToString(k.Sum(nil, "user", "-42")[:16]))
	// Output:
	// 60d808d1c6a0b979f14cb45653b8eee3
	// 60d808d1c6a0b979f14cb45653b8eee3
}
