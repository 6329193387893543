package cpuclock

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Process returns the CPU time process pid has run so far, in
// nanoseconds as the scheduler counts it (Linux /proc/<pid>/schedstat),
// and whether it could be read: false for a process that is gone, or
// where there is no /proc. It counts the process's main thread only: all
// of a single-threaded process, such as a PostgreSQL backend; use [Self]
// for this process. A PID learnt from elsewhere (a server on another
// machine or in another PID namespace) may name an unrelated process
// here: [Named] checks the name first.
func Process(pid int) (time.Duration, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return 0, false
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || ns < 0 {
		return 0, false
	}
	return time.Duration(ns), true
}

// Named is [Process] of pid if its command name (Linux /proc/<pid>/comm)
// is comm, as a PostgreSQL backend's is "postgres"; false otherwise.
func Named(pid int, comm string) (time.Duration, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || strings.TrimSpace(string(raw)) != comm {
		return 0, false
	}
	return Process(pid)
}

// All returns [Process] of every process of the machine that can be
// read, by PID; empty where there is no /proc.
func All() map[int]time.Duration {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return map[int]time.Duration{}
	}
	out := make(map[int]time.Duration, len(ents))
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if d, ok := Process(pid); ok {
			out[pid] = d
		}
	}
	return out
}
