package pgledger_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
	"github.com/yasam/privacy/disclosure/ledger/pgledger"
	"github.com/yasam/privacy/internal/cpuclock"
	"github.com/yasam/privacy/internal/pgtest"
)

func BenchmarkStore(b *testing.B) {
	ledgertest.Bench(b, func(b *testing.B) ledger.Store {
		s, _, _ := fresh(b)
		return s
	})
}

// BenchmarkWriters measures appends/s through one Ledger with 1, 4 and 16
// goroutines recording at once, as one instance of a service does: the
// Ledger groups the Records that arrive together into one append.
func BenchmarkWriters(b *testing.B) {
	for _, writers := range []int{1, 4, 16} {
		for _, wait := range []time.Duration{ledger.DefaultGroupWait, 0} {
			b.Run(fmt.Sprintf("writers=%d/groupwait=%v", writers, wait), func(b *testing.B) {
				benchWriters(b, writers, wait)
			})
		}
	}
}

func benchWriters(b *testing.B, writers int, wait time.Duration) {
	{
		{
			var backends backendCPU
			st, _, _ := fresh(b, pgtest.WithMaxConns(int32(writers)+2), backends.option)
			s := &countingStore{Store: st}
			l := ledger.New(s, ledger.WithGroupWait(wait))
			ctx := context.Background()
			var n atomic.Int64
			var wg sync.WaitGroup
			b.ReportAllocs()
			client, server := cpuclock.Self(), backends.cpu()
			b.ResetTimer()
			for w := range writers {
				wg.Go(func() {
					for n.Add(1) <= int64(b.N) {
						if err := record(ctx, l, fmt.Sprintf("user-%d", w)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			commits := float64(s.appends.Load())
			b.ReportMetric(float64(cpuclock.Self()-client)/commits/1e3, "client-cpu-µs/commit")
			b.ReportMetric(float64(backends.cpu()-server)/commits/1e3, "server-cpu-µs/commit")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
			b.ReportMetric(float64(b.N)/float64(s.appends.Load()), "entries/commit")
			b.ReportMetric(float64(s.inside.Load())/float64(s.appends.Load())/1e3, "µs-in-append")
			b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(s.appends.Load()), "µs/commit")
		}
	}
}

// backendCPU sums the CPU time of the PostgreSQL backends of a pool, read
// from /proc (the server runs on this machine; 0 where it does not): a
// figure the other processes on a shared box barely move, unlike the wall
// clock.
type backendCPU struct {
	mu   sync.Mutex
	pids []uint32
}

func (c *backendCPU) option(cfg *pgxpool.Config) {
	cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.pids = append(c.pids, conn.PgConn().PID())
		return nil
	}
}

// cpu is the backends' CPU time so far.
func (c *backendCPU) cpu() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum time.Duration
	for _, pid := range c.pids {
		if d, ok := cpuclock.Named(int(pid), "postgres"); ok {
			sum += d
		}
	}
	return sum
}

// countingStore counts the store appends (commits) a Ledger makes.
type countingStore struct {
	*pgledger.Store
	appends atomic.Int64 // commits: plain and chained appends
	chained atomic.Int64
	inside  atomic.Int64
}

// AppendChained counts the appends the Ledger hands to the store to chain
// (after another instance moved the head).
func (s *countingStore) AppendChained(ctx context.Context, es []ledger.Entry) ([]ledger.Entry, error) {
	s.appends.Add(1)
	s.chained.Add(1)
	t0 := time.Now()
	out, err := s.Store.AppendChained(ctx, es)
	s.inside.Add(int64(time.Since(t0)))
	return out, err
}

func (s *countingStore) Append(ctx context.Context, es []ledger.Entry) error {
	s.appends.Add(1)
	t0 := time.Now()
	err := s.Store.Append(ctx, es)
	s.inside.Add(int64(time.Since(t0)))
	return err
}

const (
	childEnv     = "PGLEDGER_CHILD_SCHEMA"
	childRunEnv  = "PGLEDGER_CHILD_FOR"
	twoProcsEnv  = "PGLEDGER_TWO_PROCESSES"
	childWriters = 4
)

// TestChildAppender is the other process of TestTwoProcesses: it records
// with childWriters goroutines for the time given and prints its count.
func TestChildAppender(t *testing.T) {
	schema := os.Getenv(childEnv)
	if schema == "" {
		t.Skip("child process of TestTwoProcesses")
	}
	d, err := time.ParseDuration(os.Getenv(childRunEnv))
	require.NoError(t, err)
	st, err := pgledger.New(context.Background(), pgtest.Pool(t, schema, pgtest.WithMaxConns(childWriters+2)))
	require.NoError(t, err)
	s := &countingStore{Store: st}
	l := ledger.New(s)
	ctx := context.Background()
	var n atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	for w := range childWriters {
		wg.Go(func() {
			for time.Now().Before(stop) {
				if err := record(ctx, l, fmt.Sprintf("user-%d", w)); err != nil {
					t.Error(err)
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	fmt.Printf("appended %d\n", n.Load())
	fmt.Printf("commits %d chained %d\n", s.appends.Load(), s.chained.Load())
}

// TestTwoProcesses runs two processes of childWriters writers each on one
// table for a few seconds and reports the appends/s they reached together;
// the chain they leave must verify, gapless and linear. It reports, it does
// not assert a speed. Run it with PGLEDGER_TWO_PROCESSES=1 (or a duration).
func TestTwoProcesses(t *testing.T) {
	run := os.Getenv(twoProcsEnv)
	if run == "" {
		t.Skip("set PGLEDGER_TWO_PROCESSES=1 (or a duration such as 5s) to run")
	}
	d, err := time.ParseDuration(run)
	if err != nil {
		d = 3 * time.Second
	}
	s, _, schema := fresh(t)
	var wg sync.WaitGroup
	counts := make([]int64, 2)
	var commits, chained atomic.Int64
	start := time.Now()
	for i := range counts {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestChildAppender$", "-test.count=1")
			cmd.Env = append(os.Environ(), childEnv+"="+schema, childRunEnv+"="+d.String())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("child %d: %v\n%s", i, err, out)
				return
			}
			sc := bufio.NewScanner(strings.NewReader(string(out)))
			for sc.Scan() {
				if v, ok := strings.CutPrefix(sc.Text(), "appended "); ok {
					counts[i], _ = strconv.ParseInt(v, 10, 64)
				}
				var c, ch int64
				if _, err := fmt.Sscanf(sc.Text(), "commits %d chained %d", &c, &ch); err == nil {
					commits.Add(c)
					chained.Add(ch)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	l := ledger.New(s)
	require.NoError(t, l.Verify(t.Context()))
	head, err := l.Head(t.Context())
	require.NoError(t, err)
	require.Equal(t, uint64(counts[0]+counts[1]), head.Seq, "every acknowledged append is on the chain, once")
	t.Logf("2 processes × %d writers: %d + %d appends in %v (process start-up included): %.0f appends/s, %.2f entries/commit, %.0f%% of commits chained by the store",
		childWriters, counts[0], counts[1], elapsed.Round(time.Millisecond), float64(head.Seq)/d.Seconds(),
		float64(head.Seq)/float64(max(commits.Load(), 1)), 100*float64(chained.Load())/float64(max(commits.Load(), 1)))
}
