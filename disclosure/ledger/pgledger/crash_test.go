package pgledger_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/pgledger"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/purpose"
)

const crashEnv = "PGLEDGER_CRASH_SCHEMA"

// TestCrashChild is the process TestKilledWriters kills: 4 writers record
// until it dies, and print every entry they were told is recorded.
func TestCrashChild(t *testing.T) {
	schema := os.Getenv(crashEnv)
	if schema == "" {
		t.Skip("child process of TestKilledWriters")
	}
	st, err := pgledger.New(context.Background(), pgtest.Pool(t, schema, pgtest.WithMaxConns(childWriters+2)))
	require.NoError(t, err)
	l := ledger.New(st)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range childWriters {
		wg.Go(func() {
			for {
				subject := fmt.Sprintf("user-%d", w)
				e, err := l.Record(context.Background(), subject, allow(subject),
					ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				fmt.Printf("recorded %d %x\n", e.Seq, e.Hash[:])
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestKilledWriters kills a process of 4 recording writers (SIGKILL, at
// whatever point of an append it is) three times over, after a different
// number of Records each time, and checks that the chain verifies and
// holds every entry a Record returned, with the hash it returned, and
// that a Ledger appends after it.
func TestKilledWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	t.Parallel()
	s, _, schema := fresh(t)
	acked := map[uint64]string{}
	for _, after := range []int{1, 40, 150} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+schema)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			var seq uint64
			var h string
			if _, err := fmt.Sscanf(sc.Text(), "recorded %d %s", &seq, &h); err != nil {
				continue
			}
			acked[seq] = h
			if n++; n == after {
				require.NoError(t, cmd.Process.Kill())
			}
		}
		_ = cmd.Wait() // killed
		require.GreaterOrEqual(t, n, after, "the child recorded before it was killed: %s", stderr.String())
	}
	l := ledger.New(s)
	require.NoError(t, l.Verify(t.Context()))
	got := map[uint64]string{}
	for e, err := range s.Scan(t.Context(), 1) {
		require.NoError(t, err)
		got[e.Seq] = hex.EncodeToString(e.Hash[:])
	}
	for seq, h := range acked {
		assert.Equal(t, h, got[seq], "recorded entry %d is on the chain as returned", seq)
	}
	require.NoError(t, record(t.Context(), l, "user-1"))
	require.NoError(t, l.Verify(t.Context()))
	t.Logf("%d entries recorded and returned before the kills, %d on the chain", len(acked), len(got))
}
