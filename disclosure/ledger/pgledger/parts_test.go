package pgledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/internal/ledgerrow"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/purpose"
)

// BenchmarkCommitParts splits one serial append of k entries into the
// time before the chain's lock is granted (client encoding, network,
// server start) and the time from the grant to the reply (the insert, the
// commit's WAL flush, the reply): the second is what every other append
// of the chain waits for. The server's clock_timestamp() and the client's
// clock are the same machine's clock.
func BenchmarkCommitParts(b *testing.B) {
	for _, sync := range []string{"on", "off"} {
		for _, k := range []int{1, 4, 16} {
			b.Run(fmt.Sprintf("synchronous_commit=%s/entries=%d", sync, k), func(b *testing.B) {
				pool, _ := pgtest.New(b, pgtest.WithMaxConns(2), func(c *pgxpool.Config) {
					c.ConnConfig.RuntimeParams["synchronous_commit"] = sync
				})
				s, err := New(context.Background(), pool, WithMigrate())
				require.NoError(b, err)
				ctx := context.Background()
				var head ledger.Head
				var pre, under time.Duration
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					es := make([]ledger.Entry, k)
					prev := head
					for i := range es {
						e := ledger.Entry{Seq: prev.Seq + 1, At: time.Now().UTC(), Subject: "user-1", Purpose: "payments", Recipient: "bank-1",
							RecipientKind: disclosure.ThirdParty, Categories: []purpose.Category{purpose.Identity},
							Basis: []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}}, PolicyVersion: "v1", PrevHash: prev.Hash}
						e.Hash = e.ComputeHash()
						es[i], prev = e, e.Head()
					}
					args, err := appendArgs(es, s.lock)
					require.NoError(b, err)
					batch := &pgx.Batch{}
					batch.Queue("SELECT pg_advisory_xact_lock($1)", s.lock)
					batch.Queue("SELECT clock_timestamp()")
					batch.Queue(s.appendSQL, args...)
					t0 := time.Now()
					res := pool.SendBatch(ctx, batch)
					_, err = res.Exec()
					require.NoError(b, err)
					var locked time.Time
					require.NoError(b, res.QueryRow().Scan(&locked))
					tag, err := res.Exec()
					require.NoError(b, err)
					require.NoError(b, res.Close())
					t1 := time.Now()
					require.EqualValues(b, k, tag.RowsAffected())
					pre += locked.Sub(t0)
					under += t1.Sub(locked)
					head = prev
				}
				b.ReportMetric(float64(pre.Microseconds())/float64(b.N), "µs-before-lock")
				b.ReportMetric(float64(under.Microseconds())/float64(b.N), "µs-lock-to-reply")
			})
		}
	}
}

