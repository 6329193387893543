package policy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// revRules add two obligations naming the bundle's revision from its
// data, in two packages: a decision mixing two bundles would show two.
const revRules = `package privacy.host

obligations contains {"code": "host_rev", "clause": data.privacy.host.rev.value} if { true }
`

const revRulesNested = `package privacy.host.nested.deeper

obligations contains {"code": "host_rev_again", "clause": data.privacy.host.rev.value} if { true }
`

func revBundle(rev string) fstest.MapFS {
	return fstest.MapFS{
		".manifest":                         {Data: []byte(`{"revision": "` + rev + `", "roots": ["privacy/host"]}`)},
		"privacy/host/rules.rego":           {Data: []byte(revRules)},
		"privacy/host/nested/deeper/x.rego": {Data: []byte(revRulesNested)},
		"privacy/host/rev/data.json":        {Data: []byte(`{"value": "` + rev + `"}`)},
		"privacy/host/rules_test.rego":      {Data: []byte("package privacy.host_test\n\ntest_x if { true }\n")},
		"README.md":                         {Data: []byte("ignored")},
	}
}

// TestBundle: a bundle directory layers nested packages and their data on
// the seed.
func TestBundle(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, policy.WithBundle(revBundle("r7")))
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	d, err := f.engine.Check(ctx, "u", purpose.Support, policy.Operator)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.Equal(t, []string{"host_rev@r7", "host_rev_again@r7"}, obligationCodes(d))
	assert.Equal(t, "r7", f.engine.BundleRevision())
}

// A bundle cannot reach outside privacy/host, in rules, data or roots.
func TestBundleConfined(t *testing.T) {
	tests := map[string]fstest.MapFS{
		"data at the root":        {"x.rego": {Data: []byte(revRules)}, "data.json": {Data: []byte(`{"catalog": {}}`)}},
		"data beside the catalog": {"x.rego": {Data: []byte(revRules)}, "catalog/data.json": {Data: []byte(`{"purposes": {}}`)}},
		"root outside":            {"x.rego": {Data: []byte(revRules)}, ".manifest": {Data: []byte(`{"roots": ["privacy"]}`)}},
		"module outside":          {"x.rego": {Data: []byte("package privacy\n\ndecision := {}\n")}},
		"no rules":                {"privacy/host/data.json": {Data: []byte(`{}`)}},
		"broken json":             {"x.rego": {Data: []byte(revRules)}, "privacy/host/data.json": {Data: []byte(`{`)}},
	}
	for name, fsys := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := policy.New(policy.WithBundle(fsys))
			assert.ErrorIs(t, err, policy.ErrInvalidConfig)
		})
	}
}

func writeBundle(t testing.TB, dir string, b fstest.MapFS) {
	t.Helper()
	// Write a fresh tree aside and swap it in with one rename, as a
	// deployment would, so that the watcher never sees a half-written one.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "next-")
	require.NoError(t, err)
	for name, f := range b {
		p := filepath.Join(tmp, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, f.Data, 0o644))
	}
	old := dir + ".old"
	_ = os.RemoveAll(old)
	if _, err := os.Stat(dir); err == nil {
		require.NoError(t, os.Rename(dir, old))
	}
	require.NoError(t, os.Rename(tmp, dir))
	require.NoError(t, os.RemoveAll(old))
}

// TestWatchBundleSwaps: 10,000 Checks in flight while the bundle is swapped
// 20 times; none fails and none mixes two bundles. A broken bundle keeps
// the policy in force and is reported.
func TestWatchBundleSwaps(t *testing.T) {
	if testing.Short() {
		t.Skip("swaps a bundle 20 times")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := filepath.Join(t.TempDir(), "bundle")
	writeBundle(t, dir, revBundle("r0"))
	store := consent.NewMemoryStore()
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0)))
	base := []policy.Option{policy.WithConsentStore(store), policy.WithClock(func() time.Time { return t0.Add(time.Hour) })}
	e, err := policy.New(append(base, policy.WithBundle(os.DirFS(dir)))...)
	require.NoError(t, err)

	var reported atomic.Int32
	watchDone := make(chan error, 1)
	go func() {
		watchDone <- policy.WatchBundle(ctx, e, dir, 2*time.Millisecond, base, func(error) { reported.Add(1) })
	}()
	waitFor := func(rev string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second) // liveness only, not a speed target
		for e.BundleRevision() != rev {
			require.True(t, time.Now().Before(deadline), "revision %s never took force", rev)
			time.Sleep(time.Millisecond)
		}
	}

	// Workers check until the swaps are over, and at least 10,000 times.
	const workers, atLeast = 8, 10000
	var failed, mixed, checks atomic.Int64
	var wg sync.WaitGroup
	start, swapped := make(chan struct{}), make(chan struct{})
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				select {
				case <-swapped:
					if checks.Load() >= atLeast {
						return
					}
				default:
				}
				d, err := e.Check(ctx, "u", purpose.Support, policy.Operator)
				checks.Add(1)
				if err != nil || !d.Allowed {
					failed.Add(1)
					continue
				}
				var revs []string
				for _, o := range d.Obligations {
					if o.Code == "host_rev" || o.Code == "host_rev_again" {
						revs = append(revs, o.Clause)
					}
				}
				if len(revs) != 2 || revs[0] != revs[1] {
					mixed.Add(1)
				}
			}
		}()
	}
	close(start)
	for i := 1; i <= 20; i++ {
		rev := fmt.Sprintf("r%d", i)
		writeBundle(t, dir, revBundle(rev))
		waitFor(rev)
		if i == 10 {
			// A broken bundle: reported, the policy in force stays.
			broken := revBundle("broken")
			broken["privacy/host/rules.rego"] = &fstest.MapFile{Data: []byte("package privacy.host\n\nobligations contains {")}
			before := reported.Load()
			writeBundle(t, dir, broken)
			deadline := time.Now().Add(20 * time.Second)
			for reported.Load() == before {
				require.True(t, time.Now().Before(deadline), "broken bundle never reported")
				time.Sleep(time.Millisecond)
			}
			assert.Equal(t, rev, e.BundleRevision(), "a broken bundle keeps the policy in force")
		}
	}
	close(swapped)
	wg.Wait()
	cancel()
	assert.ErrorIs(t, <-watchDone, context.Canceled)
	assert.GreaterOrEqual(t, checks.Load(), int64(atLeast))
	assert.Zero(t, failed.Load(), "failed checks")
	assert.Zero(t, mixed.Load(), "decisions mixing two bundles")
	t.Logf("%d checks during 20 swaps, %d failed, %d mixed; %d load errors reported", checks.Load(), failed.Load(), mixed.Load(), reported.Load())
}
