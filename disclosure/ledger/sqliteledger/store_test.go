package sqliteledger_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
	"github.com/yasam/privacy/disclosure/ledger/sqliteledger"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

func open(t testing.TB, path string, opts ...sqliteledger.Option) *sqliteledger.Store {
	t.Helper()
	s, err := sqliteledger.Open(context.Background(), path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ledgertest.Run(t, func(t *testing.T) ledger.Store {
		return open(t, filepath.Join(t.TempDir(), "ledger.db"))
	})
}

func TestOpenRejectsNonFilePaths(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		_, err := sqliteledger.Open(t.Context(), p)
		require.Error(t, err, "%q", p)
		assert.Contains(t, err.Error(), "sqliteledger: ")
	}
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

// fill records n disclosures, for subjects user-0 to user-2 in turn.
func fill(t *testing.T, l *ledger.Ledger, n int) {
	t.Helper()
	for i := range n {
		subject := fmt.Sprintf("user-%d", i%3)
		_, err := l.Record(t.Context(), subject, allow(subject),
			ledger.WithRecipientKind(disclosure.ThirdParty),
			ledger.WithCategories(purpose.PaymentDetails),
			ledger.WithReference(fmt.Sprintf("req-%d", i)))
		require.NoError(t, err)
	}
}

// raw opens the file behind the store's back, as someone with access to the
// disk would.
func raw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	db.SetMaxOpenConns(1) // so that a PRAGMA holds for the statements after it
	t.Cleanup(func() { db.Close() })
	return db
}

func requireTamper(t *testing.T, err error, seq uint64, reason string) {
	t.Helper()
	require.ErrorIs(t, err, ledger.ErrTampered)
	var te *ledger.TamperError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, seq, te.Seq, "the error must name the first broken entry")
	assert.Equal(t, reason, te.Reason)
}

func TestTriggersRefuseUpdateAndDelete(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "l.db")
	l := ledger.New(open(t, path))
	fill(t, l, 3)
	db := raw(t, path)
	_, err := db.ExecContext(t.Context(), "UPDATE ledger_entries SET categories = '[\"documents\"]' WHERE seq = 2")
	require.ErrorContains(t, err, "append-only")
	_, err = db.ExecContext(t.Context(), "DELETE FROM ledger_entries WHERE seq = 2")
	require.ErrorContains(t, err, "append-only")
	require.NoError(t, l.Verify(t.Context()))
}

func TestVerifyCatchesTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		sql    []string
		seq    uint64
		reason string
	}{
		{
			name:   "category changed",
			sql:    []string{`UPDATE ledger_entries SET categories = '["identity"]' WHERE seq = 5`},
			seq:    5,
			reason: ledger.ReasonHash,
		},
		{
			name:   "exception claimed after the fact",
			sql:    []string{`UPDATE ledger_entries SET exception = 'public' WHERE seq = 7`},
			seq:    7,
			reason: ledger.ReasonHash,
		},
		{
			name:   "time moved by a nanosecond",
			sql:    []string{`UPDATE ledger_entries SET at_ns = at_ns + 1 WHERE seq = 3`},
			seq:    3,
			reason: ledger.ReasonHash,
		},
		{
			name:   "middle row deleted",
			sql:    []string{`DELETE FROM ledger_entries WHERE seq = 5`},
			seq:    5,
			reason: ledger.ReasonMissing,
		},
		{
			name: "middle row deleted and the rest renumbered",
			sql: []string{
				`DELETE FROM ledger_entries WHERE seq = 5`,
				`UPDATE ledger_entries SET seq = seq - 1 WHERE seq > 5`,
			},
			seq:    5,
			reason: ledger.ReasonHash,
		},
		{
			name:   "hash overwritten with garbage",
			sql:    []string{"PRAGMA ignore_check_constraints = ON", `UPDATE ledger_entries SET hash = x'00' WHERE seq = 4`},
			seq:    4,
			reason: ledger.ReasonMalformed,
		},
		{
			name:   "categories no longer JSON",
			sql:    []string{`UPDATE ledger_entries SET categories = 'identity' WHERE seq = 6`},
			seq:    6,
			reason: ledger.ReasonMalformed,
		},
		{
			name:   "decision ID changed",
			sql:    []string{`UPDATE ledger_entries SET decision_id = '00000000-0000-8000-8000-000000000001' WHERE seq = 8`},
			seq:    8,
			reason: ledger.ReasonHash,
		},
		{
			name:   "decision ID blanked (passed off as an entry of before)",
			sql:    []string{`UPDATE ledger_entries SET decision_id = '' WHERE seq = 2`},
			seq:    2,
			reason: ledger.ReasonHash,
		},
		{
			name:   "first entry unlinked from genesis",
			sql:    []string{`UPDATE ledger_entries SET prev_hash = randomblob(32) WHERE seq = 1`},
			seq:    1,
			reason: ledger.ReasonHash,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "l.db")
			l := ledger.New(open(t, path))
			fill(t, l, 10)
			require.NoError(t, l.Verify(t.Context()))

			db := raw(t, path)
			for _, q := range append([]string{
				"DROP TRIGGER ledger_entries_no_update",
				"DROP TRIGGER ledger_entries_no_delete",
			}, tc.sql...) {
				_, err := db.ExecContext(t.Context(), q)
				require.NoError(t, err, q)
			}
			requireTamper(t, l.Verify(t.Context()), tc.seq, tc.reason)
		})
	}
}

