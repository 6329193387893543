package sqliteclaims_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "modernc.org/sqlite"

	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/claims/claimstest"
	"github.com/yasam/privacy/subject/claims/sqliteclaims"
	"github.com/yasam/privacy/subject/internal/regtest"
)

func open(t testing.TB, path string, opts ...sqliteclaims.Option) *sqliteclaims.Store {
	t.Helper()
	s, err := sqliteclaims.Open(context.Background(), path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	claimstest.Run(t, func(t *testing.T) claims.Store {
		return open(t, filepath.Join(t.TempDir(), "claims.db"))
	})
}

var plus5 = time.FixedZone("UTC+5", 5*60*60)

func TestReopenKeepsClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	s, err := sqliteclaims.Open(ctx, path)
	require.NoError(t, err)
	reg := claims.New(s, claims.WithLocation(plus5))
	c, err := reg.File(ctx, "user-1", time.Date(2024, 6, 1, 10, 0, 0, 7, plus5), claims.WithTopic(claims.TopicAccess))
	require.NoError(t, err)
	require.NoError(t, reg.Answer(ctx, c.ID, c.Due.Add(time.Minute), "out/1"))
	require.NoError(t, s.Close())

	s = open(t, path)
	reg = claims.New(s, claims.WithLocation(plus5))
	got, err := reg.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.True(t, got.Received.Equal(c.Received))
	assert.Equal(t, c.Due, got.Due)
	assert.Equal(t, claims.StatusAnswered, got.Status)
	assert.True(t, got.AnsweredLate())
}

func TestTwoStoresOneFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	a, b := claims.New(open(t, path)), claims.New(open(t, path))
	c, err := a.File(ctx, "user-1", time.Now())
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, reg := range []*claims.Registry{a, b} {
		wg.Go(func() { errs[i] = reg.Answer(ctx, c.ID, time.Now(), "ref") })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			assert.ErrorIs(t, err, claims.ErrAnswered)
		}
	}
	assert.Equal(t, 1, ok, "two processes' answers: exactly one wins")
}

func TestFilingIsFixed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	reg := claims.New(open(t, path))
	c, err := reg.File(ctx, "user-1", time.Now())
	require.NoError(t, err)

	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(ctx, "UPDATE claims SET due_us = due_us + 86400000000 WHERE id = ?", c.ID)
	require.Error(t, err, "a deadline was moved behind the register's back")
	_, err = db.ExecContext(ctx, "UPDATE claims SET updated_us = 0 WHERE id = ?", c.ID)
	require.NoError(t, err, "the status columns stay writable")
}

func TestPendingUsesIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	open(t, path)
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	plan := func(q string, args ...any) string {
		rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		require.NoError(t, err)
		defer rows.Close()
		var out string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &notused, &detail))
			out += detail + "\n"
		}
		return out
	}
	assert.Contains(t, plan("SELECT id FROM claims WHERE status = 'received' AND (due_us < ?1 OR (due_us = ?1 AND due_ns < ?2)) ORDER BY due_us, due_ns, id", 1, 2),
		"claims_pending_due")
	assert.Contains(t, plan("SELECT id FROM claims WHERE subject = ? ORDER BY received_us, received_ns, id", "u"),
		"claims_subject")
}

func TestClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := sqliteclaims.Open(ctx, filepath.Join(t.TempDir(), "claims.db"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	_, err = s.Get(ctx, "clm_x")
	assert.ErrorIs(t, err, claims.ErrClosed)
	_, err = claims.New(s).File(ctx, "u", time.Now())
	assert.ErrorIs(t, err, claims.ErrClosed)
	_, err = s.Pending(ctx, time.Now())
	assert.ErrorIs(t, err, claims.ErrClosed)
}

func TestOpenRefusesBadPaths(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		_, err := sqliteclaims.Open(context.Background(), p)
		assert.Error(t, err, p)
	}
}

func TestSchemaTooNew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	s := open(t, path)
	require.NoError(t, s.Close())
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "INSERT INTO claims_schema_version (version, name, applied_us) VALUES (99, 'future', 0)")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = sqliteclaims.Open(ctx, path)
	assert.ErrorIs(t, err, sqliteclaims.ErrSchemaTooNew)
}

