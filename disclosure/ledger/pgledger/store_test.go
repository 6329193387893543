package pgledger_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
	"github.com/yasam/privacy/disclosure/ledger/pgledger"
	"github.com/yasam/privacy/internal/pgtest"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// fresh returns a store in a schema of its own, migrated, and the pool the
// schema's owner uses.
func fresh(t testing.TB, opts ...pgtest.Option) (*pgledger.Store, *pgxpool.Pool, string) {
	t.Helper()
	pool, schema := pgtest.New(t, opts...)
	s, err := pgledger.New(context.Background(), pool, pgledger.WithMigrate())
	require.NoError(t, err)
	return s, pool, schema
}

// appRole is what an application gets: the privileges the package
// documents, nothing more.
var appRole = []pgtest.Grant{
	{Privileges: "SELECT, INSERT", Object: "ledger_entries"},
	{Privileges: "SELECT", Object: "privacy_schema"},
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ledgertest.Run(t, func(t *testing.T) ledger.Store {
		s, _, _ := fresh(t)
		return s
	})
}

// TestConformanceDMLRole runs the suite through a role that may only read
// and insert: New without WithMigrate works there, and runs no DDL.
func TestConformanceDMLRole(t *testing.T) {
	t.Parallel()
	ledgertest.Run(t, func(t *testing.T) ledger.Store {
		admin, schema := pgtest.New(t)
		require.NoError(t, pgledger.Migrate(t.Context(), admin))
		app := pgtest.DMLRole(t, schema, appRole)
		s, err := pgledger.New(t.Context(), app)
		require.NoError(t, err)
		return s
	})
}

func TestDMLRole(t *testing.T) {
	t.Parallel()
	admin, schema := pgtest.New(t)
	app := pgtest.DMLRole(t, schema, nil)

	// On an empty schema: no DDL attempted, a clear error.
	_, err := pgledger.New(t.Context(), app)
	require.ErrorIs(t, err, pgledger.ErrSchemaBehind)
	assert.Contains(t, err.Error(), "run Migrate or apply migrations/")
	var n int
	require.NoError(t, admin.QueryRow(t.Context(),
		"SELECT count(*) FROM pg_tables WHERE schemaname = $1", schema).Scan(&n))
	assert.Zero(t, n, "New created a table")
	// Asked to migrate, the role cannot: an error, not a half schema.
	_, err = pgledger.New(t.Context(), app, pgledger.WithMigrate())
	require.Error(t, err)

	require.NoError(t, pgledger.Migrate(t.Context(), admin))
	require.NoError(t, pgledger.Migrate(t.Context(), admin), "migrations run again without harm")
	app = pgtest.DMLRole(t, schema, appRole)
	s, err := pgledger.New(t.Context(), app)
	require.NoError(t, err)
	l := ledger.New(s)
	fill(t, l, 3)
	require.NoError(t, l.Verify(t.Context()))

	for _, q := range []string{
		"UPDATE ledger_entries SET subject = 'x' WHERE seq = 2",
		"DELETE FROM ledger_entries WHERE seq = 2",
		"TRUNCATE ledger_entries",
		"DROP TRIGGER ledger_entries_no_update_delete ON ledger_entries",
		"ALTER TABLE ledger_entries DISABLE TRIGGER USER",
	} {
		_, err := app.Exec(t.Context(), q)
		require.Error(t, err, q)
	}
	require.NoError(t, l.Verify(t.Context()))
}

func TestSchemaBehind(t *testing.T) {
	t.Parallel()
	admin, _ := pgtest.New(t)
	_, err := pgledger.New(t.Context(), admin)
	require.ErrorIs(t, err, pgledger.ErrSchemaBehind)
	require.NoError(t, pgledger.Migrate(t.Context(), admin))
	_, err = admin.Exec(t.Context(), "UPDATE privacy_schema SET version = 0 WHERE component = 'ledger'")
	require.NoError(t, err)
	_, err = pgledger.New(t.Context(), admin)
	require.ErrorIs(t, err, pgledger.ErrSchemaBehind)
}

func TestWithSchema(t *testing.T) {
	t.Parallel()
	admin := pgtest.Admin(t)
	schema := pgtest.Schema(t)
	// admin's search_path does not name the schema: WithSchema does.
	s, err := pgledger.New(t.Context(), admin, pgledger.WithSchema(schema), pgledger.WithMigrate())
	require.NoError(t, err)
	l := ledger.New(s)
	fill(t, l, 2)
	require.NoError(t, l.Verify(t.Context()))
}

