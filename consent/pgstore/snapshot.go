package pgstore

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// snapColumn is the first column of the reads whose states may be brought
// forward later by a delta refresh: the snapshot the read saw.
const snapColumn = "pg_current_snapshot()::text, "

// maxOwn bounds the transactions a cached state's meta lists beyond its
// snapshot (this instance's own, and others' applied from their notified
// events); beyond it the state is brought forward by a delta refresh,
// which starts the list anew, and its Checks wait for that read. Only
// users that change often between two reads grow long lists: with the
// workload's hottest user written some 600 times a second, 1024 means a
// refresh every second or two instead of ten a second (at 64), for 8 KiB
// of list on each such user.
const maxOwn = 1024

// stateMeta says what a cached state holds: the events of every
// transaction snap sees, and those of own, this instance's transactions
// applied to it since (write-through). A state with no meta (nil) holds
// an unknown set and is read whole when it must change.
type stateMeta struct {
	snap *pgSnapshot
	own  []uint64
	// claimed counts the slots of own's backing array that some meta
	// uses: the first meta made from m may then add its transaction in
	// place, after m's, where the others copy. nil: own is not to be
	// written (a meta made before the list had room).
	claimed *atomic.Int64
}

// holds reports whether a state with meta m holds transaction xid's
// events (0: unknown, never held).
func (m *stateMeta) holds(xid uint64) bool {
	return xid != 0 && (m.snap.visible(xid) || slices.Contains(m.own, xid))
}

// withOwn returns m with xid among its own transactions, or nil when that
// would list more than maxOwn. m is unchanged: a state brought forward
// event by event makes a chain of metas, each the one before with one
// transaction more, which share one array (the first of them to add to
// m takes the slot after m's list; any other copies it), so the chain
// costs O(1) per transaction, not a copy of the list.
func (m *stateMeta) withOwn(xid uint64) *stateMeta {
	if m == nil || len(m.own) >= maxOwn {
		return nil
	}
	n := len(m.own)
	if m.claimed != nil && n < cap(m.own) && m.claimed.CompareAndSwap(int64(n), int64(n+1)) {
		// No meta uses slot n of the array: the one returned owns it.
		own := m.own[:n+1]
		own[n] = xid
		return &stateMeta{snap: m.snap, own: own, claimed: m.claimed}
	}
	own := make([]uint64, n+1, min(max(2*n, 8), maxOwn))
	copy(own, m.own)
	own[n] = xid
	claimed := new(atomic.Int64)
	claimed.Store(int64(n + 1))
	return &stateMeta{snap: m.snap, own: own, claimed: claimed}
}

// ownArg is m.own as the delta query's text[] parameter.
func (m *stateMeta) ownArg() []string {
	out := make([]string, len(m.own))
	for i, x := range m.own {
		out[i] = strconv.FormatUint(x, 10)
	}
	return out
}

// pgSnapshot is a pg_snapshot: transactions below xmin are finished, those
// from xmax on had not started, and of those between, the ones in xip
// were in progress. A transaction it sees committed before it was taken.
type pgSnapshot struct {
	text       string
	xmin, xmax uint64
	xip        []uint64
}

// parseSnapshot reads pg_snapshot's text form, xmin:xmax:xip,xip,...
func parseSnapshot(text string) (*pgSnapshot, error) {
	parts := strings.Split(text, ":")
	if len(parts) != 3 {
		return nil, errors.New("pgstore: malformed snapshot")
	}
	p := &pgSnapshot{text: text}
	var err1, err2 error
	p.xmin, err1 = strconv.ParseUint(parts[0], 10, 64)
	p.xmax, err2 = strconv.ParseUint(parts[1], 10, 64)
	if err1 != nil || err2 != nil || p.xmin > p.xmax {
		return nil, errors.New("pgstore: malformed snapshot")
	}
	if parts[2] != "" {
		for _, f := range strings.Split(parts[2], ",") {
			x, err := strconv.ParseUint(f, 10, 64)
			if err != nil || x < p.xmin || x >= p.xmax {
				return nil, errors.New("pgstore: malformed snapshot")
			}
			p.xip = append(p.xip, x)
		}
	}
	return p, nil
}

// visible reports whether transaction xid, if it committed, did so
// before the snapshot was taken (pg_visible_in_snapshot).
func (p *pgSnapshot) visible(xid uint64) bool {
	if p == nil {
		return false
	}
	if xid < p.xmin {
		return true
	}
	return xid < p.xmax && !slices.Contains(p.xip, xid)
}

// metaOf returns the meta of a state read at the snapshot whose text is
// snap (nil when it is empty or malformed: the state is then read whole
// when it must change).
func metaOf(snap string) *stateMeta {
	if snap == "" {
		return nil
	}
	p, err := parseSnapshot(snap)
	if err != nil {
		return nil
	}
	return &stateMeta{snap: p}
}

// metaAny is m as the cache keeps it: a nil *stateMeta becomes a nil
// interface, which the cache takes for "no meta".
func metaAny(m *stateMeta) any {
	if m == nil {
		return nil
	}
	return m
}