// TestRehashedEntryBreaksTheNextLink: an entry altered and re-hashed no
// longer matches the PrevHash of the one after it.
func TestRehashedEntryBreaksTheNextLink(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "l.db")
	s := open(t, path)
	l := ledger.New(s)
	fill(t, l, 10)
	e := entryAt(t, s, 5)
	e.Categories = []purpose.Category{purpose.Identity}
	e.Hash = e.ComputeHash()
	db := raw(t, path)
	_, err := db.ExecContext(t.Context(), "DROP TRIGGER ledger_entries_no_update")
	require.NoError(t, err)
	_, err = db.ExecContext(t.Context(), `UPDATE ledger_entries SET categories = '["identity"]', hash = ? WHERE seq = 5`, e.Hash[:])
	require.NoError(t, err)
	requireTamper(t, l.Verify(t.Context()), 6, ledger.ReasonLink)
}

// TestAnchorCatchesTruncation: without the triggers, the last entries can
// be deleted and nothing in the chain shows it; a head published before
// does.
func TestAnchorCatchesTruncation(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "l.db")
	s := open(t, path)
	l := ledger.New(s)
	fill(t, l, 10)
	published, err := l.Head(t.Context())
	require.NoError(t, err)
	require.Equal(t, uint64(10), published.Seq)

	db := raw(t, path)
	for _, q := range []string{"DROP TRIGGER ledger_entries_no_delete", "DELETE FROM ledger_entries WHERE seq > 7"} {
		_, err := db.ExecContext(t.Context(), q)
		require.NoError(t, err)
	}
	require.NoError(t, l.Verify(t.Context()), "a cut tail is invisible without an anchor")
	requireTamper(t, l.Verify(t.Context(), published), 8, ledger.ReasonTruncated)

	// Re-recording over the cut gives a chain as long as the anchor's but
	// not the same.
	fill(t, ledger.New(s), 3)
	requireTamper(t, l.Verify(t.Context(), published), 10, ledger.ReasonAnchor)
}

func TestSubjectChecksHashes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "l.db")
	l := ledger.New(open(t, path))
	fill(t, l, 6)
	got, err := l.Subject(t.Context(), "user-1")
	require.NoError(t, err)
	require.Len(t, got, 2)
	db := raw(t, path)
	for _, q := range []string{"DROP TRIGGER ledger_entries_no_update", `UPDATE ledger_entries SET recipient = 'someone-else' WHERE seq = 5`} {
		_, err := db.ExecContext(t.Context(), q)
		require.NoError(t, err)
	}
	_, err = l.Subject(t.Context(), "user-1")
	requireTamper(t, err, 5, ledger.ReasonHash)
}

