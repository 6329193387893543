package pgstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/consenttest"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/purpose"
)

// newStore returns a store on a fresh schema, and the schema's name.
func newStore(t testing.TB, opts ...pgstore.Option) (*pgstore.Store, string) {
	t.Helper()
	schema := pgstore.NewTestSchema(t)
	return openOn(t, schema, opts...), schema
}

// openOn returns another store (an instance) on schema's tables.
func openOn(t testing.TB, schema string, opts ...pgstore.Option) *pgstore.Store {
	t.Helper()
	pool := pgstore.NewTestPool(t, schema)
	s, err := pgstore.New(context.Background(), pool, append([]pgstore.Option{pgstore.WithChannel(schema)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	consenttest.Run(t, func(t *testing.T) consent.Store {
		s, _ := newStore(t)
		return s
	})
}

func TestConformanceNoCache(t *testing.T) {
	t.Parallel()
	consenttest.Run(t, func(t *testing.T) consent.Store {
		s, _ := newStore(t, pgstore.WithCacheSize(0))
		return s
	})
}

var t0 = time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)

func TestNanosecondsRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	at := time.Date(2024, 6, 1, 9, 0, 0, 123456789, time.UTC)
	e := consent.Grant("u", purpose.Payments, "bank", at, consent.WithTerm(at.Add(time.Hour+7)))
	old := consent.Grant("u", purpose.Payments, "old", time.Date(1960, 1, 2, 3, 4, 5, 999, time.UTC),
		consent.WithTerm(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)))
	require.NoError(t, s.Append(t.Context(), e, old))
	h, err := s.History(t.Context(), "u")
	require.NoError(t, err)
	assert.Equal(t, []consent.Event{old, e}, h, "times must come back exactly, in UTC")
}

// TestInstancesStartTogether starts many stores on a new schema at once:
// the advisory lock lets one migrate and the others wait.
func TestInstancesStartTogether(t *testing.T) {
	t.Parallel()
	schema := pgstore.NewTestSchema(t)
	pool := pgstore.NewTestPool(t, schema)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			s, err := pgstore.New(t.Context(), pool, pgstore.WithChannel(schema))
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	var n int
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM consent_schema_version").Scan(&n))
	assert.Equal(t, 1, n)
}

func TestSchemaTooNew(t *testing.T) {
	t.Parallel()
	s, schema := newStore(t)
	s.Close()
	pool := pgstore.NewTestPool(t, schema)
	_, err := pool.Exec(t.Context(), "INSERT INTO consent_schema_version (version, name) VALUES (999, '0999_future')")
	require.NoError(t, err)
	_, err = pgstore.New(t.Context(), pool, pgstore.WithChannel(schema))
	require.ErrorIs(t, err, pgstore.ErrSchemaTooNew)
	assert.Contains(t, err.Error(), "999")
}

func TestClosed(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	s.Close()
	s.Close()
	err := s.Append(t.Context(), consent.AcceptPolicy("u", "v", t0))
	assert.ErrorIs(t, err, consent.ErrClosed)
	_, err = s.State(t.Context(), "u")
	assert.ErrorIs(t, err, consent.ErrClosed)
	_, err = s.History(t.Context(), "u")
	assert.ErrorIs(t, err, consent.ErrClosed)
}

func TestAppendOnly(t *testing.T) {
	t.Parallel()
	s, schema := newStore(t)
	require.NoError(t, s.Append(t.Context(), consent.AcceptPolicy("u", "2024-06", t0)))
	_, err := pgstore.NewTestPool(t, schema).Exec(t.Context(), "UPDATE consent_events SET policy_version = 'forged'")
	assert.ErrorContains(t, err, "append-only")
}

// TestUnavailable checks that a store whose pool is gone reports
// ErrUnavailable, and never the subject.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	schema := pgstore.NewTestSchema(t)
	pool := pgstore.NewTestPool(t, schema)
	s, err := pgstore.New(t.Context(), pool, pgstore.WithChannel(schema))
	require.NoError(t, err)
	defer s.Close()
	pool.Close()
	const secret = "870412300123"
	_, err = s.State(t.Context(), secret)
	require.ErrorIs(t, err, consent.ErrUnavailable)
	assert.NotContains(t, err.Error(), secret)
	assert.Regexp(t, `^pgstore: `, err.Error())
	err = s.Append(t.Context(), consent.AcceptPolicy(secret, "v", t0))
	require.ErrorIs(t, err, consent.ErrUnavailable)
	assert.NotContains(t, err.Error(), secret)
}

// TestStaleness appends a withdrawal through instance B and polls instance
// A, whose cache holds the grant, until A reflects it. The bound asserted
// is generous; the latency measured is logged.
func TestStaleness(t *testing.T) {
	t.Parallel()
	a, schema := newStore(t)
	b := openOn(t, schema)
	ctx := t.Context()
	const rounds = 20
	var lat []time.Duration
	for i := range rounds {
		user := fmt.Sprintf("user-%d", i)
		require.NoError(t, b.Append(ctx, consent.Grant(user, purpose.Payments, "bank", t0)))
		for range 2 { // the second read is served from A's cache
			st, err := a.State(ctx, user)
			require.NoError(t, err)
			require.True(t, st.Granted(purpose.Payments, "bank", t0))
		}
		require.NoError(t, b.Append(ctx, consent.Withdraw(user, purpose.Payments, "bank", t0.Add(time.Minute))))
		start := time.Now()
		for {
			st, err := a.State(ctx, user)
			require.NoError(t, err)
			if !st.Granted(purpose.Payments, "bank", t0.Add(time.Hour)) {
				break
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("round %d: instance A still serves the withdrawn grant 5s after B's Append returned", i)
			}
			time.Sleep(50 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	t.Logf("staleness after another instance's Append returned, over %d rounds: min %v, median %v, max %v",
		rounds, lat[0], lat[rounds/2], lat[rounds-1])
}

// TestConcurrentInstances appends through several instances at once while
// each reads, then checks every instance agrees with the log.
func TestConcurrentInstances(t *testing.T) {
	t.Parallel()
	first, schema := newStore(t)
	stores := []*pgstore.Store{first, openOn(t, schema), openOn(t, schema)}
	ctx := t.Context()
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			for j := range 40 {
				user := fmt.Sprintf("u%d", j%5)
				at := t0.Add(time.Duration(i*1000+j) * time.Second)
				e := consent.Grant(user, purpose.Payments, "bank", at)
				if j%2 == 1 {
					e = consent.Withdraw(user, purpose.Payments, "bank", at)
				}
				if err := s.Append(ctx, e); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.State(ctx, user); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for u := range 5 {
		user := fmt.Sprintf("u%d", u)
		h, err := first.History(ctx, user)
		require.NoError(t, err)
		want := consent.Fold(user, h)
		require.Eventually(t, func() bool {
			for _, s := range stores {
				st, err := s.State(ctx, user)
				if err != nil || st.Events() != want.Events() ||
					st.Granted(purpose.Payments, "bank", t0.Add(time.Hour*24)) != want.Granted(purpose.Payments, "bank", t0.Add(time.Hour*24)) {
					return false
				}
			}
			return true
		}, 5*time.Second, time.Millisecond)
	}
}
