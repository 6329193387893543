package storeurl

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// FuzzParse: any string parses to a known scheme or fails with one of the
// package's sentinels; an error quotes no more than a scheme that has the
// form of one, never what follows it (where a password would be), nor a
// user or password of the URL or of a DSN whose scheme was left out.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"memory:", "memory://", "sqlite:///tmp/x.db", "sqlite:x.db?busy_timeout=1s",
		"sqlite://host/x", "postgres://u:p@h/db?sslmode=disable", "postgresql://", "mysql://u:p@h", "", ":", "sqlite:%zz",
		"app_admin:hunter2@db.internal:5432/privacy", "password=hun:ter2 user=app_admin host=db",
		"admin:hunter2@db", "sqlite:///tmp/claims#2.db", "sqlite:///tmp/x.db?busy_timeout=1s;sole_writer=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tg, err := parse(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidURL) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("parse(%q): %v wraps no sentinel", raw, err)
			}
			scheme, rest, ok := strings.Cut(raw, ":")
			msg := err.Error()
			if ok && namesScheme(scheme, rest) {
				// The scheme may be quoted; what follows it must not be
				// (a rest that only repeats the scheme is not a leak).
				msg = strings.Replace(msg, fmt.Sprintf("%q", strings.ToLower(scheme)), "", 1)
			} else if ok && len(scheme) >= 3 && strings.Contains(msg, scheme) && !strings.Contains(fixedTexts, scheme) {
				t.Fatalf("parse(%q): error quotes what precedes the first colon: %v", raw, err)
			}
			if ok && len(rest) >= 8 && strings.Contains(msg, rest) {
				t.Fatalf("parse(%q): error quotes the URL: %v", raw, err)
			}
			for _, s := range secrets(raw) {
				if len(s) >= 3 && strings.Contains(msg, s) && !strings.Contains(fixedTexts, s) {
					t.Fatalf("parse(%q): error quotes the user or password %q: %v", raw, s, err)
				}
			}
			return
		}
		switch tg.scheme {
		case "memory", "postgres":
		case "sqlite":
			if tg.path == "" {
				t.Fatalf("parse(%q): sqlite without a path", raw)
			}
			if strings.Contains(raw, "#") {
				t.Fatalf("parse(%q): a fragment was dropped", raw)
			}
		default:
			t.Fatalf("parse(%q): scheme %q", raw, tg.scheme)
		}
	})
}

// secrets returns the users and passwords raw holds, as a URL's user
// information or as a DSN's user= and password= (raw and unescaped).
func secrets(raw string) []string {
	var out []string
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		out = append(out, u.User.Username())
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		// user:password@ however the rest parses.
		info := raw[:at]
		if i := strings.Index(info, "//"); i >= 0 {
			info = info[i+2:]
		}
		u, p, _ := strings.Cut(info, ":")
		out = append(out, u, p)
	}
	for _, field := range strings.Fields(raw) {
		for _, k := range []string{"user=", "password="} {
			if v, ok := strings.CutPrefix(field, k); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// fixedTexts holds the words of parse's own messages: a user or password
// found among them was not quoted from the URL.
var fixedTexts = func() string {
	var b strings.Builder
	for _, raw := range []string{"", "x", "memory:x", "x:y", "sqlite:", "sqlite://h/x", "sqlite://u@/x", "sqlite:%zz",
		"sqlite:x#y", "sqlite:x?a=%zz", "sqlite:/"} {
		if _, err := parse(raw); err != nil {
			b.WriteString(err.Error())
			b.WriteString("\n")
		}
	}
	return b.String()
}()