// TestSubjectSeesARowTakenAway: a row whose subject column was changed, or
// that was deleted, no longer matches the subject; Subject still reports
// it instead of answering with fewer entries.
func TestSubjectSeesARowTakenAway(t *testing.T) {
	t.Parallel()
	for name, q := range map[string]string{
		"subject changed": "UPDATE ledger_entries SET subject = 'user-x' WHERE subject = 'user-1'",
		"row deleted":     "DELETE FROM ledger_entries WHERE subject = 'user-1'",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "l.db")
			l := ledger.New(open(t, path))
			fill(t, l, 6)
			got, err := l.Subject(t.Context(), "user-1")
			require.NoError(t, err)
			require.Len(t, got, 2)
			first := got[0].Seq
			db := raw(t, path)
			for _, q := range []string{"DROP TRIGGER ledger_entries_no_update", "DROP TRIGGER ledger_entries_no_delete", q} {
				_, err := db.ExecContext(t.Context(), q)
				require.NoError(t, err)
			}
			got, err = l.Subject(t.Context(), "user-1")
			require.ErrorIs(t, err, ledger.ErrTampered)
			var te *ledger.TamperError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, first, te.Seq)
			assert.Empty(t, got)
		})
	}
}

func entryAt(t *testing.T, s ledger.Store, seq uint64) ledger.Entry {
	t.Helper()
	for e, err := range s.Scan(t.Context(), seq) {
		require.NoError(t, err)
		return e
	}
	t.Fatalf("no entry %d", seq)
	return ledger.Entry{}
}

// TestTwoStoresOnOneFile stands in for two processes writing one file:
// each has its own Store and Ledger, and the chain stays linear.
func TestTwoStoresOnOneFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "l.db")
	ls := []*ledger.Ledger{ledger.New(open(t, path)), ledger.New(open(t, path))}
	const goroutines, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, len(ls)*goroutines*each)
	for k, l := range ls {
		for g := range goroutines {
			wg.Go(func() {
				for range each {
					_, err := l.Record(context.Background(), fmt.Sprintf("user-%d-%d", k, g), allow(fmt.Sprintf("user-%d-%d", k, g)),
						ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
					if err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, ls[0].Verify(t.Context()))
	h, err := ls[1].Head(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(len(ls)*goroutines*each), h.Seq)
}

func TestReopenKeepsChain(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "l.db")
	s := open(t, path)
	fill(t, ledger.New(s), 5)
	h, err := s.Head(t.Context())
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s2 := open(t, path)
	l := ledger.New(s2)
	require.NoError(t, l.Verify(t.Context(), h))
	fill(t, l, 2)
	require.NoError(t, l.Verify(t.Context(), h))
}

func TestClosed(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "l.db"))
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close twice")
	_, err := s.Head(t.Context())
	require.ErrorIs(t, err, ledger.ErrClosed)
	_, err = ledger.New(s).Record(t.Context(), "user-1", allow("user-1"),
		ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
	require.ErrorIs(t, err, ledger.ErrClosed)
	require.ErrorIs(t, ledger.New(s).Verify(t.Context()), ledger.ErrClosed)
}

func TestSchemaTooNew(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "l.db")
	require.NoError(t, open(t, path).Close())
	db := raw(t, path)
	_, err := db.ExecContext(t.Context(), "INSERT INTO ledger_schema_version VALUES (99, '0099_future', 0)")
	require.NoError(t, err)
	_, err = sqliteledger.Open(t.Context(), path)
	require.ErrorIs(t, err, sqliteledger.ErrSchemaTooNew)
}

func TestErrorsNameNoPersonalData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "l.db")
	s := open(t, path)
	const subject = "Иванов Иван 900101300123"
	l := ledger.New(s, ledger.WithClock(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }))
	_, err := l.Record(t.Context(), subject, allow(subject), ledger.WithRecipientKind(disclosure.ThirdParty),
		ledger.WithCategories(purpose.Identity))
	require.NoError(t, err)
	db := raw(t, path)
	for _, q := range []string{"DROP TRIGGER ledger_entries_no_update", `UPDATE ledger_entries SET basis = '[]'`} {
		_, err := db.ExecContext(t.Context(), q)
		require.NoError(t, err)
	}
	for _, err := range []error{l.Verify(t.Context()), func() error { _, err := l.Subject(t.Context(), subject); return err }()} {
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "Иванов")
		assert.NotContains(t, err.Error(), "halyk")
		assert.True(t, errors.Is(err, ledger.ErrTampered))
	}
}

