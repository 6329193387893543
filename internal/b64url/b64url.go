package b64url

import (
	"encoding/base64"
	"errors"
	"strings"
)

// ErrNotCanonical is returned for text that is not the canonical unpadded
// base64url encoding of any bytes.
var ErrNotCanonical = errors.New("b64url: not canonical unpadded base64url")

var strict = base64.RawURLEncoding.Strict()

// Decode returns the bytes s encodes. It returns ErrNotCanonical for text
// holding a line break, padding, a character outside the alphabet, or
// non-zero padding bits. It is safe for concurrent use.
func Decode(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, ErrNotCanonical
	}
	b, err := strict.DecodeString(s)
	if err != nil {
		return nil, ErrNotCanonical
	}
	return b, nil
}

// Encode returns the canonical unpadded base64url text of b.
func Encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
