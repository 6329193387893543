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
	// The key is copied: a caller's change to its slice, even before the
	// first tag keys a state, changes no tag.
	key[0] = 'X'
	key = []byte("0123456789abcdef0123456789abcdef")
	for _, subject := range []string{"", "u-1", "пользователь-7", strings.Repeat("x", 64), strings.Repeat("y", 3<<10), "u-1"} {
		if got, want := tg.tag(subject), refTag(key, subject); got != want {
			t.Errorf("tag of a %d-byte subject = %s, want %s", len(subject), got, want)
		}
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
