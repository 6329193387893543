package b64url_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/b64url"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
		ok       bool
	}{
		{"empty", "", "", true},
		{"one byte", "YQ", "a", true},
		{"two bytes", "YWI", "ab", true},
		{"three bytes", "YWJj", "abc", true},
		{"url alphabet", "-_8", "\xfb\xff", true},
		{"line feed inside", "YW\nJj", "", false},
		{"carriage return inside", "YWJ\rj", "", false},
		{"trailing line feed", "YWJj\n", "", false},
		{"padding", "YQ==", "", false},
		{"std alphabet", "+/8", "", false},
		{"non-zero padding bits", "YR", "", false},
		{"one char", "Y", "", false},
		{"space", "YW Jj", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b64url.Decode(tt.in)
			if !tt.ok {
				require.ErrorIs(t, err, b64url.ErrNotCanonical)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

// FuzzDecode: what decodes is exactly what Encode writes for its bytes.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "YQ", "YWJj", "YW\nJj", "YR", "YQ==", "-_8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := b64url.Decode(s)
		if err != nil {
			return
		}
		require.Equal(t, s, b64url.Encode(b))
	})
}

func ExampleDecode() {
	b, err := b64url.Decode("aGVsbG8")
	fmt.Println(string(b), err)
	_, err = b64url.Decode("aGVs\nbG8")
	fmt.Println(err)
	// Output:
	// hello <nil>
	// b64url: not canonical unpadded base64url
}
