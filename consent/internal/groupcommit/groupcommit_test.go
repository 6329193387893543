package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEveryCallGetsItsOwnResult(t *testing.T) {
	var groups, biggest atomic.Int64
	bad := errors.New("odd")
	g := New(func(ctx context.Context, items []int) ([]string, []error) {
		groups.Add(1)
		if n := int64(len(items)); n > biggest.Load() {
			biggest.Store(n)
		}
		time.Sleep(time.Millisecond) // an fsync
		res := make([]string, len(items))
		errs := make([]error, len(items))
		for i, it := range items {
			res[i] = fmt.Sprint("r", it)
			if it%7 == 0 {
				errs[i] = bad
			}
		}
		return res, errs
	}, 8, time.Second)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			r, err := g.Do(context.Background(), i)
			if i%7 == 0 {
				assert.ErrorIs(t, err, bad)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, fmt.Sprint("r", i), r)
		})
	}
	wg.Wait()
	t.Logf("200 calls in %d groups, largest %d", groups.Load(), biggest.Load())
	assert.Less(t, groups.Load(), int64(200), "no call shared a group")
	assert.LessOrEqual(t, biggest.Load(), int64(8))
}

func TestCanceledWhileQueuedIsNotWritten(t *testing.T) {
	release := make(chan struct{})
	var written sync.Map
	g := New(func(ctx context.Context, items []int) ([]int, []error) {
		for _, it := range items {
			written.Store(it, true)
		}
		if items[0] == 0 {
			<-release
		}
		return items, make([]error, len(items))
	}, 8, time.Second)
	leaderDone := make(chan struct{})
	go func() { defer close(leaderDone); g.Do(context.Background(), 0) }()
	require.Eventually(t, func() bool { _, ok := written.Load(0); return ok }, time.Second, time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { _, err := g.Do(ctx, 1); errc <- err }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	close(release)
	<-leaderDone
	_, ok := written.Load(1)
	assert.False(t, ok, "a call dropped from the queue was written")
	// The group still works.
	r, err := g.Do(context.Background(), 2)
	require.NoError(t, err)
	assert.Equal(t, 2, r)
}

// TestGatherCountsCallsQueuedDuringCommit shows what the next leader
// waits for: the last group's size plus the calls that queued while it
// committed (they were as concurrent), not the group's size alone.
func TestGatherCountsCallsQueuedDuringCommit(t *testing.T) {
	release := make(chan struct{})
	var commits atomic.Int64
	g := New(func(ctx context.Context, items []int) ([]int, []error) {
		commits.Add(1)
		<-release
		return items, make([]error, len(items))
	}, 16, time.Second)
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = g.Do(context.Background(), 0) })
	require.Eventually(t, func() bool { return commits.Load() == 1 }, 5*time.Second, time.Millisecond)
	for i := 1; i <= 3; i++ {
		wg.Go(func() { _, _ = g.Do(context.Background(), i) })
	}
	queued := func() int { g.mu.Lock(); defer g.mu.Unlock(); return len(g.queue) }
	require.Eventually(t, func() bool { return queued() == 3 }, 5*time.Second, time.Millisecond)
	release <- struct{}{} // the first group (1 call) commits
	require.Eventually(t, func() bool { return commits.Load() == 2 }, 5*time.Second, time.Millisecond)
	g.mu.Lock()
	last := g.last
	g.mu.Unlock()
	assert.Equal(t, 4, last, "one committed plus three queued meanwhile")
	close(release)
	wg.Wait()
}
