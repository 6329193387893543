package checkbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// EnvLoad turns the load test to its full length (10 s per store instead
// of 1 s): PRIVACY_LOAD=1 go test -run TestLoad -v ./internal/checkbench
const EnvLoad = "PRIVACY_LOAD"

// instances opens two stores over the same storage, as two instances of a
// service would; the memory store has no second instance.
type instances struct {
	name string
	open func(t *testing.T) (a, b consent.Store)
}

func loadBackends() []instances {
	return []instances{
		{"memory", func(*testing.T) (consent.Store, consent.Store) { return consent.NewMemoryStore(), nil }},
		{"sqlite", func(t *testing.T) (consent.Store, consent.Store) {
			path := filepath.Join(t.TempDir(), "consent.db")
			open := func() consent.Store {
				s, err := sqlitestore.Open(context.Background(), path)
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				return s
			}
			return open(), open()
		}},
		{"postgres", func(t *testing.T) (consent.Store, consent.Store) {
			schema := pgtest.Schema(t)
			require.NoError(t, pgstore.Migrate(context.Background(), pgtest.Admin(t), pgstore.WithSchema(schema)))
			open := func() consent.Store {
				s, err := pgstore.New(context.Background(), pgtest.Pool(t, schema), pgstore.WithChannel(schema))
				require.NoError(t, err)
				t.Cleanup(s.Close)
				return s
			}
			return open(), open()
		}},
	}
}

// TestLoad: on 2 cores, checkers call Check while grants and withdrawals
// stream in. It reports checks/s and, between two instances, the
// staleness of a withdrawal (p50/p99/max), and it asserts the one thing
// that must hold under any load: once a withdrawal's Append returned, no
// Check on the same instance that started after it allows, until a new
// grant is begun.
func TestLoad(t *testing.T) {
	dur := time.Second
	if os.Getenv(EnvLoad) == "1" {
		dur = 10 * time.Second
	} else if testing.Short() {
		dur = 200 * time.Millisecond
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, be := range loadBackends() {
		t.Run(be.name, func(t *testing.T) {
			a, b := be.open(t)
			r := runLoad(t, a, b, dur)
			require.Zero(t, r.violations, "Checks allowed after an acknowledged withdrawal on the same instance")
			t.Logf("%s: %.0f checks/s (%d checks, %d allowed), %d grants and withdrawals appended (%.0f/s), 0 allows after an acknowledged withdrawal",
				be.name, float64(r.checks)/dur.Seconds(), r.checks, r.allowed, r.writes, float64(r.writes)/dur.Seconds())
			if len(r.stale) > 0 {
				s := r.stale
				slices.Sort(s)
				t.Logf("%s: staleness on the other instance over %d withdrawals: p50 %v, p99 %v, max %v",
					be.name, len(s), s[len(s)/2], s[len(s)*99/100], s[len(s)-1])
			}
		})
	}
}

type loadResult struct {
	checks, allowed, writes, violations int64
	stale                               []time.Duration
}

const (
	loadUsers    = 200
	loadCheckers = 4
	loadWriters  = 4
	recipient    = "halyk"
)

func runLoad(t *testing.T, a, b consent.Store, dur time.Duration) loadResult {
	ctx := context.Background()
	ea := engineFor(t, a)
	var eb *policy.Engine
	if b != nil {
		eb = engineFor(t, b)
	}
	users := make([]string, loadUsers)
	for i := range users {
		users[i] = fmt.Sprintf("load-user-%d", i)
		require.NoError(t, a.Append(ctx,
			consent.AcceptPolicy(users[i], ea.Version().ID, t0),
			consent.Grant(users[i], purpose.Payments, recipient, t0)))
	}
	// phase[i] is 2*generation, +1 while user i's withdrawal is
	// acknowledged and no new grant has begun.
	phase := make([]atomic.Uint64, loadUsers)
	var r loadResult
	var checks, allowed, writes, violations atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range loadCheckers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if n%32 == 31 {
					// A request handler waits on I/O now and then;
					// a loop that never yields would starve the
					// writers and the listener of the 2 cores.
					runtime.Gosched()
				}
				i := rng.IntN(loadUsers)
				before := phase[i].Load()
				d, err := ea.Check(ctx, users[i], purpose.Payments, recipient, policy.WithCategories(purpose.PaymentDetails))
				checks.Add(1)
				if err != nil {
					continue // a fault denies; not what is measured here
				}
				if d.Allowed {
					allowed.Add(1)
					if before%2 == 1 && phase[i].Load() == before {
						violations.Add(1)
					}
				}
			}
		})
	}
	for w := range loadWriters {
		// Writer w owns users w, w+loadWriters, ...: one writer per user,
		// so its phase is exact.
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(99+w), 7))
			at := t0
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := w + loadWriters*rng.IntN(loadUsers/loadWriters)
				at = at.Add(time.Second)
				p := phase[i].Load()
				if p%2 == 1 {
					phase[i].Store(p + 1) // a grant begins: allows are legitimate again
					if err := a.Append(ctx, consent.Grant(users[i], purpose.Payments, recipient, at)); err != nil {
						t.Error(err)
						return
					}
				} else {
					if err := a.Append(ctx, consent.Withdraw(users[i], purpose.Payments, recipient, at)); err != nil {
						t.Error(err)
						return
					}
					phase[i].Store(p + 1) // acknowledged
				}
				writes.Add(1)
				time.Sleep(200 * time.Microsecond)
			}
		})
	}
	if eb != nil {
		wg.Go(func() { r.stale = probeStaleness(t, ctx, a, eb, ea.Version().ID, stop) })
	}
	time.Sleep(dur)
	close(stop)
	wg.Wait()
	r.checks, r.allowed, r.writes, r.violations = checks.Load(), allowed.Load(), writes.Load(), violations.Load()
	return r
}

