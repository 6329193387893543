package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/internal/clip"
)

// EnvDSN and EnvRequired are the environment variables the package reads.
const (
	EnvDSN      = "PRIVACY_PG_DSN"
	EnvRequired = "PRIVACY_PG_REQUIRED"
)

const howTo = "set PRIVACY_PG_DSN=postgres://... to run the PostgreSQL tests (eval \"$(bash .ci/pg-up)\" starts a local server and prints one)"

// Required reports whether PRIVACY_PG_REQUIRED=1: PostgreSQL tests must
// fail, not skip, without a server.
func Required() bool { return os.Getenv(EnvRequired) == "1" }

// DSN returns PRIVACY_PG_DSN, or ends the test: a skip, or a failure when
// [Required].
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if Required() {
			t.Fatal("PRIVACY_PG_REQUIRED=1 but PRIVACY_PG_DSN is not set; " + howTo)
		}
		t.Skip(howTo)
	}
	return dsn
}

// Admin returns a small pool on PRIVACY_PG_DSN as it is (no schema set),
// closed when the test ends, or ends the test as [DSN] does, also when the
// server does not answer.
func Admin(t testing.TB) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(DSN(t))
	if err != nil {
		t.Fatalf("pgtest: PRIVACY_PG_DSN: %v", err)
	}
	cfg.MaxConns = 2
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		err = pool.Ping(ctx)
		if err != nil {
			pool.Close()
		}
	}
	if err != nil {
		if Required() {
			t.Fatalf("PRIVACY_PG_REQUIRED=1 but the server at PRIVACY_PG_DSN is unreachable: %v", err)
		}
		t.Skipf("PostgreSQL at PRIVACY_PG_DSN unreachable (%v); %s", err, howTo)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Unique returns prefix followed by 12 random hex digits, a name no other
// test will pick.
func Unique(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Schema creates a schema of its own for the test, dropped (CASCADE) when
// the test ends, and returns its name.
func Schema(t testing.TB) string {
	t.Helper()
	a := Admin(t)
	schema := Unique("privacy_test_")
	if _, err := a.Exec(context.Background(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := a.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema: %v", err)
		}
	})
	return schema
}

// Option adjusts the pools [Pool] and [DMLRole] make.
type Option func(*pgxpool.Config)

// WithMaxConns sets the pool's size (default 8).
func WithMaxConns(n int32) Option { return func(c *pgxpool.Config) { c.MaxConns = n } }

// Pool returns a pool on PRIVACY_PG_DSN whose connections use schema as
// their search_path, closed when the test ends.
func Pool(t testing.TB, schema string, opts ...Option) *pgxpool.Pool {
	t.Helper()
	return pool(t, DSN(t), schema, opts)
}

// New is [Schema] and [Pool] together: a fresh schema and a pool on it.
func New(t testing.TB, opts ...Option) (*pgxpool.Pool, string) {
	t.Helper()
	s := Schema(t)
	return Pool(t, s, opts...), s
}

func pool(t testing.TB, dsn, schema string, opts []Option) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
	}
	cfg.MaxConns = 8
	for _, o := range opts {
		o(cfg)
	}
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// Grant is one GRANT to a role made by [DMLRole]: Privileges ("SELECT,
// INSERT") on Object, a table of the schema ("consent_events") or, with a
// kind first, another object ("SEQUENCE consent_seq", "FUNCTION f()").
// Names are taken as written, within the schema.
type Grant struct {
	Privileges string
	Object     string
}

// DMLRole creates a login role with a unique name that has USAGE on schema
// and only the given grants — no CREATE, no ownership — and returns a pool
// logged in as it, with search_path set to schema. The role is dropped when
// the test ends (after the pool is closed). Use it to show that a store
// works with the privileges its docs list, and runs no DDL.
func DMLRole(t testing.TB, schema string, grants []Grant, opts ...Option) *pgxpool.Pool {
	t.Helper()
	a := Admin(t)
	ctx := context.Background()
	role := Unique("privacy_app_")
	pw := Unique("pw")
	q := func(sql string) {
		t.Helper()
		if _, err := a.Exec(ctx, sql); err != nil {
			t.Fatalf("pgtest: %s: %v", clip.String(sql, 80), err)
		}
	}
	rid := pgx.Identifier{role}.Sanitize()
	sid := pgx.Identifier{schema}.Sanitize()
	q(fmt.Sprintf("CREATE ROLE %s LOGIN NOINHERIT PASSWORD '%s'", rid, pw))
	t.Cleanup(func() {
		for _, sql := range []string{
			"REVOKE ALL ON ALL TABLES IN SCHEMA " + sid + " FROM " + rid,
			"REVOKE ALL ON ALL SEQUENCES IN SCHEMA " + sid + " FROM " + rid,
			"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA " + sid + " FROM " + rid,
			"REVOKE ALL ON SCHEMA " + sid + " FROM " + rid,
		} {
			// The schema may be gone already; what matters is
			// the DROP ROLE below.
			a.Exec(ctx, sql)
		}
		if _, err := a.Exec(ctx, "DROP ROLE IF EXISTS "+rid); err != nil {
			t.Errorf("pgtest: drop role: %v", err)
		}
	})
	q("GRANT USAGE ON SCHEMA " + sid + " TO " + rid)
	for _, g := range grants {
		kind, name := "TABLE", g.Object
		if k, n, ok := strings.Cut(g.Object, " "); ok {
			kind, name = k, n
		}
		q(fmt.Sprintf("GRANT %s ON %s %s.%s TO %s", g.Privileges, kind, sid, name, rid))
	}
	u, err := url.Parse(DSN(t))
	if err != nil || u.Scheme == "" {
		t.Fatalf("pgtest: DMLRole needs PRIVACY_PG_DSN as a URL (postgres://...)")
	}
	u.User = url.UserPassword(role, pw)
	return pool(t, u.String(), schema, opts)
}

// RefusedAddr returns a local TCP address nothing listens on, for a
// server that refuses the connection.
func RefusedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return addr
}
