package storeurl_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/storeurl"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/breaches/pgbreaches"
	"github.com/yasam/privacy/subject/breaches/sqlitebreaches"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/claims/pgclaims"
	"github.com/yasam/privacy/subject/claims/sqliteclaims"
	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/requests/pgrequests"
	"github.com/yasam/privacy/subject/requests/sqliterequests"
)

// registers opens each register at a URL, writes one record through the
// register's own API and reads it back by subject, and returns the type
// of each backend's store.
func registers(t *testing.T, url func(name string) string, opts ...storeurl.Option) []any {
	t.Helper()
	ctx := context.Background()
	received := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

	cs, err := storeurl.OpenClaims(ctx, url("claims"), opts...)
	require.NoError(t, err)
	_, err = claims.New(cs).File(ctx, "u1", received, claims.WithChannel(claims.ChannelEmail), claims.WithTopic(claims.TopicDisclosure))
	require.NoError(t, err)
	gotC, err := cs.BySubject(ctx, "u1")
	require.NoError(t, err)
	assert.Len(t, gotC, 1)

	rs, err := storeurl.OpenRequests(ctx, url("requests"), opts...)
	require.NoError(t, err)
	_, err = requests.New(rs).File(ctx, "u1", requests.KindAccess, received)
	require.NoError(t, err)
	gotR, err := rs.BySubject(ctx, "u1")
	require.NoError(t, err)
	assert.Len(t, gotR, 1)

	bs, err := storeurl.OpenBreaches(ctx, url("breaches"), opts...)
	require.NoError(t, err)
	_, err = breaches.New(bs).Record(ctx, received, []string{"u1"})
	require.NoError(t, err)
	gotB, err := bs.BySubject(ctx, "u1")
	require.NoError(t, err)
	assert.Len(t, gotB, 1)

	types := []any{cs.Unwrap(), rs.Unwrap(), bs.Unwrap()}
	require.NoError(t, cs.Close())
	require.NoError(t, rs.Close())
	require.NoError(t, bs.Close())
	return types
}

func TestOpenRegisters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		url   func(dir, name string) string
		check func(t *testing.T, stores []any)
	}{
		{
			name: "memory",
			url:  func(string, string) string { return "memory:" },
			check: func(t *testing.T, s []any) {
				assert.IsType(t, &claims.MemoryStore{}, s[0])
				assert.IsType(t, &requests.MemoryStore{}, s[1])
				assert.IsType(t, &breaches.MemoryStore{}, s[2])
			},
		},
		{
			name: "sqlite with busy_timeout",
			url: func(dir, name string) string {
				return "sqlite://" + filepath.Join(dir, name+".db") + "?busy_timeout=2s"
			},
			check: func(t *testing.T, s []any) {
				assert.IsType(t, &sqliteclaims.Store{}, s[0])
				assert.IsType(t, &sqliterequests.Store{}, s[1])
				assert.IsType(t, &sqlitebreaches.Store{}, s[2])
				_, ok := s[0].(claims.Forgetter)
				assert.True(t, ok, "a backend's optional interfaces are reached through Unwrap")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tt.check(t, registers(t, func(name string) string { return tt.url(dir, name) }))
		})
	}
}

// TestOpenRegistersSQLiteReopens: what a register wrote to its file is
// there when the file is opened again, with WithExistingFile.
func TestOpenRegistersSQLiteReopens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "claims.db")
	s, err := storeurl.OpenClaims(ctx, url)
	require.NoError(t, err)
	c, err := claims.New(s).File(ctx, "u1", time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s, err = storeurl.OpenClaims(ctx, url, storeurl.WithExistingFile())
	require.NoError(t, err)
	defer s.Close()
	got, err := s.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c.ID, got.ID)
}

func TestOpenRegistersErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	open := map[string]func(string, ...storeurl.Option) error{
		"claims": func(u string, o ...storeurl.Option) error {
			_, err := storeurl.OpenClaims(context.Background(), u, o...)
			return err
		},
		"requests": func(u string, o ...storeurl.Option) error {
			_, err := storeurl.OpenRequests(context.Background(), u, o...)
			return err
		},
		"breaches": func(u string, o ...storeurl.Option) error {
			_, err := storeurl.OpenBreaches(context.Background(), u, o...)
			return err
		},
		"consent": func(u string, o ...storeurl.Option) error {
			_, err := storeurl.OpenConsent(context.Background(), u, o...)
			return err
		},
		"ledger": func(u string, o ...storeurl.Option) error {
			_, err := storeurl.OpenLedger(context.Background(), u, o...)
			return err
		},
	}
	tests := []struct {
		name    string
		url     string
		opts    []storeurl.Option
		wantErr error
		absent  string
	}{
		{"unknown parameter", "sqlite://" + filepath.Join(dir, "x.db") + "?sole_writer=1", nil, storeurl.ErrInvalidURL, ""},
		{"bad busy_timeout", "sqlite://" + filepath.Join(dir, "x.db") + "?busy_timeout=soon", nil, storeurl.ErrInvalidURL, ""},
		{"unknown scheme", "mysql://u:secret@h/db", nil, storeurl.ErrUnsupported, "secret"},
		{"missing file with WithExistingFile", "sqlite://" + missing, []storeurl.Option{storeurl.WithExistingFile()}, fs.ErrNotExist, ""},
	}
	for _, tt := range tests {
		for what, f := range open {
			if what == "consent" && tt.name == "unknown parameter" {
				continue // sole_writer is a consent parameter
			}
			t.Run(tt.name+"/"+what, func(t *testing.T) {
				err := f(tt.url, tt.opts...)
				require.ErrorIs(t, err, tt.wantErr)
				if tt.absent != "" {
					assert.NotContains(t, err.Error(), tt.absent)
				}
			})
		}
	}
	_, err := os.Stat(missing)
	assert.ErrorIs(t, err, fs.ErrNotExist, "WithExistingFile created no file")
}

func TestOpenRegistersPostgres(t *testing.T) {
	t.Parallel()
	url, schema, admin := pgURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	_, err := storeurl.OpenClaims(ctx, url)
	assert.ErrorIs(t, err, pgclaims.ErrSchemaBehind, "no DDL unless asked")

	s := registers(t, func(string) string { return url }, storeurl.WithMigrate())
	assert.IsType(t, &pgclaims.Store{}, s[0])
	assert.IsType(t, &pgrequests.Store{}, s[1])
	assert.IsType(t, &pgbreaches.Store{}, s[2])

	var n int
	require.NoError(t, admin.QueryRow(ctx, "SELECT count(*) FROM "+schema+".claims").Scan(&n))
	assert.Equal(t, 1, n, "the claim went to the schema the URL named")
}
