package policy_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// TestBundleRefusesLinks: a bundle directory opened with os.DirFS follows
// symbolic links; one pointing outside the bundle would read any file the
// process can into the policy, its decisions and its logs. Such a bundle
// is refused, and the error quotes nothing of the file.
func TestBundleRefusesLinks(t *testing.T) {
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.json"), []byte(`{"token": "s3cr3t-outside-the-bundle"}`), 0o600))
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "privacy/host/leak"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "privacy/host/r.rego"), []byte(`package privacy.host

obligations contains {"code": "leak", "clause": data.privacy.host.leak.token} if { true }
`), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(dir, "privacy/host/leak/data.json")))
	_, err := policy.New(policy.WithBundle(os.DirFS(dir)))
	require.ErrorIs(t, err, policy.ErrInvalidConfig)
	require.Contains(t, err.Error(), "not a regular file")
	require.NotContains(t, err.Error(), "s3cr3t")
}

// TestBundleArchiveFileThenDirectory: an archive naming a file and then a
// directory of the same name is refused, as the other order is: a walk
// would load one or the other by chance.
func TestBundleArchiveFileThenDirectory(t *testing.T) {
	for _, files := range [][]tarEntry{
		{{name: "privacy/host/a", data: "x"}, {name: "privacy/host/a/b.rego", data: "package privacy.host.a\n"}},
		{{name: "privacy/host/a/b.rego", data: "package privacy.host.a\n"}, {name: "privacy/host/a", data: "x"}},
		{{name: "privacy/host/deny.rego", data: "package privacy.host\n"}, {name: "privacy/host/deny.rego/other.rego", data: "package privacy.host.x\n"}},
	} {
		_, err := policy.ReadBundleArchive(bytes.NewReader(tarGz(t, files...)))
		require.Error(t, err, "%v", files)
		require.Contains(t, err.Error(), "both a file and a directory")
	}
}

// TestBundleDataCannotCancelHostRules: bundle data standing where a host
// rule is (a plain value at its package's path) cancelled the package's
// denials, since data wins over rules in OPA's data document. It is
// refused; data beside the rules, in an object at the package's path,
// leaves them standing.
func TestBundleDataCannotCancelHostRules(t *testing.T) {
	ops := fstest.MapFS{"ops.rego": {Data: []byte(`package privacy.host.ops

deny contains {"code": "ops_no_partner", "clause": "ops"} if { input.recipient.kind == "partner" }
`)}}
	bundle := func(data string) policy.Option {
		return policy.WithBundle(fstest.MapFS{
			"privacy/host/b.rego":    {Data: []byte("package privacy.host.b\n\nx := 1\n")},
			"privacy/host/data.json": {Data: []byte(data)},
		})
	}
	for _, data := range []string{`{"ops": 5}`, `{"ops": null}`, `{"b": {"x": 2}}`} {
		_, err := policy.New(policy.WithHostRego(ops), bundle(data), policy.WithRecipients(testRecipients...))
		require.ErrorIs(t, err, policy.ErrInvalidConfig, data)
		require.Contains(t, err.Error(), "data and rules may not share a path", data)
	}
	f := newFixture(t, policy.WithHostRego(ops), bundle(`{"ops": {"limit": 1}}`))
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	d, err := f.engine.Check(context.Background(), "u", purpose.Support, "kaspi")
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.Contains(t, codes(d), "ops_no_partner@ops")
}

// TestPolicyErrorsQuoteNoSource: a module that does not parse or compile
// is named by file and line; the error quotes none of its text, which
// may hold what must not reach a log.
func TestPolicyErrorsQuoteNoSource(t *testing.T) {
	for _, src := range []string{
		"package privacy.host\n\napi_key := \"sk_live_ABCDEF\" +\n",
		"package privacy.host\n\nx := \"sk_live_ABCDEF\" if undefined_function(1)\n",
	} {
		_, err := policy.New(policy.WithHostRego(fstest.MapFS{"a.rego": {Data: []byte(src)}}))
		require.ErrorIs(t, err, policy.ErrInvalidConfig)
		require.Contains(t, err.Error(), "a.rego:")
		require.NotContains(t, err.Error(), "sk_live_ABCDEF")
	}
}
