package pgstore

import (
	"encoding/hex"

	"github.com/yasam/privacy/internal/hmacpool"
)

// tagger computes the tags that name subjects in notifications (see
// [Store.tag]): HMAC-SHA256 of the subject under the notify key, its
// first 16 bytes in hex. Every Append, and every event a listener
// applies, computes one, so the keyed HMAC states are pooled and a tag
// costs one allocation, the string itself. It is safe for concurrent
// use.
type tagger struct {
	key *hmacpool.Key
}

func newTagger(key []byte) *tagger { return &tagger{key: hmacpool.New(key)} }

// tag returns subject's tag.
func (t *tagger) tag(subject string) string {
	var sum [hmacpool.Size]byte
	var out [tagLen]byte
	hex.Encode(out[:], t.key.Sum(sum[:0], subject)[:tagLen/2])
	return string(out[:])
}
