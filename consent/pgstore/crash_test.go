package pgstore_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/purpose"
)

const (
	crashEnv     = "PGSTORE_CRASH_HELPER_SCHEMA"
	crashBatch   = 3
	crashWriters = 8
)

// TestCrashHelper is not a test: TestCrashKeepsAcknowledged runs it as a
// child process whose writers append concurrently (sharing group commits)
// until it is killed, printing the last event ID of every batch whose
// Append returned nil.
func TestCrashHelper(t *testing.T) {
	schema := os.Getenv(crashEnv)
	if schema == "" {
		t.Skip("helper process for TestCrashKeepsAcknowledged")
	}
	ctx := context.Background()
	s, err := pgstore.New(ctx, pgtest.Pool(t, schema), pgstore.WithChannel(schema))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	for w := range crashWriters {
		go func() {
			for i := 0; ; i++ {
				batch := make([]consent.Event, crashBatch)
				for j := range batch {
					batch[j] = consent.Grant(fmt.Sprintf("user-%d", w), purpose.Payments, fmt.Sprintf("r-%d", j), t0.Add(time.Duration(i)*time.Second),
						consent.WithID(fmt.Sprintf("w%d-b%d-e%d", w, i, j)))
				}
				if err := s.Append(ctx, batch...); err != nil {
					fmt.Fprintln(os.Stderr, "helper:", err)
					os.Exit(3)
				}
				mu.Lock()
				fmt.Println("ack", batch[crashBatch-1].ID)
				mu.Unlock()
			}
		}()
	}
	select {}
}

// TestCrashKeepsAcknowledged kills (SIGKILL) a process appending from many
// goroutines at once and shows that every batch it acknowledged is on
// record whole and that no batch is half-written.
func TestCrashKeepsAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process; skipped with -short")
	}
	_, schema := newStore(t) // migrates
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+schema)
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
			continue
		}
		acked = append(acked, id)
		if len(acked) == 300 && !killed {
			time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
		}
	}
	err = cmd.Wait()
	require.True(t, killed, "child exited before it was killed: %v", err)

	s := openOn(t, schema)
	have := map[string]bool{}
	for w := range crashWriters {
		h, err := s.History(t.Context(), fmt.Sprintf("user-%d", w))
		require.NoError(t, err)
		assert.Zero(t, len(h)%crashBatch, "user-%d has %d events: a batch was half-written", w, len(h))
		for _, e := range h {
			have[e.ID] = true
		}
	}
	for _, id := range acked {
		prefix := strings.TrimSuffix(id, fmt.Sprintf("-e%d", crashBatch-1))
		for j := range crashBatch {
			assert.True(t, have[fmt.Sprintf("%s-e%d", prefix, j)], "acknowledged batch %s lost event %d", prefix, j)
		}
	}
	t.Logf("%d batches acknowledged before the kill, %d events on record", len(acked), len(have))
}
