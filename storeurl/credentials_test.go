package storeurl_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/consent/keyring/pgkeyring"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/pgledger"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/storeurl"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/breaches/pgbreaches"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/claims/pgclaims"
	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/requests/pgrequests"
)

// opener is one of the package's openers, reduced to its error, with the
// store kind's ErrUnavailable.
type opener struct {
	name        string
	open        func(ctx context.Context, raw string, opts ...storeurl.Option) error
	unavailable error
	registers   bool // a subject register (claims, requests, breaches)
}

// openers are every opener that takes a PostgreSQL URL.
var openers = []opener{
	{"consent", func(ctx context.Context, raw string, opts ...storeurl.Option) error {
		s, err := storeurl.OpenConsent(ctx, raw, opts...)
		if err == nil {
			s.Close()
		}
		return err
	}, consent.ErrUnavailable, false},
	{"ledger", func(ctx context.Context, raw string, opts ...storeurl.Option) error {
		s, err := storeurl.OpenLedger(ctx, raw, opts...)
		if err == nil {
			s.Close()
		}
		return err
	}, ledger.ErrUnavailable, false},
	{"claims", func(ctx context.Context, raw string, opts ...storeurl.Option) error {
		s, err := storeurl.OpenClaims(ctx, raw, opts...)
		if err == nil {
			s.Close()
		}
		return err
	}, claims.ErrUnavailable, true},
	{"requests", func(ctx context.Context, raw string, opts ...storeurl.Option) error {
		s, err := storeurl.OpenRequests(ctx, raw, opts...)
		if err == nil {
			s.Close()
		}
		return err
	}, requests.ErrUnavailable, true},
	{"breaches", func(ctx context.Context, raw string, opts ...storeurl.Option) error {
		s, err := storeurl.OpenBreaches(ctx, raw, opts...)
		if err == nil {
			s.Close()
		}
		return err
	}, breaches.ErrUnavailable, true},
}

// TestSchemelessDSNQuotesNoCredentials: a PostgreSQL DSN whose scheme was
// left out (user:password@host/db, or a key=value DSN) is refused without
// quoting what comes before its first colon, which is then the user or a
// password, not a scheme.
func TestSchemelessDSNQuotesNoCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		dsn    string
		secret []string
	}{
		{"user and password", "app_admin:hunter2@db.internal:5432/privacy", []string{"app_admin", "hunter2"}},
		{"user that looks like a scheme", "admin:hunter2@db.internal:5432/privacy", []string{"admin", "hunter2"}},
		{"key=value", "password=hun:ter2 user=app_admin host=db.internal", []string{"password=hun", "hun", "app_admin"}},
		{"key=value with the user first", "user=app_admin password=hunter2:x host=db.internal", []string{"app_admin", "hunter2"}},
		{"long token", "averyveryverylongusername:hunter2@db", []string{"averyvery", "hunter2"}},
	}
	for _, tt := range tests {
		for _, o := range openers {
			t.Run(tt.name+"/"+o.name, func(t *testing.T) {
				t.Parallel()
				err := o.open(context.Background(), tt.dsn)
				require.Error(t, err)
				assert.True(t, errors.Is(err, storeurl.ErrUnsupported) || errors.Is(err, storeurl.ErrInvalidURL), err.Error())
				for _, s := range tt.secret {
					assert.NotContains(t, err.Error(), s, "the error quotes the DSN")
				}
			})
		}
	}
}

// TestUnknownSchemeIsNamed: a URL with a scheme this build has no backend
// for is refused naming the scheme, which holds no secret.
func TestUnknownSchemeIsNamed(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"mysql://root:hunter2@db/consent", "MySQL://root:hunter2@db/consent", "redis:", "cockroach+tls://x"} {
		_, err := storeurl.OpenConsent(context.Background(), raw)
		require.ErrorIs(t, err, storeurl.ErrUnsupported, raw)
		scheme, _, _ := strings.Cut(raw, ":")
		assert.Contains(t, err.Error(), strconv.Quote(strings.ToLower(scheme)), raw)
		assert.NotContains(t, err.Error(), "hunter2")
	}
}