// allows makes the engine decisions the tests record.
var allows = sync.OnceValue(func() *ledgertest.Decider {
	d, err := ledgertest.NewDecider("halyk-bank")
	if err != nil {
		panic(err)
	}
	return d
})

// allow is an engine's decision, made for subject, that allows payment
// data to go to halyk-bank, a third party subject consented to (5.2): the
// ledger records a decision only for the subject it was made for.
func allow(subject string) policy.Decision {
	d, err := allows().Allow(subject, "halyk-bank")
	if err != nil {
		panic(err)
	}
	return d
}

func record(ctx context.Context, l *ledger.Ledger, subject string) error {
	_, err := l.Record(ctx, subject, allow(subject),
		ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
	return err
}

// fill records n entries for user-1, user-2, user-3 in turn.
func fill(t testing.TB, l *ledger.Ledger, n int) {
	t.Helper()
	for i := range n {
		require.NoError(t, record(context.Background(), l, fmt.Sprintf("user-%d", i%3+1)))
	}
}

func requireTamper(t *testing.T, err error, seq uint64, reason string) {
	t.Helper()
	var te *ledger.TamperError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, ledger.TamperError{Seq: seq, Reason: reason}, *te)
}

// TestTamperWithSQL edits the table with plain SQL, as someone with the
// owner's rights would, and Verify names the first bad entry.
func TestTamperWithSQL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		sql    []string
		seq    uint64
		reason string
	}{
		{"field updated", []string{`UPDATE ledger_entries SET recipient = 'someone-else' WHERE seq = 5`}, 5, ledger.ReasonHash},
		{"subject updated", []string{`UPDATE ledger_entries SET subject = 'user-9' WHERE seq = 4`}, 4, ledger.ReasonHash},
		{"time updated", []string{`UPDATE ledger_entries SET at_ns = at_ns + 1 WHERE seq = 7`}, 7, ledger.ReasonHash},
		{"middle deleted", []string{`DELETE FROM ledger_entries WHERE seq = 6`}, 6, ledger.ReasonMissing},
		{"first deleted", []string{`DELETE FROM ledger_entries WHERE seq = 1`}, 1, ledger.ReasonMissing},
		{"reordered", []string{
			`UPDATE ledger_entries SET seq = seq + 1000 WHERE seq IN (3, 4)`,
			`UPDATE ledger_entries SET seq = CASE seq WHEN 1003 THEN 4 ELSE 3 END WHERE seq IN (1003, 1004)`,
		}, 3, ledger.ReasonHash},
		{"inserted in the middle", []string{
			`UPDATE ledger_entries SET seq = seq + 1000 WHERE seq >= 5`,
			`UPDATE ledger_entries SET seq = seq - 999 WHERE seq > 1000`,
			`INSERT INTO ledger_entries SELECT 5, at_s, at_ns, subject, purpose, recipient, recipient_kind, categories, basis,
				exception, policy_version, reference, hash, hash, recorded_at FROM ledger_entries WHERE seq = 4`,
		}, 5, ledger.ReasonHash},
		{"appended by hand", []string{
			`INSERT INTO ledger_entries SELECT 11, at_s, at_ns, subject, purpose, recipient, recipient_kind, categories, basis,
				exception, policy_version, reference, prev_hash, hash, recorded_at FROM ledger_entries WHERE seq = 10`,
		}, 11, ledger.ReasonHash},
		{"decision id changed", []string{`UPDATE ledger_entries SET decision_id = '00000000-0000-8000-8000-000000000001' WHERE seq = 6`}, 6, ledger.ReasonHash},
		{"decision id blanked (passed off as an entry of before)", []string{`UPDATE ledger_entries SET decision_id = '' WHERE seq = 3`}, 3, ledger.ReasonHash},
		{"malformed json", []string{`UPDATE ledger_entries SET basis = '{"not": "a list"}' WHERE seq = 8`}, 8, ledger.ReasonMalformed},
		// SQL reading basis->0->>'code' would see another value, or more,
		// than the hash covers.
		{"basis key in another case", []string{`UPDATE ledger_entries SET basis = jsonb_build_array(jsonb_build_object(
			'code', 'public_information', 'clause', '7.1', 'CODE', basis->0->>'code', 'CLAUSE', basis->0->>'clause')) WHERE seq = 6`}, 6, ledger.ReasonMalformed},
		{"basis member not hashed", []string{`UPDATE ledger_entries SET basis = jsonb_set(basis, '{0,note}', '"the recipient was someone else"') WHERE seq = 7`}, 7, ledger.ReasonMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, owner, _ := fresh(t)
			l := ledger.New(s)
			fill(t, l, 10)
			head, err := l.Head(t.Context())
			require.NoError(t, err)
			require.NoError(t, l.Verify(t.Context(), head))

			// The owner meets the triggers first.
			for _, q := range []string{"UPDATE ledger_entries SET subject = 'x' WHERE seq = 2", "DELETE FROM ledger_entries WHERE seq = 2", "TRUNCATE ledger_entries"} {
				_, err = owner.Exec(t.Context(), q)
				require.ErrorContains(t, err, "append-only", q)
			}
			_, err = owner.Exec(t.Context(), "ALTER TABLE ledger_entries DISABLE TRIGGER USER")
			require.NoError(t, err)
			for _, q := range tc.sql {
				_, err := owner.Exec(t.Context(), q)
				require.NoError(t, err, q)
			}
			requireTamper(t, l.Verify(t.Context(), head), tc.seq, tc.reason)
			_, err = l.Subject(t.Context(), "user-1")
			require.ErrorIs(t, err, ledger.ErrTampered, "Subject reads the chain too")
		})
	}
}

