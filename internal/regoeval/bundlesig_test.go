package regoeval

import (
	"maps"
	"os"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVerifyBundleOPASigned verifies a bundle signed by the stock OPA CLI
// (testdata/opasigned: `opa sign --signing-key priv.pem --signing-alg
// ES256 --bundle .` run in bundle/, OPA v1.22.2; the private key is not
// kept), and refuses it changed.
func TestVerifyBundleOPASigned(t *testing.T) {
	pub, err := os.ReadFile("testdata/opasigned/pub.pem")
	require.NoError(t, err)
	keys := []VerificationKey{{ID: "ops", Key: string(pub), Algorithm: "ES256"}}
	dir := os.DirFS("testdata/opasigned/bundle")
	require.NoError(t, VerifyBundle(dir, keys))

	orig := fstest.MapFS{}
	for _, name := range []string{".manifest", ".signatures.json", "privacy/host/r.rego", "privacy/host/x/data.json"} {
		b, err := os.ReadFile("testdata/opasigned/bundle/" + name)
		require.NoError(t, err)
		orig[name] = &fstest.MapFile{Data: b}
	}
	require.NoError(t, VerifyBundle(orig, keys))
	// Data are compared as JSON: spacing and key order do not matter.
	respaced := maps.Clone(orig)
	respaced["privacy/host/x/data.json"] = &fstest.MapFile{Data: []byte("{ \"a\" : 1 }\n")}
	assert.NoError(t, VerifyBundle(respaced, keys))

	tests := map[string]func(fstest.MapFS){
		"rule changed": func(m fstest.MapFS) {
			m["privacy/host/r.rego"] = &fstest.MapFile{Data: []byte("package privacy.host\n")}
		},
		"data changed": func(m fstest.MapFS) { m["privacy/host/x/data.json"] = &fstest.MapFile{Data: []byte(`{"a": 2}`)} },
		"file added": func(m fstest.MapFS) {
			m["privacy/host/y.rego"] = &fstest.MapFile{Data: []byte("package privacy.host.y\n")}
		},
		"signed file gone": func(m fstest.MapFS) { delete(m, "privacy/host/r.rego") },
		"no signatures":    func(m fstest.MapFS) { delete(m, ".signatures.json") },
		"unknown plugin": func(m fstest.MapFS) {
			m[".signatures.json"] = &fstest.MapFile{Data: []byte(`{"signatures": [], "plugin": "mine"}`)}
		},
		"two signatures": func(m fstest.MapFS) {
			m[".signatures.json"] = &fstest.MapFile{Data: []byte(`{"signatures": ["a.b.c", "d.e.f"]}`)}
		},
		"not JSON":           func(m fstest.MapFS) { m[".signatures.json"] = &fstest.MapFile{Data: []byte(`{`)} },
		"manifest rewritten": func(m fstest.MapFS) { m[".manifest"] = &fstest.MapFile{Data: []byte(`{"revision": "8"}`)} },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			m := maps.Clone(orig)
			change(m)
			assert.ErrorIs(t, VerifyBundle(m, keys), ErrSignature)
		})
	}
	t.Run("no key", func(t *testing.T) {
		assert.ErrorIs(t, VerifyBundle(orig, nil), ErrSignature)
	})
	t.Run("another key", func(t *testing.T) {
		other := []VerificationKey{{ID: "ops", Key: "secret", Algorithm: "HS256"}}
		assert.ErrorIs(t, VerifyBundle(orig, other), ErrSignature)
	})
}