// BenchmarkPipelineBound appends batches of k entries with depth batches
// in flight on as many connections, from one goroutine that never waits
// for anything else: the bound pipelining could reach, without any Ledger
// around it. A batch sent second may take the chain's lock first (the
// server runs the two connections' backends in any order); it is then
// refused by the compare, counted, and sent again once its predecessor has
// committed.
func BenchmarkPipelineBound(b *testing.B) {
	for _, depth := range []int{1, 2} {
		for _, k := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("depth=%d/entries=%d", depth, k), func(b *testing.B) {
				pool, _ := pgtest.New(b, pgtest.WithMaxConns(int32(depth)+1))
				s, err := New(context.Background(), pool, WithMigrate())
				require.NoError(b, err)
				ctx := context.Background()
				conns := make([]*pgxpool.Conn, depth)
				for i := range conns {
					conns[i], err = pool.Acquire(ctx)
					require.NoError(b, err)
					defer conns[i].Release()
				}
				for _, c := range conns { // prepare the statements on every connection
					args, err := appendArgs([]ledger.Entry{{Seq: 99, At: time.Now()}}, s.lock)
					require.NoError(b, err)
					batch := &pgx.Batch{}
					batch.Queue("SELECT pg_advisory_xact_lock($1)", s.lock)
					batch.Queue(s.appendSQL, args...)
					require.NoError(b, c.SendBatch(ctx, batch).Close())
				}
				var head ledger.Head
				next := func() *pgx.Batch {
					es := make([]ledger.Entry, k)
					for i := range es {
						e := ledger.Entry{Seq: head.Seq + 1, At: time.Now().UTC(), Subject: "user-1", Purpose: "payments", Recipient: "bank-1",
							RecipientKind: disclosure.ThirdParty, Categories: []purpose.Category{purpose.Identity},
							Basis: []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}}, PolicyVersion: "v1", PrevHash: head.Hash}
						e.Hash = e.ComputeHash()
						es[i], head = e, e.Head()
					}
					args, err := appendArgs(es, s.lock)
					require.NoError(b, err)
					batch := &pgx.Batch{}
					batch.Queue("SELECT pg_advisory_xact_lock($1)", s.lock)
					batch.Queue(s.appendSQL, args...)
					return batch
				}
				inflight := make([]pgx.BatchResults, depth)
				sent := make([]*pgx.Batch, depth)
				commits, refused := 0, 0
				read := func(res pgx.BatchResults) int64 {
					_, err := res.Exec()
					require.NoError(b, err)
					tag, err := res.Exec()
					require.NoError(b, err)
					require.NoError(b, res.Close())
					return tag.RowsAffected()
				}
				b.ResetTimer()
				for commits < b.N {
					for i := range inflight {
						if inflight[i] == nil {
							sent[i] = next()
							inflight[i] = conns[i].SendBatch(ctx, sent[i])
						}
					}
					for i := range inflight {
						// Its predecessor has committed: a refused batch
						// got the lock before it, and is sent again.
						for read(inflight[i]) != int64(k) {
							refused++
							inflight[i] = conns[i].SendBatch(ctx, sent[i])
						}
						commits++
						sent[i] = next()
						inflight[i] = conns[i].SendBatch(ctx, sent[i])
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(refused)/float64(commits), "refused/commit")
				b.ReportMetric(float64(commits*k)/b.Elapsed().Seconds(), "appends/s")
				for _, res := range inflight { // the last ones, refused or not
					_ = res.Close()
				}
				h, err := s.Head(ctx)
				require.NoError(b, err)
				require.GreaterOrEqual(b, h.Seq, uint64(commits*k))
			})
		}
	}
}

// appendArgs are the append statement's arguments for pgx, as the store
// passed them before it encoded them itself (see encoder): what the
// diagnostic benchmarks send.
func appendArgs(entries []ledger.Entry, lock int64) ([]any, error) {
	n := len(entries)
	var (
		seq, atS                                           = make([]int64, n), make([]int64, n)
		atNS                                               = make([]int32, n)
		subj, purp, rcpt, kind, cats, basis, exc, ver, ref = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		did                                                = make([]string, n)
		prev, hash                                         = make([][]byte, n), make([][]byte, n)
	)
	for i, e := range entries {
		c, bs, err := ledgerrow.Lists("pgledger", e)
		if err != nil {
			return nil, err
		}
		seq[i], atS[i], atNS[i] = int64(e.Seq), e.At.Unix(), int32(e.At.Nanosecond())
		subj[i], purp[i], rcpt[i], kind[i] = e.Subject, string(e.Purpose), e.Recipient, string(e.RecipientKind)
		cats[i], basis[i], exc[i], ver[i], ref[i] = string(c), string(bs), string(e.Exception), e.PolicyVersion, e.Reference
		did[i], prev[i], hash[i] = e.DecisionID, e.PrevHash[:], e.Hash[:]
	}
	// The head the batch continues: for the empty chain, entry 0 with a
	// hash of zeros, which the statement's coalesce stands for.
	first := entries[0]
	return []any{seq, atS, atNS, subj, purp, rcpt, kind, cats, basis, exc, ver, ref, did, prev, hash,
		int64(first.Seq - 1), first.PrevHash[:], lock}, nil
}

