package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Test hooks, compiled into the test binary only.

// Serving reports whether the cache may answer.
func (s *Store) Serving() bool { return s.serving() }

// ListenerPID returns the backend PID of the listener connection.
func (s *Store) ListenerPID() uint32 { return s.listenerPID.Load() }

// Reconnect wakes a listener waiting to reconnect.
func (s *Store) Reconnect() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// WithReconnectDelay holds a lost listener down for d (unless Reconnect is
// called), so a test can look at a store whose listener is down.
func WithReconnectDelay(d time.Duration) Option {
	return func(c *config) { c.minBackoff, c.maxBackoff = d, d }
}

const howTo = "set PRIVACY_PG_DSN=postgres://... to run the PostgreSQL tests (eval \"$(bash .ci/pg-up)\" starts a local server and prints one)"

var (
	adminOnce sync.Once
	adminPool *pgxpool.Pool
	adminErr  error
)

// admin returns a pool on PRIVACY_PG_DSN, or ends the test: a skip when no
// server is configured, a failure when PRIVACY_PG_REQUIRED=1 (as in CI).
func admin(t testing.TB) *pgxpool.Pool {
	t.Helper()
	required := os.Getenv("PRIVACY_PG_REQUIRED") == "1"
	dsn := os.Getenv("PRIVACY_PG_DSN")
	if dsn == "" {
		if required {
			t.Fatal("PRIVACY_PG_REQUIRED=1 but PRIVACY_PG_DSN is not set; " + howTo)
		}
		t.Skip(howTo)
	}
	adminOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		adminPool, adminErr = pgxpool.New(ctx, dsn)
		if adminErr == nil {
			adminErr = adminPool.Ping(ctx)
		}
	})
	if adminErr != nil {
		if required {
			t.Fatalf("PRIVACY_PG_REQUIRED=1 but the server at PRIVACY_PG_DSN is unreachable: %v", adminErr)
		}
		t.Skipf("PostgreSQL at PRIVACY_PG_DSN unreachable (%v); %s", adminErr, howTo)
	}
	return adminPool
}

// NewTestSchema creates a schema of its own for one test, dropped when the
// test ends, so tests can run in parallel on one database. It returns its
// name, which tests also use as their notification channel.
func NewTestSchema(t testing.TB) string {
	t.Helper()
	a := admin(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "consent_test_" + hex.EncodeToString(b)
	_, err := a.Exec(context.Background(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	if err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, err := a.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		if err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	return schema
}

// NewTestPool returns a pool whose connections use schema.
func NewTestPool(t testing.TB, schema string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(os.Getenv("PRIVACY_PG_DSN"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
