package sqliteledger_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/sqliteledger"
	"github.com/yasam/privacy/purpose"
)

const crashEnv = "SQLITELEDGER_CRASH_HELPER_DB"

// TestHelperProcess is not a test: TestCrashSafety runs the test binary
// again with it, as a child that records disclosures until it is killed
// and prints the head after every Record that returned.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	ctx := context.Background()
	s, err := sqliteledger.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	l := ledger.New(s)
	for i := 0; ; i++ {
		subject := fmt.Sprintf("user-%d", i%7)
		e, err := l.Record(ctx, subject, allow(subject),
			ledger.WithRecipientKind(disclosure.ThirdParty),
			ledger.WithCategories(purpose.PaymentDetails, purpose.Identity),
			ledger.WithReference(strings.Repeat("r", 200))) // bigger rows, more pages per commit
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(3)
		}
		fmt.Println("ack", e.Seq, e.Hash)
	}
}

// TestCrashSafety kills a recording process mid-stream (SIGKILL) three
// times and shows that the chain reopens intact and holds every entry whose
// Record returned: the last acknowledged head verifies as an anchor.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	path := filepath.Join(t.TempDir(), "ledger.db")
	var anchors []ledger.Head
	for round := range 3 {
		anchors = append(anchors, crashOnce(t, path, 20+round*15))
	}
	s, err := sqliteledger.Open(t.Context(), path)
	require.NoError(t, err, "the file must reopen after a crash")
	defer s.Close()
	l := ledger.New(s)
	require.NoError(t, l.Verify(t.Context(), anchors...), "acknowledged entries lost or chain broken")
	head, err := l.Head(t.Context())
	require.NoError(t, err)
	require.GreaterOrEqual(t, head.Seq, anchors[len(anchors)-1].Seq)
	t.Logf("chain of %d entries verified against %d anchors after 3 kills", head.Seq, len(anchors))
}

// crashOnce runs one child, kills it after about kill acknowledgements and
// returns the last head it acknowledged.
func crashOnce(t *testing.T, path string, kill int) ledger.Head {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var last ledger.Head
	acks, killed := 0, false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "ack" {
			continue // the test framework's own lines
		}
		seq, err := strconv.ParseUint(f[1], 10, 64)
		require.NoError(t, err)
		var h ledger.Hash
		require.NoError(t, h.UnmarshalText([]byte(f[2])))
		last = ledger.Head{Seq: seq, Hash: h}
		if acks++; acks == kill && !killed {
			time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond) // inside the next Record
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
		}
	}
	err = cmd.Wait()
	require.True(t, killed, "child exited before it was killed: %v", err)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	ws, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "child ended by %v, not SIGKILL", err)
	return last
}