// TestTwoInstances: two pools, two stores, two ledgers on one table, as
// two instances of a service are; the chain stays gapless and linear.
func TestTwoInstances(t *testing.T) {
	t.Parallel()
	s1, _, schema := fresh(t)
	s2, err := pgledger.New(t.Context(), pgtest.Pool(t, schema))
	require.NoError(t, err)
	const writers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers*each)
	for _, s := range []*pgledger.Store{s1, s2} {
		l := ledger.New(s)
		for w := range writers {
			wg.Go(func() {
				for range each {
					errs <- record(t.Context(), l, fmt.Sprintf("user-%d", w))
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	l := ledger.New(s1)
	require.NoError(t, l.Verify(t.Context()))
	head, err := l.Head(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(2*writers*each), head.Seq)
}

// TestTxViewAfterTheHostEnded: an append through a Tx view after the
// host's transaction committed or rolled back is refused, and nothing is
// written outside the host's transaction.
func TestTxViewAfterTheHostEnded(t *testing.T) {
	t.Parallel()
	s, pool, _ := fresh(t)
	ctx := t.Context()
	shared := ledger.New(s)
	fill(t, shared, 1)
	before, err := s.Head(ctx)
	require.NoError(t, err)
	var proto ledger.Entry // a valid entry to append again
	for e, err := range s.Scan(ctx, 1) {
		require.NoError(t, err)
		proto = e
		break
	}
	for _, end := range []string{"commit", "rollback"} {
		t.Run(end, func(t *testing.T) {
			tx, err := pool.Begin(ctx)
			require.NoError(t, err)
			v := s.Tx(tx)
			head, err := v.Head(ctx)
			require.NoError(t, err)
			if end == "commit" {
				require.NoError(t, tx.Commit(ctx))
			} else {
				require.NoError(t, tx.Rollback(ctx))
			}
			next := ledger.Chain(head, []ledger.Entry{proto})
			require.ErrorIs(t, v.Append(ctx, next), pgx.ErrTxClosed)
			after, err := s.Head(ctx)
			require.NoError(t, err)
			assert.Equal(t, before, after, "written outside the host's transaction")
		})
	}
}

// TestOutbox records inside the host's transaction: the entry commits or
// rolls back with the host's own write.
func TestOutbox(t *testing.T) {
	t.Parallel()
	s, pool, _ := fresh(t)
	_, err := pool.Exec(t.Context(), "CREATE TABLE payouts (id int PRIMARY KEY)")
	require.NoError(t, err)
	shared := ledger.New(s)
	fill(t, shared, 2)

	errBusiness := errors.New("business rule failed")
	for i, fail := range []bool{false, true, false} {
		err := pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(t.Context(), "INSERT INTO payouts VALUES ($1)", i); err != nil {
				return err
			}
			e, err := ledger.New(s.Tx(tx)).Record(t.Context(), "user-1", allow("user-1"),
				ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.PaymentDetails),
				ledger.WithReference(fmt.Sprintf("payout-%d", i)))
			if err != nil {
				return err
			}
			require.NotZero(t, e.Seq)
			if fail {
				return errBusiness
			}
			return nil
		})
		if fail {
			require.ErrorIs(t, err, errBusiness)
		} else {
			require.NoError(t, err)
		}
	}
	// The shared ledger's idea of the head is stale; it catches up.
	fill(t, shared, 2)
	require.NoError(t, shared.Verify(t.Context()))
	es, err := shared.Subject(t.Context(), "user-1")
	require.NoError(t, err)
	var refs []string
	for _, e := range es {
		if e.Reference != "" {
			refs = append(refs, e.Reference)
		}
	}
	assert.Equal(t, []string{"payout-0", "payout-2"}, refs, "the rolled-back payout left no entry")
	var payouts int
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM payouts").Scan(&payouts))
	assert.Equal(t, 2, payouts)
	head, err := shared.Head(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(6), head.Seq)
}

func TestMigrationsFollowConventions(t *testing.T) {
	t.Parallel()
	names, err := pgledger.FsGlob()
	require.NoError(t, err)
	assert.Equal(t, []string{"0001_init.up.sql", "0002_decision_id.up.sql"}, names)
	assert.Equal(t, len(names), pgledger.SchemaVersion, "SchemaVersion is the number of the last file")
}

// TestBatchIsOneTransaction pins what a pipeline of statements (one Sync)
// gets: one implicit transaction, so an advisory lock taken by the first is
// held by those after it. (Append takes the lock in its one statement;
// BenchmarkCommitParts and BenchmarkPipelineBound rely on this.)
func TestBatchIsOneTransaction(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.New(t)
	b := &pgx.Batch{}
	b.Queue("SELECT pg_advisory_xact_lock(42)")
	b.Queue("SELECT txid_current()")
	b.Queue("SELECT txid_current()")
	b.Queue("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
	res := pool.SendBatch(t.Context(), b)
	_, err := res.Exec()
	require.NoError(t, err)
	var tx1, tx2, locks int64
	require.NoError(t, res.QueryRow().Scan(&tx1))
	require.NoError(t, res.QueryRow().Scan(&tx2))
	require.NoError(t, res.QueryRow().Scan(&locks))
	require.NoError(t, res.Close())
	assert.Equal(t, tx1, tx2, "one transaction")
	assert.Equal(t, int64(1), locks, "the lock is held to the end of the batch")
}

// TestAppendWaitingForTheLock: an Append whose statement started before
// another transaction appended, and waited for the chain's lock until that
// one committed, reads the head in its older snapshot, finds its own idea
// of the head there, and is still refused (ErrConflict, nothing written):
// the entry number it starts at is on record by then.
func TestAppendWaitingForTheLock(t *testing.T) {
	t.Parallel()
	s, pool, _ := fresh(t)
	fill(t, ledger.New(s), 2)
	var stale []ledger.Entry
	for e, err := range s.Scan(t.Context(), 1) {
		require.NoError(t, err)
		stale = append(stale, e)
	}
	head := stale[1].Head()

	tx, err := pool.Begin(t.Context())
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(context.WithoutCancel(t.Context())) }()
	holder := tx.Conn().PgConn().PID()
	// The host's transaction takes the lock (Head through the view) and
	// appends entries 3 and 4, not yet committed.
	inTx := ledger.New(s.Tx(tx))
	for range 2 {
		require.NoError(t, record(t.Context(), inTx, "user-9"))
	}

	// A batch that continues entry 2, as a Ledger that has not seen
	// entries 3 and 4 would send it.
	e := stale[0]
	e.Seq, e.PrevHash, e.Reference = head.Seq+1, head.Hash, "late"
	e.Hash = e.ComputeHash()
	done := make(chan error, 1)
	go func() { done <- s.Append(context.WithoutCancel(t.Context()), []ledger.Entry{e}) }()

	// Commit once the Append waits for the lock.
	require.Eventually(t, func() bool {
		var n int
		err := pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_locks w JOIN pg_locks h
			ON (w.locktype, w.database, w.classid, w.objid, w.objsubid) = (h.locktype, h.database, h.classid, h.objid, h.objsubid)
			WHERE h.pid = $1 AND h.granted AND h.locktype = 'advisory' AND NOT w.granted`, holder).Scan(&n)
		return err == nil && n == 1
	}, time.Minute, 5*time.Millisecond)
	require.NoError(t, tx.Commit(t.Context()))

	err = <-done
	require.ErrorIs(t, err, ledger.ErrConflict)
	l := ledger.New(s)
	require.NoError(t, l.Verify(t.Context()))
	h, err := l.Head(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(4), h.Seq, "the late batch wrote nothing")
}

// TestStatementDroppedBehindTheStore: a host that drops the connection's
// prepared statements (DEALLOCATE ALL, DISCARD ALL, as a pooler's reset
// does) costs Append and AppendChained a new prepare, not an error on that
// connection from then on.
func TestStatementDroppedBehindTheStore(t *testing.T) {
	t.Parallel()
	for _, reset := range []string{"DEALLOCATE ALL", "DISCARD ALL"} {
		t.Run(reset, func(t *testing.T) {
			s, pool, _ := fresh(t, pgtest.WithMaxConns(1)) // one connection: the one reset
			l := ledger.New(s)
			fill(t, l, 2)
			_, err := pool.Exec(t.Context(), reset, pgx.QueryExecModeSimpleProtocol)
			require.NoError(t, err)
			require.NoError(t, record(t.Context(), l, "user-1"))

			e := ledger.Entry{At: time.Now(), Subject: "user-2", Purpose: purpose.Payments, Recipient: "halyk-bank", RecipientKind: disclosure.ThirdParty,
				Categories: []purpose.Category{purpose.Identity}, Basis: []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}}}
			_, err = pool.Exec(t.Context(), reset, pgx.QueryExecModeSimpleProtocol)
			require.NoError(t, err)
			_, err = s.AppendChained(t.Context(), []ledger.Entry{e})
			require.NoError(t, err)
			require.NoError(t, record(t.Context(), l, "user-1"))
			require.NoError(t, l.Verify(t.Context()))
		})
	}
}

// TestAppendChained: the store chains entries after whatever head is on
// record; a refused batch writes nothing and leaves the pool usable.
func TestAppendChained(t *testing.T) {
	t.Parallel()
	s, _, _ := fresh(t, pgtest.WithMaxConns(1)) // one connection: a transaction left open would show
	l := ledger.New(s)
	fill(t, l, 3)
	var e ledger.Entry
	for x, err := range s.Scan(t.Context(), 3) {
		require.NoError(t, err)
		e = x
	}
	e.Seq, e.PrevHash, e.Hash = 0, ledger.Hash{}, ledger.Hash{}
	got, err := s.AppendChained(t.Context(), []ledger.Entry{e, e})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []uint64{4, 5}, []uint64{got[0].Seq, got[1].Seq})

	bad := e
	bad.Reference = "nul\x00"
	_, err = s.AppendChained(t.Context(), []ledger.Entry{bad})
	require.ErrorIs(t, err, ledger.ErrInvalidEntry)
	fill(t, l, 2) // l's head is stale: a conflict, then the chained path, on the one connection
	require.NoError(t, l.Verify(t.Context()))
	h, err := l.Head(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(7), h.Seq)
}

// TestV1EntriesVerifyAfterTheUpgrade writes entries as a ledger did before
// decision IDs (schema 1, encoding v1), migrates to the current schema,
// records on top (v2) and verifies the whole chain; a v1 entry given a
// decision ID after the upgrade is caught.
func TestV1EntriesVerifyAfterTheUpgrade(t *testing.T) {
	t.Parallel()
	owner, _ := pgtest.New(t)
	init1, err := fs.ReadFile(pgledger.Migrations(), "0001_init.up.sql")
	require.NoError(t, err)
	_, err = owner.Exec(t.Context(), string(init1)) // as psql would apply it
	require.NoError(t, err)
	v1 := ledgertest.V1Chain(3)
	for _, e := range v1 {
		require.Empty(t, e.DecisionID)
		cats, err := json.Marshal(e.Categories)
		require.NoError(t, err)
		basis, err := json.Marshal(e.Basis)
		require.NoError(t, err)
		_, err = owner.Exec(t.Context(), `INSERT INTO ledger_entries (seq, at_s, at_ns, subject, purpose, recipient,
			recipient_kind, categories, basis, exception, policy_version, reference, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			int64(e.Seq), e.At.Unix(), int32(e.At.Nanosecond()), e.Subject, string(e.Purpose), e.Recipient, string(e.RecipientKind),
			string(cats), string(basis), string(e.Exception), e.PolicyVersion, e.Reference, e.PrevHash[:], e.Hash[:])
		require.NoError(t, err)
	}
	_, err = pgledger.New(t.Context(), owner)
	require.ErrorIs(t, err, pgledger.ErrSchemaBehind, "schema 1 is behind")

	require.NoError(t, pgledger.Migrate(t.Context(), owner))
	s, err := pgledger.New(t.Context(), owner)
	require.NoError(t, err)
	l := ledger.New(s)
	require.NoError(t, l.Verify(t.Context()), "v1 entries verify after the upgrade")
	fill(t, l, 2)
	head, err := l.Head(t.Context())
	require.NoError(t, err)
	require.NoError(t, l.Verify(t.Context(), v1[2].Head(), head), "a chain of v1 then v2 entries verifies")
	var got []ledger.Entry
	for e, err := range s.Scan(t.Context(), 1) {
		require.NoError(t, err)
		got = append(got, e)
	}
	require.Len(t, got, 5)
	for i, e := range got[:3] {
		assert.True(t, v1[i].Equal(e), "v1 entry %d reads back as written", i+1)
	}
	for _, e := range got[3:] {
		assert.Equal(t, allow(e.Subject).ID.String(), e.DecisionID)
	}

	_, err = owner.Exec(t.Context(), "ALTER TABLE ledger_entries DISABLE TRIGGER USER")
	require.NoError(t, err)
	_, err = owner.Exec(t.Context(), "UPDATE ledger_entries SET decision_id = $1 WHERE seq = 2", allow(got[3].Subject).ID.String())
	require.NoError(t, err)
	requireTamper(t, l.Verify(t.Context()), 2, ledger.ReasonHash)
}

// TestSubjectAfterACheckedPrefix: once a Ledger has checked the chain,
// Subject reads only the new entries and the subject's own through the
// index; an edit with SQL to the subject's entries, to which rows are the
// subject's, or to the chain's last checked row is still reported.
func TestSubjectAfterACheckedPrefix(t *testing.T) {
	t.Parallel()
	// fill gives user-1 the entries 1, 4, 7, 10; then 11 and 12 are user-1's.
	tests := []struct {
		name   string
		sql    string
		seq    uint64
		reason string
	}{
		{"own row's field updated", `UPDATE ledger_entries SET recipient = 'someone-else' WHERE seq = 4`, 4, ledger.ReasonHash},
		{"own row given to another subject", `UPDATE ledger_entries SET subject = 'user-9' WHERE seq = 7`, 7, ledger.ReasonHash},
		{"another's row given to the subject", `UPDATE ledger_entries SET subject = 'user-1' WHERE seq = 5`, 5, ledger.ReasonHash},
		{"own row deleted", `DELETE FROM ledger_entries WHERE seq = 10`, 10, ledger.ReasonMissing},
		{"own new row updated", `UPDATE ledger_entries SET categories = '["device"]' WHERE seq = 11`, 11, ledger.ReasonHash},
		{"last row deleted", `DELETE FROM ledger_entries WHERE seq = 12`, 12, ledger.ReasonTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, owner, _ := fresh(t)
			l := ledger.New(s)
			fill(t, l, 10)
			got, err := l.Subject(t.Context(), "user-1")
			require.NoError(t, err)
			require.Len(t, got, 4)
			require.NoError(t, record(t.Context(), l, "user-1"))
			require.NoError(t, record(t.Context(), l, "user-1"))
			got, err = l.Subject(t.Context(), "user-1")
			require.NoError(t, err)
			require.Len(t, got, 6)

			_, err = owner.Exec(t.Context(), "ALTER TABLE ledger_entries DISABLE TRIGGER USER")
			require.NoError(t, err)
			_, err = owner.Exec(t.Context(), tc.sql)
			require.NoError(t, err)
			for range 2 {
				got, err = l.Subject(t.Context(), "user-1")
				requireTamper(t, err, tc.seq, tc.reason)
				assert.Empty(t, got)
			}
		})
	}
}