// probeStaleness grants a probe user on instance a, waits until b allows,
// withdraws on a and times how long b keeps allowing after the Append
// returned; until stop.
func probeStaleness(t *testing.T, ctx context.Context, a consent.Store, eb *policy.Engine, version string, stop chan struct{}) []time.Duration {
	var out []time.Duration
	at := t0
	for n := 0; ; n++ {
		user := fmt.Sprintf("probe-%d", n)
		if err := a.Append(ctx, consent.AcceptPolicy(user, version, at), consent.Grant(user, purpose.Payments, recipient, at)); err != nil {
			t.Error(err)
			return out
		}
		check := func() bool {
			d, err := eb.Check(ctx, user, purpose.Payments, recipient, policy.WithCategories(purpose.PaymentDetails))
			return err == nil && d.Allowed
		}
		for !check() {
			select {
			case <-stop:
				return out
			case <-time.After(100 * time.Microsecond):
			}
		}
		at = at.Add(time.Second)
		if err := a.Append(ctx, consent.Withdraw(user, purpose.Payments, recipient, at)); err != nil {
			t.Error(err)
			return out
		}
		start := time.Now()
		for check() {
			if time.Since(start) > 30*time.Second {
				t.Errorf("instance b still allows 30 s after the withdrawal")
				return out
			}
			time.Sleep(20 * time.Microsecond)
		}
		out = append(out, time.Since(start))
		select {
		case <-stop:
			return out
		default:
		}
	}
}

func engineFor(t *testing.T, store consent.Store) *policy.Engine {
	t.Helper()
	e, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(disclosureRecipient()))
	require.NoError(t, err)
	return e
}

func disclosureRecipient() disclosure.Recipient {
	return disclosure.Recipient{ID: recipient, Kind: disclosure.ThirdParty}
}

// staleStore caches every state forever, as a store that missed its
// invalidations would.
type staleStore struct {
	consent.Store
	mu    sync.Mutex
	cache map[string]consent.State
}

func (s *staleStore) State(ctx context.Context, user string) (consent.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.cache[user]; ok {
		return st, nil
	}
	st, err := s.Store.State(ctx, user)
	if err == nil {
		s.cache[user] = st
	}
	return st, err
}

// TestLoadCatchesStaleStore shows that the load test's assertion can fail:
// over a store that keeps serving the states it first read, it counts
// allows after acknowledged withdrawals.
func TestLoadCatchesStaleStore(t *testing.T) {
	s := &staleStore{Store: consent.NewMemoryStore(), cache: map[string]consent.State{}}
	r := runLoad(t, s, nil, 300*time.Millisecond)
	require.Positive(t, r.violations)
}
