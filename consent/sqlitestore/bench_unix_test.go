//go:build unix

package sqlitestore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/internal/cpuclock"
	"github.com/yasam/privacy/purpose"
)

// BenchmarkGroupCommit measures what group commit gains on one store:
// every round appends serially (one writer, gcSerial Appends) and then
// from gcWriters goroutines at once (gcWriters×gcPerWriter Appends), one
// event per Append as consenttest's Writers benchmarks do. Both phases
// thus share the moments, and the load, of a shared machine. Metrics:
// appends/s of each phase and their ratio; for the concurrent phase,
// Appends per commit (the mean group) and the process's CPU time (user +
// system, every thread, building the events included) per Append; the
// same CPU figure for the serial phase.
func BenchmarkGroupCommit(b *testing.B) {
	const (
		gcSerial    = 100
		gcWriters   = 16
		gcPerWriter = 100
	)
	s := open(b, filepath.Join(b.TempDir(), "c.db"))
	ctx := context.Background()
	var seq atomic.Int64
	at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	appendOne := func(user string) {
		k := seq.Add(1)
		e := consent.Grant(user, purpose.Payments, fmt.Sprintf("r-%d", k%16),
			at.Add(time.Duration(k)*time.Millisecond), consent.WithChannel(consent.ChannelMobileApp))
		if err := s.Append(ctx, e); err != nil {
			b.Error(err)
		}
	}
	var serialDur, groupDur, serialCPU, groupCPU time.Duration
	var commits, appends uint64
	b.ReportAllocs()
	for b.Loop() {
		cpu0, t0 := cpuclock.Self(), time.Now()
		for range gcSerial {
			appendOne("w0")
		}
		cpu1, t1 := cpuclock.Self(), time.Now()
		serialDur += t1.Sub(t0)
		serialCPU += cpu1 - cpu0
		st0 := s.Stats()
		var wg sync.WaitGroup
		for w := range gcWriters {
			wg.Go(func() {
				for range gcPerWriter {
					appendOne(fmt.Sprintf("w%d", w+1))
				}
			})
		}
		wg.Wait()
		cpu2, t2 := cpuclock.Self(), time.Now()
		groupDur += t2.Sub(t1)
		groupCPU += cpu2 - cpu1
		st1 := s.Stats()
		commits += st1.Commits - st0.Commits
		appends += st1.CommittedAppends - st0.CommittedAppends
	}
	serial := float64(b.N*gcSerial) / serialDur.Seconds()
	group := float64(b.N*gcWriters*gcPerWriter) / groupDur.Seconds()
	b.ReportMetric(serial, "serial-appends/s")
	b.ReportMetric(group, "16w-appends/s")
	b.ReportMetric(group/serial, "ratio")
	b.ReportMetric(float64(appends)/float64(max(commits, 1)), "appends/commit")
	b.ReportMetric(float64(serialCPU.Microseconds())/float64(b.N*gcSerial), "serial-cpu-µs/append")
	b.ReportMetric(float64(groupCPU.Microseconds())/float64(b.N*gcWriters*gcPerWriter), "16w-cpu-µs/append")
}
