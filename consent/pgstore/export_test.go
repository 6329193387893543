package pgstore

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/internal/pgtest"
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

// NewTestSchema creates a schema of its own for one test, dropped when the
// test ends (see internal/pgtest).
func NewTestSchema(t testing.TB) string { return pgtest.Schema(t) }

// NewTestPool returns a pool whose connections use schema.
func NewTestPool(t testing.TB, schema string) *pgxpool.Pool { return pgtest.Pool(t, schema) }

// Tag is the notification tag of subject.
func (s *Store) Tag(subject string) string { return s.tag(subject) }

// withWarmChunk sets how many events one Warm query reads.
func withWarmChunk(n int) Option { return func(c *config) { c.warmChunk = n } }

// withWarmHook calls f when each Warm chunk's first row arrives: after the
// chunk's snapshot, before any of its states is cached.
func withWarmHook(f func(chunk int)) Option { return func(c *config) { c.warmHook = f } }

// withoutDelta makes refreshes read users whole.
func withoutDelta() Option { return func(c *config) { c.noDelta = true } }

// withoutIntern keeps the strings of states read unshared.
func withoutIntern() Option { return func(c *config) { c.noIntern = true } }

// ParseBatch parses a batch notification's payload.
func ParseBatch(payload string) ([]string, bool) { return parseBatch(payload) }

// BatchPayloads lays out tags as batch notifications.
func BatchPayloads(tags []string) []string { return payloads(tags, true) }

// withPreCommit calls f in each group commit after the subjects' cached
// versions are taken, before COMMIT.
func withPreCommit(f func()) Option { return func(c *config) { c.preCommit = f } }

// withPreRead calls f before each background refresh reads.
func withPreRead(f func()) Option { return func(c *config) { c.preRead = f } }

// withPostCommit calls f in each group commit after COMMIT, before
// write-through.
func withPostCommit(f func()) Option { return func(c *config) { c.postCommit = f } }

// withIgnoreEvents makes the listener read tags only, as an earlier
// version of the package does.
func withIgnoreEvents() Option { return func(c *config) { c.ignoreEvents = true } }
