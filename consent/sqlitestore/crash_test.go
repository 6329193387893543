package sqlitestore_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/purpose"
)

const (
	crashEnv     = "SQLITESTORE_CRASH_HELPER_DB"
	crashRound   = "SQLITESTORE_CRASH_HELPER_ROUND"
	crashBatch   = 5 // events per batch
	crashUsers   = 7
	crashWriters = 8 // concurrent Appends, so that group commits are killed too
)

// TestHelperProcess is not a test: TestCrashSafety runs the test binary
// again with it, as a child process whose writers append batches to a file
// concurrently (so that many share a commit) until it is killed, and
// prints the last event ID of every batch whose Append returned nil.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	round := os.Getenv(crashRound)
	ctx := context.Background()
	s, err := sqlitestore.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	for w := range crashWriters {
		go func() {
			for i := 0; ; i++ {
				user := fmt.Sprintf("user-%d", (w+i)%crashUsers)
				batch := make([]consent.Event, crashBatch)
				for j := range batch {
					batch[j] = consent.Grant(user, purpose.Payments, fmt.Sprintf("r-%d", j), at.Add(time.Duration(i)*time.Second),
						consent.WithID(fmt.Sprintf("r%s-w%d-b%d-e%d", round, w, i, j)),
						consent.WithEvidence(strings.Repeat("x", 200))) // bigger rows, more pages per commit
				}
				if err := s.Append(ctx, batch...); err != nil {
					fmt.Fprintln(os.Stderr, "helper:", err)
					os.Exit(3)
				}
				// os.Stdout is unbuffered: the line is in the pipe
				// before this writer's next Append starts.
				mu.Lock()
				fmt.Println("ack", batch[crashBatch-1].ID)
				mu.Unlock()
			}
		}()
	}
	select {}
}

// TestCrashSafety kills a writer mid-stream (SIGKILL, no chance to clean
// up) and shows that every batch it had acknowledged is on disk in full and
// that no batch is half-written.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	var acked []string
	for round := range 3 {
		acked = append(acked, crashOnce(t, path, round, 100+round*60)...)
	}

	s, err := sqlitestore.Open(t.Context(), path)
	require.NoError(t, err, "the file must reopen after a crash")
	defer s.Close()
	have := map[string]bool{}
	total := 0
	for u := range crashUsers {
		h, err := s.History(t.Context(), fmt.Sprintf("user-%d", u))
		require.NoError(t, err)
		assert.Zero(t, len(h)%crashBatch, "user-%d has %d events: a batch was half-written", u, len(h))
		for _, e := range h {
			have[e.ID] = true
		}
		total += len(h)
	}
	for _, id := range acked {
		// The acknowledged ID is a batch's last event; the whole batch
		// must be there.
		prefix := strings.TrimSuffix(id, fmt.Sprintf("-e%d", crashBatch-1))
		for j := range crashBatch {
			assert.True(t, have[fmt.Sprintf("%s-e%d", prefix, j)], "acknowledged batch %s lost event %d", prefix, j)
		}
	}
	t.Logf("%d batches acknowledged over 3 kills, %d events on disk (%d batches)", len(acked), total, total/crashBatch)
	require.GreaterOrEqual(t, total/crashBatch, len(acked))
}

func crashOnce(t *testing.T, path string, round, kill int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, fmt.Sprintf("%s=%d", crashRound, round))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var acked []string
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		id, ok := strings.CutPrefix(sc.Text(), "ack ")
		if !ok {
			continue // the test framework's own lines
		}
		acked = append(acked, id)
		if len(acked) == kill && !killed {
			// Somewhere inside the next Append, not right after an ack.
			time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
			// Keep reading: lines already in the pipe were printed
			// after their Append returned, so they count too.
		}
	}
	err = cmd.Wait()
	require.True(t, killed, "child exited before it was killed: %v", err)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	ws, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "child ended by %v, not SIGKILL", err)
	return acked
}