// TestAppendChained: the store chains entries after whatever head is on
// record, as a contended Ledger asks it to.
func TestAppendChained(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "l.db")
	s := open(t, path)
	l := ledger.New(s)
	fill(t, l, 3)
	e := entryAt(t, s, 3)
	e.Seq, e.PrevHash, e.Hash = 0, ledger.Hash{}, ledger.Hash{} // left for the store
	got, err := s.AppendChained(t.Context(), []ledger.Entry{e, e})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []uint64{4, 5}, []uint64{got[0].Seq, got[1].Seq})
	require.NoError(t, l.Verify(t.Context(), got[1].Head()))

	bad := e
	bad.Categories = nil
	_, err = s.AppendChained(t.Context(), []ledger.Entry{bad})
	require.ErrorIs(t, err, ledger.ErrInvalidEntry)
	h, err := s.Head(t.Context())
	require.NoError(t, err)
	assert.Equal(t, got[1].Head(), h, "nothing written")
}

// TestV1EntriesVerifyAfterTheUpgrade writes entries as a ledger did before
// decision IDs (schema 1, encoding v1), upgrades the file by opening it,
// records on top (v2) and verifies the whole chain; a v1 entry altered
// after the upgrade is still caught.
func TestV1EntriesVerifyAfterTheUpgrade(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "l.db")
	db := raw(t, path)
	init1, err := os.ReadFile("migrations/0001_init.sql")
	require.NoError(t, err)
	for _, q := range []string{
		string(init1),
		`CREATE TABLE ledger_schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us INTEGER NOT NULL) STRICT`,
		`INSERT INTO ledger_schema_version VALUES (1, '0001_init', 0)`,
	} {
		_, err := db.ExecContext(t.Context(), q)
		require.NoError(t, err)
	}
	// Three v1 entries, written with schema 1's columns.
	v1 := ledgertest.V1Chain(3)
	for _, e := range v1 {
		require.Empty(t, e.DecisionID)
		cats, err := json.Marshal(e.Categories)
		require.NoError(t, err)
		basis, err := json.Marshal(e.Basis)
		require.NoError(t, err)
		_, err = db.ExecContext(t.Context(), `INSERT INTO ledger_entries (seq, at_s, at_ns, subject, purpose, recipient,
			recipient_kind, categories, basis, exception, policy_version, reference, prev_hash, hash, recorded_us)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
			int64(e.Seq), e.At.Unix(), e.At.Nanosecond(), e.Subject, string(e.Purpose), e.Recipient, string(e.RecipientKind),
			string(cats), string(basis), string(e.Exception), e.PolicyVersion, e.Reference, e.PrevHash[:], e.Hash[:])
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())

	s := open(t, path) // applies 0002
	l := ledger.New(s)
	require.NoError(t, l.Verify(t.Context()), "v1 entries verify after the upgrade")
	fill(t, l, 2)
	require.NoError(t, l.Verify(t.Context()), "a chain of v1 then v2 entries verifies")
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

	db = raw(t, path)
	for _, q := range []string{"DROP TRIGGER ledger_entries_no_update",
		`UPDATE ledger_entries SET decision_id = '` + allow(got[3].Subject).ID.String() + `' WHERE seq = 2`} {
		_, err := db.ExecContext(t.Context(), q)
		require.NoError(t, err, q)
	}
	requireTamper(t, l.Verify(t.Context()), 2, ledger.ReasonHash)
}

// TestLedgerRefusesToRewriteAcknowledgedEntries: the tail of the chain is
// cut behind a Ledger's back (triggers dropped, or the storage rolled
// back) after it recorded entries 1-10. Its next Records fail with a
// TamperError instead of writing new entries 8-10 over the ones it had
// acknowledged, and the chain does not grow past what one such Record
// may have written.
func TestLedgerRefusesToRewriteAcknowledgedEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	l := ledger.New(open(t, path))
	fill(t, l, 10)
	db := raw(t, path)
	for _, q := range []string{"DROP TRIGGER ledger_entries_no_delete", "DELETE FROM ledger_entries WHERE seq > 7"} {
		_, err := db.ExecContext(t.Context(), q)
		require.NoError(t, err)
	}
	for i := range 3 {
		_, err := l.Record(t.Context(), "user-0", allow("user-0"),
			ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.PaymentDetails))
		var te *ledger.TamperError
		require.ErrorAs(t, err, &te, "Record %d after the cut", i)
		assert.Equal(t, ledger.ReasonTruncated, te.Reason)
		assert.Equal(t, uint64(8), te.Seq)
	}
	var n int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT count(*) FROM ledger_entries").Scan(&n))
	assert.LessOrEqual(t, n, 8, "at most the first batch after the cut was written")
}

// TestVerifyNamesTheFirstBadEntry: entry 3 deleted and entry 4 made
// undecodable; Verify names entry 3, the first not in place, not the
// undecodable one after it.
func TestVerifyNamesTheFirstBadEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	l := ledger.New(open(t, path))
	fill(t, l, 10)
	db := raw(t, path)
	for _, q := range []string{"DROP TRIGGER ledger_entries_no_update", "DROP TRIGGER ledger_entries_no_delete",
		"DELETE FROM ledger_entries WHERE seq = 3", `UPDATE ledger_entries SET categories = 'x' WHERE seq = 4`} {
		_, err := db.ExecContext(t.Context(), q)
		require.NoError(t, err)
	}
	requireTamper(t, l.Verify(t.Context()), 3, ledger.ReasonMissing)
}

// TestVerifyRefusesAmbiguousBasis: a row's basis rewritten so that SQL
// reading it (json_extract) shows another code than the one hashed, while
// Go's lenient decoding still finds the hashed one: a key in another
// case, a member the entry has not, a key twice. Each makes the entry
// malformed, so that what verifies is what any reader of the table sees.
func TestVerifyRefusesAmbiguousBasis(t *testing.T) {
	for name, forged := range map[string]string{
		"key in another case": `[{"code":"public_information","clause":"7.1","CODE":"%s","CLAUSE":"%s"}]`,
		"member not hashed":   `[{"code":"%s","clause":"%s","note":"the recipient was someone else"}]`,
		"key twice":           `[{"code":"public_information","code":"%s","clause":"%s"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "l.db")
			l := ledger.New(open(t, path))
			fill(t, l, 3)
			require.NoError(t, l.Verify(t.Context()))
			db := raw(t, path)
			var code, clause string
			require.NoError(t, db.QueryRowContext(t.Context(),
				"SELECT json_extract(basis, '$[0].code'), json_extract(basis, '$[0].clause') FROM ledger_entries WHERE seq = 2").Scan(&code, &clause))
			_, err := db.ExecContext(t.Context(), "DROP TRIGGER ledger_entries_no_update")
			require.NoError(t, err)
			_, err = db.ExecContext(t.Context(), "UPDATE ledger_entries SET basis = ? WHERE seq = 2", fmt.Sprintf(forged, code, clause))
			require.NoError(t, err)
			requireTamper(t, l.Verify(t.Context()), 2, ledger.ReasonMalformed)
		})
	}
}