// assertNoConnectSecrets checks that err says it could not connect,
// stays the store's unavailable error with pgx's connect error behind it,
// and names none of secrets; a nil unavailable is not checked.
func assertNoConnectSecrets(t *testing.T, err error, unavailable error, secrets ...string) {
	t.Helper()
	require.Error(t, err)
	if unavailable != nil {
		assert.ErrorIs(t, err, unavailable)
	}
	var ce *pgconn.ConnectError
	assert.True(t, errors.As(err, &ce), "the connect error stays reachable: %v", err)
	assert.Contains(t, err.Error(), "failed to connect")
	for _, s := range secrets {
		assert.NotContains(t, err.Error(), s, "the error names the connection's %q", s)
	}
}

// TestConnectFailureNamesNoUser: a PostgreSQL server that refuses the
// connection gives an error that names neither the URL's user, password,
// database nor host, from every opener, with and without migrations.
func TestConnectFailureNamesNoUser(t *testing.T) {
	t.Parallel()
	addr := pgtest.RefusedAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	raw := "postgres://secret_user:hunter2@" + addr + "/secret_db?connect_timeout=5"
	for _, o := range openers {
		for _, migrate := range []bool{false, true} {
			t.Run(o.name+"/migrate="+strconv.FormatBool(migrate), func(t *testing.T) {
				t.Parallel()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				var opts []storeurl.Option
				if migrate {
					opts = append(opts, storeurl.WithMigrate())
				}
				err := o.open(ctx, raw, opts...)
				t.Log(err)
				assertNoConnectSecrets(t, err, o.unavailable, "secret_user", "hunter2", "secret_db", host, ":"+port)
				assert.Contains(t, err.Error(), "connection refused")
			})
		}
	}
}

// TestAuthFailureNamesNoUser: a server that answers but refuses the role
// says so in a message naming the role; the error keeps only its
// SQLSTATE.
func TestAuthFailureNamesNoUser(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(pgtest.DSN(t))
	require.NoError(t, err)
	u.User = url.UserPassword("secret_user", "hunter2")
	u.Path = "/secret_db"
	host := u.Hostname()
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := o.open(ctx, u.String())
			t.Log(err)
			assertNoConnectSecrets(t, err, o.unavailable, "secret_user", "hunter2", "secret_db", host)
			assert.Contains(t, err.Error(), "SQLSTATE")
		})
	}
}

// TestStoreCallsNameNoConnection: the PostgreSQL packages' own functions,
// called on a pool whose server refuses the connection (not through
// storeurl), give errors that name neither its user, password, database
// nor host.
func TestStoreCallsNameNoConnection(t *testing.T) {
	t.Parallel()
	addr := pgtest.RefusedAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, "postgres://secret_user:hunter2@"+addr+"/secret_db?connect_timeout=5")
	require.NoError(t, err)
	defer pool.Close()
	for _, c := range []struct {
		name        string
		call        func() error
		unavailable error
	}{
		{"pgstore.Migrate", func() error { return pgstore.Migrate(ctx, pool) }, consent.ErrUnavailable},
		{"pgledger.Migrate", func() error { return pgledger.Migrate(ctx, pool) }, ledger.ErrUnavailable},
		{"pgledger.New", func() error { _, err := pgledger.New(ctx, pool); return err }, ledger.ErrUnavailable},
		{"pgclaims.Migrate", func() error { return pgclaims.Migrate(ctx, pool) }, claims.ErrUnavailable},
		{"pgrequests.Migrate", func() error { return pgrequests.Migrate(ctx, pool) }, requests.ErrUnavailable},
		{"pgbreaches.Migrate", func() error { return pgbreaches.Migrate(ctx, pool) }, breaches.ErrUnavailable},
		{"pgkeyring.Migrate", func() error { return pgkeyring.Migrate(ctx, pool) }, keyring.ErrUnavailable},
		{"pgkeyring.New", func() error {
			_, err := pgkeyring.New(ctx, pool, []byte("pepper-pepper-pepper-pepper-32by"))
			return err
		}, keyring.ErrUnavailable},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			t.Log(err)
			assertNoConnectSecrets(t, err, c.unavailable, "secret_user", "hunter2", "secret_db", host, ":"+port)
		})
	}
}
