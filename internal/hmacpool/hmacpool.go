package hmacpool

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// Size is the length of a sum in bytes.
const Size = sha256.Size

// Key computes HMAC-SHA-256 under one key. Create it with [New]; it is
// safe for concurrent use.
type Key struct {
	pool sync.Pool // of *state
}

// state is one keyed HMAC and its buffers.
type state struct {
	mac hash.Hash
	in  []byte // the message, since hash.Hash takes bytes
	sum []byte
}

// maxPooledInput bounds the message buffer a pooled state keeps, so that
// one long message does not pin its buffer for good.
const maxPooledInput = 1 << 10

// New returns a Key for key, which it copies: a later change to the
// caller's slice changes no sum.
func New(key []byte) *Key {
	key = append([]byte(nil), key...)
	k := &Key{}
	k.pool.New = func() any { return &state{mac: hmac.New(sha256.New, key)} }
	return k
}

// Sum appends to dst the HMAC-SHA-256, under the key, of the parts
// written one after another (with nothing between them), and returns the
// extended slice, which never shares memory with the pool. With room for
// [Size] more bytes in dst (cap(dst)-len(dst) >= Size), it allocates
// nothing once a state is pooled.
func (k *Key) Sum(dst []byte, parts ...string) []byte {
	st := k.pool.Get().(*state)
	st.mac.Reset()
	st.in = st.in[:0]
	for _, p := range parts {
		st.in = append(st.in, p...)
	}
	st.mac.Write(st.in)
	st.sum = st.mac.Sum(st.sum[:0])
	dst = append(dst, st.sum...)
	// The message may be personal data: wipe it rather than leave it in
	// a pooled buffer until the next sum.
	clear(st.in)
	if cap(st.in) > maxPooledInput {
		st.in = nil
	}
	k.pool.Put(st)
	return dst
}
