package cpuclock_test

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/yasam/privacy/internal/cpuclock"
)

// spin burns about d of CPU on this goroutine.
func spin(d time.Duration) {
	var x uint64
	for start := time.Now(); time.Since(start) < d; {
		for i := range 10000 {
			x += uint64(i) * x
		}
	}
	runtime.KeepAlive(x)
}

func TestSelfCountsWork(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "freebsd" {
		t.Skip("no CPU clock read here")
	}
	before := cpuclock.Self()
	spin(50 * time.Millisecond)
	if got := cpuclock.Self() - before; got < 10*time.Millisecond {
		t.Fatalf("Self grew by %v over 50 ms of spinning", got)
	}
}

// Process reads a busy single-threaded child's CPU time as it grows, and
// nothing once the child is gone.
func TestProcessReadsAChild(t *testing.T) {
	if _, err := os.Stat("/proc/self/schedstat"); err != nil {
		t.Skip("no /proc schedstat here")
	}
	cmd := exec.Command("sh", "-c", "while :; do :; done")
	if err := cmd.Start(); err != nil {
		t.Skip("no shell to run: ", err)
	}
	pid := cmd.Process.Pid
	defer cmd.Wait()
	defer cmd.Process.Kill()
	first, ok := cpuclock.Process(pid)
	if !ok {
		t.Fatal("Process of a running child: not read")
	}
	var last time.Duration
	for deadline := time.Now().Add(10 * time.Second); last < first+20*time.Millisecond; {
		if time.Now().After(deadline) {
			t.Fatalf("a busy child's CPU time stayed at %v (from %v) for 10 s", last, first)
		}
		time.Sleep(10 * time.Millisecond)
		if last, ok = cpuclock.Process(pid); !ok {
			t.Fatal("Process of a running child: not read")
		}
	}
	if _, ok := cpuclock.Named(pid, "sh"); !ok {
		t.Fatal(`Named(child, "sh"): not read`)
	}
	if _, ok := cpuclock.Named(pid, "postgres"); ok {
		t.Fatal(`Named(child, "postgres"): read a shell as a backend`)
	}
	if all := cpuclock.All(); all[pid] < last {
		t.Fatalf("All has %v for the child, below an earlier reading %v", all[pid], last)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, ok := cpuclock.Process(pid); ok {
		t.Fatal("Process of a child reaped: read")
	}
	if _, ok := cpuclock.Process(-1); ok {
		t.Fatal("Process(-1) read")
	}
}
