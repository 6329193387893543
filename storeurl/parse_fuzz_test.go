package storeurl

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/yasam/privacy/internal/clip"
)

// FuzzParse: any string parses to a known scheme or fails with one of the
// package's sentinels, and an error never quotes what follows the scheme
// (where a password would be).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"memory:", "memory://", "sqlite:///tmp/x.db", "sqlite:x.db?busy_timeout=1s",
		"sqlite://host/x", "postgres://u:p@h/db?sslmode=disable", "postgresql://", "mysql://u:p@h", "", ":", "sqlite:%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tg, err := parse(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidURL) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("parse(%q): %v wraps no sentinel", raw, err)
			}
			// The clipped scheme is quoted; what follows it must not be
			// (a rest that only repeats the scheme is not a leak).
			scheme, rest, ok := strings.Cut(raw, ":")
			msg := strings.Replace(err.Error(), fmt.Sprintf("%q", clip.String(scheme, maxQuote)), "", 1)
			if ok && len(rest) >= 8 && strings.Contains(msg, rest) {
				t.Fatalf("parse(%q): error quotes the URL: %v", raw, err)
			}
			return
		}
		switch tg.scheme {
		case "memory", "postgres":
		case "sqlite":
			if tg.path == "" {
				t.Fatalf("parse(%q): sqlite without a path", raw)
			}
		default:
			t.Fatalf("parse(%q): scheme %q", raw, tg.scheme)
		}
	})
}