// BenchmarkEncode compares, for a batch of 4 entries, the store's own
// binary encoding of the append statement's parameters with what it did
// before: build pgx arguments and let pgx encode them (binary, by the
// parameters' types, as pgx does for a prepared statement). Client CPU
// only, so the box's other load barely moves it.
func BenchmarkEncode(b *testing.B) {
	es := make([]ledger.Entry, 4)
	var prev ledger.Head
	for i := range es {
		e := ledger.Entry{Seq: prev.Seq + 1, At: time.Now().UTC(), Subject: fmt.Sprintf("user-%d", i), Purpose: "payments", Recipient: "halyk-bank",
			RecipientKind: disclosure.ThirdParty, Categories: []purpose.Category{purpose.Identity},
			Basis: []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}}, PolicyVersion: "v1",
			DecisionID: "1c9e5a7b-3f20-8d41-8000-000000000001", PrevHash: prev.Hash}
		e.Hash = e.ComputeHash()
		es[i], prev = e, e.Head()
	}
	oids := []uint32{pgtype.Int8ArrayOID, pgtype.Int8ArrayOID, pgtype.Int4ArrayOID,
		pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID,
		pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.ByteaArrayOID, pgtype.ByteaArrayOID,
		pgtype.Int8OID, pgtype.ByteaOID, pgtype.Int8OID}
	b.Run("pgx", func(b *testing.B) {
		m := pgtype.NewMap()
		b.ReportAllocs()
		for b.Loop() {
			args, err := appendArgs(es, 42)
			if err != nil {
				b.Fatal(err)
			}
			var buf []byte
			for i, a := range args {
				if buf, err = m.Encode(oids[i], pgtype.BinaryFormatCode, a, buf); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("own", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			enc := encoders.Get().(*encoder)
			enc.encode(es, 42)
			encoders.Put(enc)
		}
	})
}

// TestEncodeAsPgx: the store's encoding of the parameters is byte for
// byte what pgx writes for the same values.
func TestEncodeAsPgx(t *testing.T) {
	es := []ledger.Entry{
		{Seq: 7, At: time.Date(1960, 1, 2, 3, 4, 5, 999, time.UTC), Subject: "Пользователь", Purpose: "p", Recipient: "r",
			RecipientKind: disclosure.StateBody, Categories: []purpose.Category{"a", "<b>"}, Basis: []ledger.Basis{{Code: "c", Clause: ""}},
			Exception: ledger.ExceptionConsent, PolicyVersion: "v", Reference: "x\ty", DecisionID: "d", PrevHash: ledger.Hash{1}, Hash: ledger.Hash{2}},
		{Seq: 8, At: time.Date(2262, 1, 1, 0, 0, 0, 999999999, time.UTC), Subject: "", Categories: nil, Basis: []ledger.Basis{},
			PrevHash: ledger.Hash{2}, Hash: ledger.Hash{3}},
	}
	oids := []uint32{pgtype.Int8ArrayOID, pgtype.Int8ArrayOID, pgtype.Int4ArrayOID,
		pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID,
		pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.ByteaArrayOID, pgtype.ByteaArrayOID,
		pgtype.Int8OID, pgtype.ByteaOID, pgtype.Int8OID}
	for n := 1; n <= len(es); n++ {
		args, err := appendArgs(es[:n], -12345)
		require.NoError(t, err)
		m := pgtype.NewMap()
		var enc encoder
		enc.params = make([][]byte, appendParams)
		got := enc.encode(es[:n], -12345)
		require.Len(t, got, len(args))
		for i, a := range args {
			want, err := m.Encode(oids[i], pgtype.BinaryFormatCode, a, nil)
			require.NoError(t, err)
			require.Equal(t, want, got[i], "parameter $%d of %d entries", i+1, n)
		}
	}
}
