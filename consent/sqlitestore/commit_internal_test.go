package sqlitestore

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// BenchmarkCommitGroup commits groups of a fixed size, one event per
// batch and a subject per batch, as 16 concurrent writers' groups are,
// straight through the group's commit: the cost of the serial part of
// group commit, per event, with no scheduling in the figure. ns/event
// includes the fsync; run it under valgrind --tool=cachegrind for a
// load-independent instruction count. wal-frames/event, also independent
// of the load, counts the pages the commits wrote to the WAL (read from
// the WAL index; not reported where it is not mapped).
func BenchmarkCommitGroup(b *testing.B) {
	for _, size := range []int{1, 16} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(ctx, filepath.Join(b.TempDir(), "c.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
			batches := make([][]consent.Event, size)
			k := 0
			var frames int64
			framesOK := true
			b.ReportAllocs()
			for b.Loop() {
				h0, ok0 := s.watch.walHeader()
				for i := range batches {
					k++
					batches[i] = []consent.Event{consent.Grant(fmt.Sprintf("w%d", i), purpose.Payments,
						fmt.Sprintf("r-%d", k%16), at.Add(time.Duration(k)*time.Millisecond),
						consent.WithChannel(consent.ChannelMobileApp))}
				}
				_, errs := s.commitGroup(ctx, batches)
				for _, err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
				h1, ok1 := s.watch.walHeader()
				n, ok := walFramesAdded(h0, h1)
				framesOK = framesOK && ok0 && ok1 && ok
				frames += n
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/event")
			if framesOK {
				b.ReportMetric(float64(frames)/float64(b.N*size), "wal-frames/event")
			}
		})
	}
}

// walFramesAdded returns how many frames were appended to the WAL between
// two readings of the WAL-index header: the difference of their mxFrame,
// or all of the second's when the WAL was restarted in between (new salt
// values). ok is false when a header reads as uninitialised.
func walFramesAdded(before, after [48]byte) (n int64, ok bool) {
	mx := func(h [48]byte) int64 { return int64(binary.NativeEndian.Uint32(h[16:20])) }
	if before[12] == 0 || after[12] == 0 {
		return 0, false
	}
	if [8]byte(before[32:40]) != [8]byte(after[32:40]) {
		return mx(after), true
	}
	return mx(after) - mx(before), mx(after) >= mx(before)
}

// TestCommitGroupPaths commits groups through the fast path (every row
// new) and through the careful one (a repeat, a conflict) and checks that
// both return the highest seq on record as every batch's position, and
// that a conflicting batch fails alone. (Rows skipped as repeats may use
// up seq numbers: positions grow, not necessarily by one.)
func TestCommitGroupPaths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	require.NoError(t, err)
	defer s.Close()
	at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	ev := func(id, user string) consent.Event {
		return consent.Grant(user, purpose.Payments, "r", at, consent.WithID(id))
	}
	maxSeq := func(t *testing.T) int64 {
		var seq int64
		require.NoError(t, s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM consent_events").Scan(&seq))
		return seq
	}
	tests := []struct {
		name     string
		batches  [][]consent.Event
		conflict []bool // per batch
		newRows  int64  // rows the group adds
	}{
		{name: "all new (fast path)", batches: [][]consent.Event{
			{ev("a1", "u1")}, {ev("a2", "u2"), ev("a3", "u2")}, {ev("a4", "u3"), ev("a5", "u3"), ev("a6", "u3")},
		}, conflict: []bool{false, false, false}, newRows: 6},
		{name: "a repeat among new rows", batches: [][]consent.Event{
			{ev("a1", "u1"), ev("b1", "u1")}, {ev("b2", "u4")},
		}, conflict: []bool{false, false}, newRows: 2},
		{name: "the same new event in two batches", batches: [][]consent.Event{
			{ev("c1", "u5")}, {ev("c1", "u5")},
		}, conflict: []bool{false, false}, newRows: 1},
		{name: "a conflict fails its batch alone", batches: [][]consent.Event{
			{ev("d1", "u6")}, {ev("a2", "someone else")}, {ev("d2", "u7")},
		}, conflict: []bool{false, true, false}, newRows: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, prev := s.Stats(), maxSeq(t)
			var rows int64
			require.NoError(t, s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM consent_events").Scan(&rows))
			seqs, errs := s.commitGroup(ctx, tt.batches)
			require.Len(t, errs, len(tt.batches))
			var rowsAfter int64
			require.NoError(t, s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM consent_events").Scan(&rowsAfter))
			require.Equal(t, rows+tt.newRows, rowsAfter)
			want := maxSeq(t)
			require.GreaterOrEqual(t, want, prev+tt.newRows)
			ok := uint64(0)
			for i, err := range errs {
				if tt.conflict[i] {
					assert.ErrorIs(t, err, consent.ErrConflict, "batch %d", i)
					continue
				}
				require.NoError(t, err, "batch %d", i)
				assert.Equal(t, want, seqs[i], "batch %d", i)
				ok++
			}
			after := s.Stats()
			assert.Equal(t, before.Commits+1, after.Commits)
			assert.Equal(t, before.CommittedAppends+ok, after.CommittedAppends)
		})
	}
}
