package policy_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/internal/regoeval"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// signingKey returns a fresh ES256 key pair as PEM: private, public.
func signingKey(t testing.TB) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	priv, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
}

// signed returns b with a .signatures.json signing its files, as
// `opa sign --bundle` writes it.
func signed(t testing.TB, b fstest.MapFS, keyID, priv string) fstest.MapFS {
	t.Helper()
	sig, err := regoeval.SignBundle(b, keyID, priv, "ES256")
	require.NoError(t, err)
	out := maps.Clone(b)
	out[".signatures.json"] = &fstest.MapFile{Data: sig}
	return out
}

// TestBundleSignature: with WithBundleKeys, a signed bundle loads and a
// bundle changed after signing, unsigned or signed by another key is
// refused; under Reload the policy in force stays (issue 11).
func TestBundleSignature(t *testing.T) {
	priv, pub := signingKey(t)
	otherPriv, otherPub := signingKey(t)
	twoKeys := policy.WithBundleKeys(
		policy.BundleKey{ID: "ops", PublicKey: pub, Algorithm: "ES256"},
		policy.BundleKey{ID: "dev", PublicKey: otherPub, Algorithm: "ES256"},
	)
	key := policy.WithBundleKeys(policy.BundleKey{ID: "ops", PublicKey: pub, Algorithm: "ES256"})
	good := signed(t, revBundle("r1"), "ops", priv)

	with := func(b fstest.MapFS, name string, data string) fstest.MapFS {
		out := maps.Clone(b)
		if data == "" {
			delete(out, name)
		} else {
			out[name] = &fstest.MapFile{Data: []byte(data)}
		}
		return out
	}
	tests := []struct {
		name string
		b    fstest.MapFS
		opts []policy.Option
		ok   bool
	}{
		{"signed", good, []policy.Option{key}, true},
		{"unsigned, no keys asked", revBundle("r1"), nil, true},
		{"unsigned", revBundle("r1"), []policy.Option{key}, false},
		{"a rule changed", with(good, "privacy/host/rules.rego", "package privacy.host\n"), []policy.Option{key}, false},
		{"a test changed", with(good, "privacy/host/rules_test.rego", "package privacy.host_test\n"), []policy.Option{key}, false},
		{"data changed", with(good, "privacy/host/rev/data.json", `{"value": "r2"}`), []policy.Option{key}, false},
		{"the manifest changed", with(good, ".manifest", `{"revision": "r2", "roots": ["privacy/host"]}`), []policy.Option{key}, false},
		{"a rule added", with(good, "privacy/host/more.rego", "package privacy.host.more\n"), []policy.Option{key}, false},
		{"a signed rule removed", with(good, "privacy/host/nested/deeper/x.rego", ""), []policy.Option{key}, false},
		{"signed by another key", signed(t, revBundle("r1"), "ops", otherPriv), []policy.Option{key}, false},
		{"one key given: the key ID named does not matter", signed(t, revBundle("r1"), "dev", priv), []policy.Option{key}, true},
		{"two keys given: by the key named", signed(t, revBundle("r1"), "dev", otherPriv), []policy.Option{twoKeys}, true},
		{"two keys given: by another than the key named", signed(t, revBundle("r1"), "dev", priv), []policy.Option{twoKeys}, false},
		{"two keys given: a key ID not given", signed(t, revBundle("r1"), "prod", priv), []policy.Option{twoKeys}, false},
		{"garbled signatures", with(good, ".signatures.json", `{"signatures": ["x.y.z"]}`), []policy.Option{key}, false},
		{"a key without its PEM", good, []policy.Option{policy.WithBundleKeys(policy.BundleKey{ID: "ops"})}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.New(append([]policy.Option{policy.WithBundle(tt.b)}, tt.opts...)...)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, policy.ErrInvalidConfig)
		})
	}

	t.Run("reload with a tampered bundle keeps the policy in force", func(t *testing.T) {
		ctx := context.Background()
		f := newFixture(t, policy.WithBundle(good), key)
		f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
		base := []policy.Option{policy.WithRecipients(testRecipients...), key}
		tampered := with(signed(t, revBundle("r2"), "ops", priv), "privacy/host/rev/data.json", `{"value": "r3"}`)
		err := f.engine.Reload(append(base, policy.WithBundle(tampered))...)
		require.ErrorIs(t, err, policy.ErrInvalidConfig)
		assert.Equal(t, "r1", f.engine.BundleRevision())
		d, err := f.engine.Check(ctx, "u", purpose.Support, policy.Operator)
		require.NoError(t, err)
		assert.Equal(t, []string{"host_rev@r1", "host_rev_again@r1"}, obligationCodes(d))

		require.NoError(t, f.engine.Reload(append(base, policy.WithBundle(signed(t, revBundle("r2"), "ops", priv)))...))
		assert.Equal(t, "r2", f.engine.BundleRevision())
	})
}

// TestBundleOPABuildSigned loads a .tar.gz that the stock OPA CLI built and
// signed (testdata/opabuild: `opa build -b . --signing-key priv.pem
// --signing-alg ES256`, OPA v1.22.2; the private key is not kept): root
// data.json holding privacy/host only, leading slashes, .signatures.json
// naming the plugin. Its rule denies the location purpose.
func TestBundleOPABuildSigned(t *testing.T) {
	pub, err := os.ReadFile(filepath.Join("testdata", "opabuild", "pub.pem"))
	require.NoError(t, err)
	raw, err := os.ReadFile(filepath.Join("testdata", "opabuild", "bundle.tar.gz"))
	require.NoError(t, err)
	fsys, err := policy.ReadBundleArchive(bytes.NewReader(raw))
	require.NoError(t, err)
	key := policy.WithBundleKeys(policy.BundleKey{ID: "ops", PublicKey: string(pub), Algorithm: "ES256"})
	f := newFixture(t, policy.WithBundle(fsys), key)
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	ctx := context.Background()
	d, err := f.engine.Check(ctx, "u", purpose.Location, policy.Operator)
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	assert.Equal(t, []string{"x@1"}, codes(d))
	d, err = f.engine.Check(ctx, "u", purpose.Support, policy.Operator)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.Equal(t, "7", f.engine.BundleRevision())
}

// TestBundleRootData: a data.json above privacy/host (at the root, as opa
// build writes it, or in privacy/) is accepted only when it holds nothing
// but the path down to privacy/host.
func TestBundleRootData(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string
		ok   bool
	}{
		{"root, privacy/host only", "data.json", `{"privacy": {"host": {"rev": {"value": "r9"}}}}`, true},
		{"root, empty (opa build without data)", "data.json", `{}`, true},
		{"privacy/, host only", "privacy/data.json", `{"host": {"rev": {"value": "r9"}}}`, true},
		{"root, the catalog too", "data.json", `{"privacy": {"host": {}}, "catalog": {}}`, false},
		{"root, privacy/consent too", "data.json", `{"privacy": {"host": {}, "consent": {"x": 1}}}`, false},
		{"root, host not an object", "data.json", `{"privacy": {"host": 5}}`, false},
		{"privacy/, another package", "privacy/data.json", `{"law": {"enabled": false}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.New(policy.WithBundle(fstest.MapFS{
				"privacy/host/rules.rego": {Data: []byte(revRules)},
				tt.file:                   {Data: []byte(tt.data)},
			}))
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, policy.ErrInvalidConfig)
		})
	}
}