func BenchmarkFileAndAnswer(b *testing.B) {
	ctx := context.Background()
	reg := claims.New(open(b, filepath.Join(b.TempDir(), "claims.db")))
	at := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		c, err := reg.File(ctx, "user-1", at)
		if err != nil {
			b.Fatal(err)
		}
		if err := reg.Answer(ctx, c.ID, at, "ref"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetParallel(b *testing.B) {
	ctx := context.Background()
	reg := claims.New(open(b, filepath.Join(b.TempDir(), "claims.db")))
	c, err := reg.File(ctx, "user-1", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := reg.Get(ctx, c.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestForgetLeavesNoTrace forgets a subject and then reads the database
// file and its write-ahead log as bytes: the subject's ID and references
// are nowhere in them.
func TestForgetLeavesNoTrace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	s := open(t, path)
	reg := claims.New(s, claims.WithLocation(plus5))
	const who = "subject-7f3a9c-unique"
	at := time.Date(2025, 2, 3, 10, 0, 0, 0, plus5)
	for i := range 3 {
		c, err := reg.File(ctx, who, at, claims.WithTextRef("edo://in/"+who+"/"+string(rune('a'+i))))
		require.NoError(t, err)
		require.NoError(t, reg.Answer(ctx, c.ID, at.Add(time.Hour), "edo://out/"+who))
	}
	other, err := reg.File(ctx, "someone-else", at)
	require.NoError(t, err)

	n, err := reg.Forget(ctx, who)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	require.NoError(t, s.Close())

	regtest.NoTrace(t, path, who)
	s = open(t, path)
	got, err := claims.New(s).BySubject(ctx, "someone-else")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, other.ID, got[0].ID)
}

// TestTriggersGuardErasure tries by plain SQL what Forget must not allow.
func TestTriggersGuardErasure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	reg := claims.New(open(t, path), claims.WithLocation(plus5))
	c, err := reg.File(ctx, "user-1", time.Now())
	require.NoError(t, err)
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	for name, q := range map[string]string{
		"erase a pending claim":   `UPDATE claims SET subject = 'erased:X', text_ref = '' WHERE id = ?`,
		"move to another subject": `UPDATE claims SET subject = 'user-2' WHERE id = ?`,
		"delete":                  `DELETE FROM claims WHERE id = ?`,
		"rewrite the due date":    `UPDATE claims SET due_us = 0 WHERE id = ?`,
	} {
		_, err := db.ExecContext(ctx, q, c.ID)
		assert.Error(t, err, name)
	}
}

// TestUpgradeFromVersion1 opens a file written before erasure existed
// (schema version 1, a claim on record): Open brings it to version 2,
// the claim is intact, and it can be forgotten once answered.
func TestUpgradeFromVersion1(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	v1, err := os.ReadFile(filepath.Join("migrations", "0001_init.sql"))
	require.NoError(t, err)
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	for _, q := range []string{
		string(v1),
		`CREATE TABLE claims_schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us INTEGER NOT NULL) STRICT`,
		`INSERT INTO claims_schema_version VALUES (1, '0001_init', 0)`,
		`INSERT INTO claims (id, subject, channel, topic, text_ref, received_us, received_ns, due_us, due_ns, status,
			answer_ref, filed_us, updated_us) VALUES ('clm_old', 'user-old', 'paper', 'other', 'in/1',
			1717218000000000, 0, 1719860399999999, 999, 'received', '', 0, 0)`,
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())

	reg := claims.New(open(t, path), claims.WithLocation(plus5))
	c, err := reg.Get(ctx, "clm_old")
	require.NoError(t, err)
	assert.Equal(t, "user-old", c.Subject)
	_, err = reg.Forget(ctx, "user-old")
	require.ErrorIs(t, err, claims.ErrRetained)
	require.NoError(t, reg.Answer(ctx, c.ID, c.Received.Add(time.Hour), "out/1"))
	n, err := reg.Forget(ctx, "user-old")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// TestForgetWhileAnotherReads: while another connection reads an older
// snapshot the write-ahead log cannot be truncated and still holds the
// subject, so Forget fails, as a fault to retry, rather than report the
// subject erased; the retry, once the reader is done, finishes the scrub
// on the running store.
func TestForgetWhileAnotherReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	reg := claims.New(open(t, path, sqliteclaims.WithBusyTimeout(50*time.Millisecond)))
	const who = "subject-a9d1-unique"
	c, err := reg.File(ctx, who, time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.NoError(t, reg.Answer(ctx, c.ID, c.Received.Add(time.Hour), "edo://out/1"))

	done := regtest.ReadElsewhere(t, path, "claims")
	n, err := reg.Forget(ctx, who)
	require.ErrorIs(t, err, sqliteclaims.ErrNotScrubbed)
	assert.ErrorIs(t, err, claims.ErrUnavailable)
	assert.NotContains(t, err.Error(), who)
	assert.Zero(t, n)
	left, err := reg.BySubject(ctx, who)
	require.NoError(t, err)
	assert.Empty(t, left, "the erasure itself was committed")

	done()
	n, err = reg.Forget(ctx, who)
	require.NoError(t, err, "the retry finishes the scrub")
	assert.Zero(t, n)
	assert.Empty(t, regtest.Traces(t, path, who))
}

// TestForgetASubjectKeptBeforeStoresRefusedIt: a claim filed, by an
// earlier version, for a subject no store accepts now (invalid UTF-8, a
// NUL byte) is still erased by Forget.
func TestForgetASubjectKeptBeforeStoresRefusedIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	s := open(t, path)
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	for i, who := range []string{"user-\xff-legacy", "user-\x00-legacy"} {
		_, err = db.ExecContext(ctx, `INSERT INTO claims (id, subject, channel, topic, text_ref, received_us, received_ns, due_us, due_ns, status,
			answer_ref, answered_us, answered_ns, filed_us, updated_us) VALUES (?, ?, 'paper', 'other', 'in/1',
			1717218000000000, 0, 1719860399999999, 999, 'answered', 'out/1', 1717218000000001, 0, 0, 0)`, []string{"clm_legacy1", "clm_legacy2"}[i], who)
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())
	reg := claims.New(s, claims.WithLocation(plus5))
	for _, who := range []string{"user-\xff-legacy", "user-\x00-legacy"} {
		n, err := reg.Forget(ctx, who)
		require.NoError(t, err, "%q", who)
		assert.Equal(t, 1, n, "%q", who)
		got, err := s.BySubject(ctx, who)
		require.NoError(t, err)
		assert.Empty(t, got)
	}
}
