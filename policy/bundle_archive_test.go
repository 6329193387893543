package policy_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

type tarEntry struct {
	name string
	typ  byte
	data string
}

func tarGz(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Size: int64(len(e.data))}
		if typ != tar.TypeReg {
			h.Size = 0
			h.Linkname = "/etc/passwd"
		}
		require.NoError(t, tw.WriteHeader(h))
		if typ == tar.TypeReg {
			_, err := tw.Write([]byte(e.data))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// A bundle packed as .tar.gz loads like its directory.
func TestReadBundleArchive(t *testing.T) {
	archive := tarGz(t,
		tarEntry{name: "/.manifest", data: `{"revision": "r9", "roots": ["privacy/host"]}`},
		tarEntry{name: "/privacy/host/", typ: tar.TypeDir},
		tarEntry{name: "/privacy/host/rules.rego", data: revRules},
		tarEntry{name: "/privacy/host/nested/deeper/x.rego", data: revRulesNested},
		tarEntry{name: "/privacy/host/rev/data.json", data: `{"value": "r9"}`},
	)
	fsys, err := policy.ReadBundleArchive(bytes.NewReader(archive))
	require.NoError(t, err)
	f := newFixture(t, policy.WithBundle(fsys))
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	d, err := f.engine.Check(context.Background(), "u", purpose.Support, policy.Operator)
	require.NoError(t, err)
	assert.Equal(t, []string{"host_rev@r9", "host_rev_again@r9"}, obligationCodes(d))
	assert.Equal(t, "r9", f.engine.BundleRevision())
}

func TestReadBundleArchiveRefuses(t *testing.T) {
	tests := map[string][]byte{
		"not gzip":     []byte("plain text"),
		"path escapes": tarGz(t, tarEntry{name: "../../etc/x.rego", data: "x"}),
		"symlink":      tarEntry2(t, tar.TypeSymlink),
		"hard link":    tarEntry2(t, tar.TypeLink),
		"given twice":  tarGz(t, tarEntry{name: "a.rego", data: "x"}, tarEntry{name: "/a.rego", data: "y"}),
		"truncated gz": tarGz(t, tarEntry{name: "a.rego", data: "package privacy.host\n"})[:30],
	}
	for name, archive := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := policy.ReadBundleArchive(bytes.NewReader(archive))
			assert.ErrorIs(t, err, policy.ErrInvalidConfig)
		})
	}
}

func tarEntry2(t testing.TB, typ byte) []byte {
	return tarGz(t, tarEntry{name: "privacy/host/x.rego", typ: typ})
}

// FuzzReadBundleArchive: any input is refused with ErrInvalidConfig or read
// without panicking.
func FuzzReadBundleArchive(f *testing.F) {
	f.Add(tarGz(f, tarEntry{name: "/privacy/host/rules.rego", data: revRules}, tarEntry{name: "/.manifest", data: `{}`}))
	f.Add(tarGz(f, tarEntry{name: "../x", data: "x"}))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys, err := policy.ReadBundleArchive(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, policy.ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			return
		}
		if fsys == nil {
			t.Fatal("nil fs without an error")
		}
	})
}

// The in-memory file system ReadBundleArchive returns behaves as fs.FS
// requires.
func TestReadBundleArchiveFS(t *testing.T) {
	archive := tarGz(t,
		tarEntry{name: "a/b/c.rego", data: "c"},
		tarEntry{name: "a/d.json", data: "d"},
		tarEntry{name: "e", data: "e"},
	)
	fsys, err := policy.ReadBundleArchive(bytes.NewReader(archive))
	require.NoError(t, err)
	require.NoError(t, fstest.TestFS(fsys, "a/b/c.rego", "a/d.json", "e"))
}
