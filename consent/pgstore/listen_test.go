package pgstore

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/purpose"
)

func open(t *testing.T, schema string, opts ...Option) *Store {
	t.Helper()
	s, err := New(context.Background(), NewTestPool(t, schema), append([]Option{WithChannel(schema), WithMigrate()}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// TestListenerDownBypassesCache kills A's listener connection and shows
// that while it is down A reads the database (a withdrawal appended
// through B is seen at once), and that A caches again once it is back.
func TestListenerDownBypassesCache(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema, WithReconnectDelay(time.Hour))
	b := open(t, schema)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	user := "user-1"

	require.True(t, a.serving(), "listener must be up when New returns")
	require.NoError(t, b.Append(ctx, consent.Grant(user, purpose.Payments, "bank", at)))
	// B's own notification may land after A cached the state and drop
	// it: read until the entry stays.
	require.Eventually(t, func() bool {
		_, err := a.State(ctx, user)
		return err == nil && a.cache.Len() == 1
	}, 5*time.Second, time.Millisecond)

	pid := a.ListenerPID()
	_, err := pgtest.Admin(t).Exec(ctx, "SELECT pg_terminate_backend($1)", int32(pid))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !a.serving() }, 5*time.Second, time.Millisecond)
	assert.Zero(t, a.cache.Len(), "a lost listener must drop the cache")

	require.NoError(t, b.Append(ctx, consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Minute))))
	st, err := a.State(ctx, user)
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)))
	assert.Zero(t, a.cache.Len(), "nothing may be cached while the listener is down")

	a.Reconnect()
	require.Eventually(t, a.serving, 5*time.Second, time.Millisecond)
	assert.NotEqual(t, pid, a.ListenerPID())
	require.Eventually(t, func() bool {
		_, err := a.State(ctx, user)
		return err == nil && a.cache.Len() == 1
	}, 5*time.Second, time.Millisecond, "the cache serves again once the listener is back")

	// And notifications flow again.
	require.NoError(t, b.Append(ctx, consent.Grant(user, purpose.Payments, "bank", at.Add(2*time.Minute))))
	require.Eventually(t, func() bool {
		st, err := a.State(ctx, user)
		return err == nil && st.Granted(purpose.Payments, "bank", at.Add(time.Hour))
	}, 5*time.Second, time.Millisecond)
}

// TestLeaseExpires shows the heartbeat bound: a listener not heard from
// for a heartbeat interval stops the cache from answering.
func TestLeaseExpires(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	a := open(t, schema, WithHeartbeat(300*time.Millisecond))
	require.True(t, a.serving())
	// Pretend the last sign of life was long ago.
	a.leaseUntil.Store(int64(time.Since(a.epoch)) - 1)
	assert.False(t, a.serving())
	// The heartbeat renews it.
	require.Eventually(t, a.serving, 2*time.Second, 5*time.Millisecond)
}

// TestIdleListenerKeepsItsConnection: a listener that hears nothing for
// many heartbeat steps pings and waits again on the same connection (the
// bound on each wait is the connection's read deadline, which the ping
// must not find), and its notifications still arrive after.
func TestIdleListenerKeepsItsConnection(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	// Steps of 500 ms: each ping may take that long however loaded the
	// machine, without the listener giving up its connection.
	a := open(t, schema, WithHeartbeat(1500*time.Millisecond))
	b := open(t, schema)
	pid := a.listenerPID.Load()
	require.NotZero(t, pid)
	time.Sleep(3 * time.Second) // about 6 steps, each a timeout and a ping
	assert.Equal(t, pid, a.listenerPID.Load(), "the listener connected again")
	require.True(t, a.serving())

	ctx := t.Context()
	at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, a.Append(ctx, consent.Grant("u", purpose.Payments, "bank", at)))
	st, err := a.State(ctx, "u")
	require.NoError(t, err)
	require.True(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)))
	require.NoError(t, b.Append(ctx, consent.Withdraw("u", purpose.Payments, "bank", at.Add(time.Minute))))
	require.Eventually(t, func() bool {
		st, err := a.State(ctx, "u")
		return err == nil && !st.Granted(purpose.Payments, "bank", at.Add(time.Hour))
	}, 5*time.Second, time.Millisecond, "another instance's withdrawal did not reach the idle listener")
	assert.Equal(t, pid, a.listenerPID.Load())
}

// TestCloseInterruptsAnIdleListener: Close ends a listener's wait at
// once, not when the wait's bound (a third of the heartbeat, here 20 s)
// runs out.
func TestCloseInterruptsAnIdleListener(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	s := open(t, schema, WithHeartbeat(time.Minute))
	require.True(t, s.serving())
	time.Sleep(50 * time.Millisecond) // into its wait
	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for the listener's 20 s wait to run out")
	}
}

