package pgstore

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

// tagger computes the tags that name subjects in notifications (see
// [Store.tag]): HMAC-SHA256 of the subject under the notify key, its
// first 16 bytes in hex. Every Append, and every event a listener
// applies, computes one; keying an HMAC costs two SHA-256 blocks and
// several allocations, so keyed states are pooled and reset, and a tag
// costs one allocation, the string itself. It is safe for concurrent
// use.
type tagger struct {
	pool sync.Pool // of *tagState
}

// tagState is one keyed HMAC and its buffers.
type tagState struct {
	mac hash.Hash
	in  []byte // the subject, since hash.Hash takes bytes
	sum []byte
}

// maxPooledTagInput bounds the subject buffer a pooled state keeps, so
// that one long subject does not pin its buffer for good.
const maxPooledTagInput = 1 << 10

func newTagger(key []byte) *tagger {
	key = append([]byte(nil), key...)
	t := &tagger{}
	t.pool.New = func() any { return &tagState{mac: hmac.New(sha256.New, key)} }
	return t
}

// tag returns subject's tag.
func (t *tagger) tag(subject string) string {
	st := t.pool.Get().(*tagState)
	st.mac.Reset()
	st.in = append(st.in[:0], subject...)
	st.mac.Write(st.in)
	st.sum = st.mac.Sum(st.sum[:0])
	var out [tagLen]byte
	hex.Encode(out[:], st.sum[:tagLen/2])
	if cap(st.in) > maxPooledTagInput {
		st.in = nil
	}
	t.pool.Put(st)
	return string(out[:])
}
