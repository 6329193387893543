package ledger_test

import (
	"context"
	"errors"
	"iter"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
	"github.com/yasam/privacy/purpose"
)

// rollbackStore is a ChainAppender (as sqliteledger and pgledger are)
// whose storage can be rolled back to an earlier state: a restored
// backup, a failover to a replica that lagged.
type rollbackStore struct {
	mu  sync.Mutex
	cur *ledger.MemoryStore
}

func (r *rollbackStore) s() *ledger.MemoryStore { r.mu.Lock(); defer r.mu.Unlock(); return r.cur }
func (r *rollbackStore) Append(ctx context.Context, es []ledger.Entry) error {
	return r.s().Append(ctx, es)
}
func (r *rollbackStore) AppendChained(ctx context.Context, es []ledger.Entry) ([]ledger.Entry, error) {
	return r.s().AppendChained(ctx, es)
}
func (r *rollbackStore) Head(ctx context.Context) (ledger.Head, error) { return r.s().Head(ctx) }
func (r *rollbackStore) Scan(ctx context.Context, from uint64) iter.Seq2[ledger.Entry, error] {
	return r.s().Scan(ctx, from)
}
func (r *rollbackStore) Subject(ctx context.Context, s string) ([]ledger.Entry, error) {
	return r.s().Subject(ctx, s)
}

// rollback keeps the first n entries only.
func (r *rollbackStore) rollback(t *testing.T, n uint64) {
	old := r.s()
	fresh := ledger.NewMemoryStore()
	var keep []ledger.Entry
	for e, err := range old.Scan(context.Background(), 1) {
		require.NoError(t, err)
		if e.Seq <= n {
			keep = append(keep, e)
		}
	}
	require.NoError(t, fresh.Append(context.Background(), keep))
	r.mu.Lock()
	r.cur = fresh
	r.mu.Unlock()
}

// TestRollbackNeverChainsOverAnAcknowledgedEntry: after the storage is
// rolled back past an acknowledged entry, the next Record, which meets a
// conflict, fails with a TamperError and writes nothing: on a store that
// chains batches itself it used to have its entry chained in the place of
// the acknowledged one first.
func TestRollbackNeverChainsOverAnAcknowledgedEntry(t *testing.T) {
	ctx := context.Background()
	rs := &rollbackStore{cur: ledger.NewMemoryStore()}
	l := ledger.New(rs, ledger.WithGroupWait(0))
	d := ledgertest.AllowsFor(t, "alice", "bank-1")["bank-1"]
	rec := func(ref string) (ledger.Entry, error) {
		return l.Record(ctx, "alice", d, ledger.WithCategories(purpose.PaymentDetails),
			ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithReference(ref))
	}
	_, err := rec("one")
	require.NoError(t, err)
	acked, err := rec("two")
	require.NoError(t, err)
	rs.rollback(t, 1) // entry 2, acknowledged, is gone

	_, recErr := rec("three")
	err = recErr
	var te *ledger.TamperError
	require.True(t, errors.As(err, &te), "Record after the rollback: %v", err)

	head, err := rs.Head(ctx)
	require.NoError(t, err)
	if head.Seq >= acked.Seq && head.Hash != acked.Hash {
		var got ledger.Entry
		for e := range rs.Scan(ctx, acked.Seq) {
			got = e
			break
		}
		t.Fatalf("Record failed (%v), yet the store now holds its entry (reference %q) as entry %d, in the place of the acknowledged entry %q",
			recErr, got.Reference, got.Seq, acked.Reference)
	}
}
