package sqlutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/pgtest"
)

var errUnavailable = errors.New("thing: store unavailable")

// connectErr returns pgx's error for a connection to addr as secret_user,
// with password hunter2, to database secret_db.
func connectErr(t *testing.T, ctx context.Context, addr string) error {
	t.Helper()
	_, err := pgconn.Connect(ctx, "postgres://secret_user:hunter2@"+addr+"/secret_db?sslmode=disable&connect_timeout=5")
	require.Error(t, err)
	var ce *pgconn.ConnectError
	require.ErrorAs(t, err, &ce, "pgx's connect error is not *pgconn.ConnectError any more")
	return err
}

// silentAddr returns a local address that accepts connections and never
// answers.
func silentAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return l.Addr().String()
}

func assertRedacted(t *testing.T, err error, addr string) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	for _, s := range []string{"secret_user", "hunter2", "secret_db", host, port} {
		assert.NotContains(t, err.Error(), s, "the error names the connection")
	}
	assert.Contains(t, err.Error(), "failed to connect: ")
	var ce *pgconn.ConnectError
	assert.ErrorAs(t, err, &ce, "the connect error stays reachable")
}

// TestRedactConnect: pgx's connect error, wherever it is in a chain,
// keeps only its class in the chain's text; everything else of the text
// stays, and errors.Is and errors.As reach what they did.
func TestRedactConnect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	refused := pgtest.RefusedAddr(t)
	raw := connectErr(t, ctx, refused)
	sentinel := errors.New("thing: it")
	var ce *pgconn.ConnectError
	require.ErrorAs(t, raw, &ce)
	require.True(t, isConnectError(ce))
	assert.ElementsMatch(t, []string{"secret_user", "hunter2", "secret_db", "127.0.0.1"}, connectNames(ce),
		"what a reworded connect error would name is read from its configuration")

	tests := []struct {
		name string
		err  error
		want string
	}{
		{"bare", raw, "failed to connect: connection refused"},
		{"wrapped", fmt.Errorf("thing: new: %w: %w", sentinel, raw), "thing: new: thing: it: failed to connect: connection refused"},
		{"joined", fmt.Errorf("thing: new: %w", errors.Join(sentinel, raw)), "thing: new: thing: it\nfailed to connect: connection refused"},
		{"twice", fmt.Errorf("outer: %w", RedactConnect(fmt.Errorf("inner: %w", raw))), "outer: inner: failed to connect: connection refused"},
		{"reworded", fmt.Errorf("thing: %v (%w)", errors.New(strings.ReplaceAll(raw.Error(), " ", "_")), raw), "failed to connect: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := RedactConnect(tt.err)
			t.Log(got)
			assertRedacted(t, got, refused)
			assert.Equal(t, tt.want, got.Error())
			assert.ErrorIs(t, got, raw)
			if errors.Is(tt.err, sentinel) {
				assert.ErrorIs(t, got, sentinel)
			}
		})
	}

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		addr := silentAddr(t)
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		got := RedactConnect(connectErr(t, ctx, addr))
		t.Log(got)
		assertRedacted(t, got, addr)
		assert.Equal(t, "failed to connect: timeout", got.Error())
	})

	t.Run("other errors as they are", func(t *testing.T) {
		t.Parallel()
		assert.NoError(t, RedactConnect(nil))
		err := fmt.Errorf("thing: %w", &pgconn.PgError{Code: "23505", Message: "duplicate"})
		assert.Same(t, err, RedactConnect(err))
	})
}

// TestWrappedRedactsConnect: a store's storage failure names no part of a
// connection it could not make.
func TestWrappedRedactsConnect(t *testing.T) {
	t.Parallel()
	addr := pgtest.RefusedAddr(t)
	raw := connectErr(t, context.Background(), addr)
	e := Errs{Pkg: "thing", Closed: errors.New("thing: closed"), Unavailable: errUnavailable}
	for _, err := range []error{
		e.Wrapped("new", raw),
		e.Wrap(context.Background(), "new", false, fmt.Errorf("query: %w", raw)),
	} {
		assertRedacted(t, err, addr)
		assert.ErrorIs(t, err, errUnavailable)
		assert.ErrorIs(t, err, raw)
	}
}

// TestConnectClass: the class of a failure is one of fixed words, or the
// server's SQLSTATE when it has the form of one.
func TestConnectClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{&pgconn.PgError{Code: "28P01", Message: `password authentication failed for user "secret_user"`}, "server error (SQLSTATE 28P01)"},
		{&pgconn.PgError{Code: "secret_user", Message: "x"}, "server error"},
		{context.Canceled, "canceled"},
		{context.DeadlineExceeded, "timeout"},
		{&net.DNSError{Name: "db.secret.internal", IsNotFound: true}, "host not found"},
		{&net.DNSError{Name: "db.secret.internal"}, "host lookup failed"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("secret_user")}, "network error"},
		{errors.New("tls error: x509: certificate is valid for secret.internal"), "connection not made"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, connectClass(tt.err), "%v", tt.err)
	}
}
