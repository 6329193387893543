package policy_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/policy"
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
