package anonymize

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestTextLineKeysAsSlogPrintsThem: the line judged is the line the text
// handler prints, for keys that are empty, under groups, or need quotes.
func TestTextLineKeysAsSlogPrintsThem(t *testing.T) {
	for _, tt := range []struct {
		group, key string
	}{
		{"g", ""}, {"", ""}, {"g", "k"}, {"g h", "k"}, {"g", "k=v"}, {"", "a b"},
	} {
		var buf bytes.Buffer
		var h slog.Handler = slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(gs []string, a slog.Attr) slog.Attr {
			if len(gs) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{}
			}
			return a
		}})
		prefix := ""
		if tt.group != "" {
			h, prefix = h.WithGroup(tt.group), tt.group+"."
		}
		slog.New(h).Info("m", tt.key, "x")
		want := strings.TrimSpace(buf.String())
		var l textLine
		a := slog.String(tt.key, "x")
		l.key(prefix, nil, &a)
		if got := string(l.b) + "=x"; got != want {
			t.Errorf("group %q key %q: judged %s, slog prints %s", tt.group, tt.key, got, want)
		}
	}
}
