package clip_test

import (
	"fmt"
	"strings"

	"github.com/yasam/privacy/internal/clip"
)

func Example() {
	id := "user-" + strings.Repeat("7", 40)
	fmt.Printf("unknown recipient %q\n", clip.String(id, 16))
	fmt.Println("unknown purpose", clip.Quote("ads\x00\xff", 64))
	// Output:
	// unknown recipient "user-77777777777…"
	// unknown purpose "ads??"
}
