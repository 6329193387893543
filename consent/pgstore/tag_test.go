package pgstore

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// refTag is a tag as the notifications define it, computed the plain way.
func refTag(key []byte, subject string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(subject))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func TestTaggerMatchesHMAC(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tg := newTagger(key)
	for _, subject := range []string{"", "u-1", "пользователь-7", strings.Repeat("x", 64), strings.Repeat("y", 3<<10), "u-1"} {
		if got, want := tg.tag(subject), refTag(key, subject); got != want {
			t.Errorf("tag of a %d-byte subject = %s, want %s", len(subject), got, want)
		}
	}
	// The key is copied: a caller's later change to its slice changes no tag.
	key[0] = 'X'
	if got, want := tg.tag("u-1"), refTag([]byte("0123456789abcdef0123456789abcdef"), "u-1"); got != want {
		t.Errorf("tag after the key slice changed = %s, want %s", got, want)
	}
}

// A tag costs one allocation, its string, once a keyed state is pooled.
func TestTaggerAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops pooled states on purpose; counted in runs without it")
	}
	tg := newTagger([]byte("0123456789abcdef0123456789abcdef"))
	tg.tag("warm")
	if n := testing.AllocsPerRun(200, func() { _ = tg.tag("subject-123456") }); n > 1 {
		t.Errorf("tag allocates %v times per call, want at most 1", n)
	}
}
