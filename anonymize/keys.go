package anonymize

import (
	"fmt"
	"strings"
)

// Key is secret material with a public identifier. The ID travels inside
// every pseudonym and token so that keys can be rotated: new values are made
// with the current key while values made with a retired key still verify or
// open as long as that key is held.
//
// The secret is the "additional information" of clause 1.1.7: keep it apart
// from the pseudonymised data (a secrets manager, not the same database).
type Key struct {
	// ID is 1 to 32 characters from [A-Za-z0-9_-]. It is not secret.
	ID string
	// Secret is the key material. It is copied by the constructors.
	Secret []byte
}

const maxKeyID = 32

func validKeyID(id string) bool {
	if id == "" || len(id) > maxKeyID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// keyring holds copies of keys by ID; the first is current.
type keyring struct {
	current string
	secrets map[string][]byte
}

func newKeyring(check func([]byte) error, current Key, retired []Key) (keyring, error) {
	kr := keyring{current: current.ID, secrets: make(map[string][]byte, 1+len(retired))}
	for _, k := range append([]Key{current}, retired...) {
		if !validKeyID(k.ID) {
			return keyring{}, fmt.Errorf("%w: key id must be 1-%d characters of [A-Za-z0-9_-]", ErrInvalidKey, maxKeyID)
		}
		if _, dup := kr.secrets[k.ID]; dup {
			return keyring{}, fmt.Errorf("%w: key id %q given twice", ErrInvalidKey, k.ID)
		}
		if err := check(k.Secret); err != nil {
			return keyring{}, fmt.Errorf("%w: key %q: %w", ErrInvalidKey, k.ID, err)
		}
		kr.secrets[k.ID] = append([]byte(nil), k.Secret...)
	}
	return kr, nil
}

// splitToken splits "prefix:keyID:body".
func splitToken(prefix, s string) (keyID, body string, err error) {
	rest, ok := strings.CutPrefix(s, prefix+":")
	if !ok {
		return "", "", fmt.Errorf("%w: missing %q prefix", ErrMalformedToken, prefix)
	}
	keyID, body, ok = strings.Cut(rest, ":")
	if !ok || !validKeyID(keyID) || body == "" {
		return "", "", fmt.Errorf("%w: bad key id or body", ErrMalformedToken)
	}
	return keyID, body, nil
}

// KeyID returns the ID of the key a pseudonym or token was made with, so a
// host can find the values still tied to a key it plans to retire.
func KeyID(pseudonymOrToken string) (string, error) {
	for _, p := range []string{pseudonymPrefix, tokenPrefix} {
		if strings.HasPrefix(pseudonymOrToken, p+":") {
			id, _, err := splitToken(p, pseudonymOrToken)
			return id, err
		}
	}
	return "", fmt.Errorf("%w: not a pseudonym or token", ErrMalformedToken)
}
