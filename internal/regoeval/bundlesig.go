package regoeval

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/util"
)

// VerificationKey is a key that may sign a bundle, as OPA's bundle signing
// configures one (keys.<id> in OPA's configuration): Key is a PEM public
// key, or the shared secret for an HS algorithm.
type VerificationKey struct {
	ID        string
	Key       string
	Algorithm string // RS256 when empty, as OPA's default
	Scope     string
}

// ErrSignature wraps every failure to verify a bundle's signature.
var ErrSignature = errors.New("bundle signature not verified")

// VerifyBundle checks the bundle laid out in fsys against its
// .signatures.json with OPA's bundle signing: one JWT, signed by one of
// keys (the only one, or else the key its "kid" names; with that key's
// algorithm), whose file
// list covers every other file of fsys with a matching hash and names no
// file that is missing. A bundle without .signatures.json fails. It checks
// the signature only, not the bundle's contents.
func VerifyBundle(fsys fs.FS, keys []VerificationKey) error {
	if err := verifyBundle(fsys, keys); err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return nil
}

func verifyBundle(fsys fs.FS, keys []VerificationKey) error {
	if len(keys) == 0 {
		return errors.New("no verification key")
	}
	kc := make(map[string]*bundle.KeyConfig, len(keys))
	for _, k := range keys {
		alg := k.Algorithm
		if alg == "" {
			alg = "RS256"
		}
		kc[k.ID] = &bundle.KeyConfig{Key: k.Key, Algorithm: alg, Scope: k.Scope}
	}
	raw, err := fs.ReadFile(fsys, ".signatures.json")
	if err != nil {
		return fmt.Errorf("no .signatures.json: %w", err)
	}
	var sc bundle.SignaturesConfig
	if err := util.UnmarshalJSON(raw, &sc); err != nil {
		return fmt.Errorf(".signatures.json: %w", err)
	}
	if sc.Plugin != "" && sc.Plugin != "_default" { // what opa build writes
		return errors.New(".signatures.json: signing plugins are not supported")
	}
	// One key: the signature must verify under it, whatever key ID the
	// JWT names or omits (`opa sign` names none unless asked). Several:
	// the JWT's "kid" picks one.
	keyID := ""
	if len(keys) == 1 {
		keyID = keys[0].ID
	}
	files, err := bundle.VerifyBundleSignature(sc, bundle.NewVerificationConfig(kc, keyID, "", nil))
	if err != nil {
		return err
	}
	err = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || name == ".signatures.json" {
			return err
		}
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		return bundle.VerifyBundleFile(name, *bytes.NewBuffer(raw), files)
	})
	if err != nil {
		return err
	}
	if len(files) > 0 {
		return fmt.Errorf("%d signed file(s) missing from the bundle, e.g. %s", len(files), slices.Sorted(maps.Keys(files))[0])
	}
	return nil
}

// SignBundle returns the content of a .signatures.json that signs every
// file of fsys (but a .signatures.json) with privateKey under keyID, as
// `opa sign --bundle` does: structured files (data.json, .manifest) are
// hashed as canonical JSON, others byte for byte, with SHA-256. It is for
// tests and tools; hosts sign with the OPA CLI.
func SignBundle(fsys fs.FS, keyID, privateKey, alg string) ([]byte, error) {
	h, err := bundle.NewSignatureHasher(bundle.SHA256)
	if err != nil {
		return nil, err
	}
	var files []bundle.FileInfo
	err = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Base(name) == ".signatures.json" {
			return err
		}
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		var v any = raw
		if bundle.IsStructuredDoc(name) {
			if err := util.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		sum, err := h.HashFile(v)
		if err != nil {
			return err
		}
		files = append(files, bundle.NewFile(strings.TrimPrefix(name, "/"), hex.EncodeToString(sum), string(bundle.SHA256)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(files, func(a, b bundle.FileInfo) int { return strings.Compare(a.Name, b.Name) })
	token, err := bundle.GenerateSignedToken(files, bundle.NewSigningConfig(privateKey, alg, ""), keyID)
	if err != nil {
		return nil, err
	}
	return json.Marshal(bundle.SignaturesConfig{Signatures: []string{token}})
}
