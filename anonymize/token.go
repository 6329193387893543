package anonymize

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/yasam/privacy/internal/b64url"
)

const tokenPrefix = "tok"

// Tokenizer replaces values by reversible tokens for hosts that must
// re-identify (to answer a data subject, to pay out): AES-GCM with a random
// nonce under a secret key, written as "tok:<key id>:<base64url>". The
// key ID is authenticated with the ciphertext, so a token cannot be moved
// to another key.
//
// Tokens are personal data for whoever holds the key. Unlike pseudonyms,
// two tokens of one value differ, so tokens do not join; use a
// [Pseudonymizer] where records must join.
//
// A Tokenizer is immutable and safe for concurrent use by multiple
// goroutines.
type Tokenizer struct {
	keys  keyring
	aeads map[string]cipher.AEAD
}

// NewTokenizer returns a Tokenizer that seals with current and still opens
// tokens sealed with the retired keys. Secrets must be 16, 24 or 32 bytes
// (AES-128, -192, -256); 32 random bytes are recommended.
func NewTokenizer(current Key, retired ...Key) (*Tokenizer, error) {
	kr, err := newKeyring(func(s []byte) error {
		if n := len(s); n != 16 && n != 24 && n != 32 {
			return errSecretSize
		}
		return nil
	}, current, retired)
	if err != nil {
		return nil, err
	}
	t := &Tokenizer{keys: kr, aeads: make(map[string]cipher.AEAD, len(kr.secrets))}
	for id, s := range kr.secrets {
		block, err := aes.NewCipher(s)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q: %w", ErrInvalidKey, id, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q: %w", ErrInvalidKey, id, err)
		}
		t.aeads[id] = aead
	}
	return t, nil
}

// Tokenize seals kind and value under the current key. It fails with
// [ErrInvalidKey] on a zero (or nil) Tokenizer, which holds no key.
func (t *Tokenizer) Tokenize(kind Kind, value string) (string, error) {
	if t == nil || t.aeads == nil {
		return "", fmt.Errorf("%w: Tokenizer not built with NewTokenizer", ErrInvalidKey)
	}
	id := t.keys.current
	plain := make([]byte, 0, len(kind)+1+len(value))
	plain = append(append(append(plain, kind...), 0), value...)
	sealed := t.aeads[id].Seal(nil, nil, plain, tokenAAD(id))
	return tokenPrefix + ":" + id + ":" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Apply implements [Operator].
func (t *Tokenizer) Apply(kind Kind, value string) (string, error) {
	return t.Tokenize(kind, value)
}

// Detokenize opens a token and returns the kind and value it sealed. It
// fails with [ErrMalformedToken], [ErrUnknownKey] or [ErrAuthentication]
// (altered token, or a different secret under the same key ID).
func (t *Tokenizer) Detokenize(token string) (Kind, string, error) {
	if t == nil {
		t = &Tokenizer{}
	}
	id, body, err := splitToken(tokenPrefix, token)
	if err != nil {
		return "", "", err
	}
	aead, ok := t.aeads[id]
	if !ok {
		return "", "", fmt.Errorf("%w: %q", ErrUnknownKey, id)
	}
	sealed, err := b64url.Decode(body)
	if err != nil {
		return "", "", fmt.Errorf("%w: body is not base64url", ErrMalformedToken)
	}
	plain, err := aead.Open(nil, nil, sealed, tokenAAD(id))
	if err != nil {
		return "", "", fmt.Errorf("%w: key %q", ErrAuthentication, id)
	}
	kind, value, ok := bytes.Cut(plain, []byte{0})
	if !ok {
		return "", "", fmt.Errorf("%w: no kind", ErrMalformedToken)
	}
	return Kind(kind), string(value), nil
}

// errSecretSize is the detail behind ErrInvalidKey for AES keys.
var errSecretSize = errors.New("secret must be 16, 24 or 32 bytes")

func tokenAAD(id string) []byte { return []byte(tokenPrefix + ":" + id) }

var _ Operator = (*Tokenizer)(nil)