// TestNotificationsCarryNoSubject listens on the channel as any database
// user could and checks the payload is not the subject.
func TestNotificationsCarryNoSubject(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	s := open(t, schema)
	conn, err := NewTestPool(t, schema).Acquire(t.Context())
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(t.Context(), "LISTEN "+`"`+schema+`"`)
	require.NoError(t, err)
	const secret = "870412300123"
	require.NoError(t, s.Append(t.Context(), consent.AcceptPolicy(secret, "v", time.Now())))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	// A transaction sends "o:<xid>/<mark>", its events (sealed), its
	// subjects' tags, "x:<xid>".
	var payloads []string
	for len(payloads) == 0 || !strings.HasPrefix(payloads[len(payloads)-1], xidPrefix) {
		n, err := conn.Conn().WaitForNotification(ctx)
		require.NoError(t, err)
		assert.NotContains(t, n.Payload, secret)
		payloads = append(payloads, n.Payload)
	}
	require.Len(t, payloads, 4)
	xid := strings.TrimPrefix(payloads[3], xidPrefix)
	head, ok, _ := s.sealer.checkHead(payloads[0], macServerOf(t, s))
	require.True(t, ok, "the head's MAC, computed by the server, does not check")
	own, mark, ok := strings.Cut(head, "/")
	require.True(t, ok, "the first notification carries the instance's mark")
	assert.True(t, s.isOwn(mark), "the mark is the appending instance's")
	assert.Equal(t, []string{ownPrefix + xid, s.tag(secret), xidPrefix + xid}, []string{own, payloads[2], payloads[3]})
	assert.Len(t, payloads[2], 32)
	// The events are sealed: only a holder of the tables' key opens them,
	// after the head of their own commit.
	require.True(t, strings.HasPrefix(payloads[1], eventsPrefix))
	users, err := s.sealer.open(payloads[1], "/"+mark, nil)
	require.NoError(t, err)
	require.Len(t, users, 1)
	assert.Equal(t, secret, users[0].subject)
	_, err = newSealer([]byte("another table's key, 32 bytes..")).open(payloads[1], "/"+mark, nil)
	assert.ErrorIs(t, err, errSealed, "opened under another key")
}

// TestHostNotificationHandler: the host's pool has an OnNotification
// handler of its own, which makes pgx keep no notifications for
// WaitForNotification. The store's listener takes its connection without
// it: it stays up on one connection, another instance's withdrawal still
// reaches the cached state, and the host's configuration is left as it
// was. (Before, the first notification crashed the process.)
func TestHostNotificationHandler(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	var hostSaw atomic.Int64
	pool := pgtest.Pool(t, schema, func(c *pgxpool.Config) {
		c.ConnConfig.OnNotification = func(*pgconn.PgConn, *pgconn.Notification) { hostSaw.Add(1) }
	})
	a, err := New(t.Context(), pool, WithChannel(schema), WithMigrate())
	require.NoError(t, err)
	t.Cleanup(a.Close)
	b := open(t, schema)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	user := "user-1"

	require.True(t, a.serving())
	pid := a.ListenerPID()
	require.NoError(t, b.Append(ctx, consent.Grant(user, purpose.Payments, "bank", at)))
	require.Eventually(t, func() bool {
		st, err := a.State(ctx, user)
		return err == nil && st.Granted(purpose.Payments, "bank", at.Add(time.Hour)) && a.cache.Len() == 1
	}, 5*time.Second, time.Millisecond)

	require.NoError(t, b.Append(ctx, consent.Withdraw(user, purpose.Payments, "bank", at.Add(time.Minute))))
	require.Eventually(t, func() bool {
		st, err := a.State(ctx, user)
		return err == nil && !st.Granted(purpose.Payments, "bank", at.Add(time.Hour))
	}, 5*time.Second, time.Millisecond, "the withdrawal must reach the cached state")
	assert.True(t, a.serving(), "the listener must stay up")
	assert.Equal(t, pid, a.ListenerPID(), "on the connection it started with")
	assert.NotNil(t, pool.Config().ConnConfig.OnNotification, "the host's handler stays on its pool")
	assert.Zero(t, hostSaw.Load(), "no pool connection listens, so the host's handler hears nothing of the store's")
}

// TestListenerLogNamesNoConnection: when the listener's connection is
// lost and cannot be made again, the store logs it, and the line names
// neither the connection's user nor its database, which pgx's connect
// error does.
func TestListenerLogNamesNoConnection(t *testing.T) {
	t.Parallel()
	schema := NewTestSchema(t)
	var refuse atomic.Bool
	var d net.Dialer
	pool := pgtest.Pool(t, schema, func(c *pgxpool.Config) {
		c.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if refuse.Load() {
				return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
			}
			return d.DialContext(ctx, network, addr)
		}
	})
	var logs syncBuffer
	s, err := New(context.Background(), pool, WithChannel(schema), WithMigrate(), WithReconnectDelay(time.Millisecond),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	t.Cleanup(s.Close)
	require.True(t, s.serving())
	cfg := pool.Config().ConnConfig

	refuse.Store(true)
	_, err = pgtest.Admin(t).Exec(t.Context(), "SELECT pg_terminate_backend($1)", int32(s.ListenerPID()))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Count(logs.String(), "listener lost") >= 3 }, 10*time.Second, time.Millisecond)
	out := logs.String()
	assert.Contains(t, out, "failed to connect: connection refused")
	for _, secret := range []string{"user=" + cfg.User, "database=" + cfg.Database} {
		assert.NotContains(t, out, secret)
	}
	refuse.Store(false)
	require.Eventually(t, s.serving, 10*time.Second, time.Millisecond, "the listener comes back")
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
