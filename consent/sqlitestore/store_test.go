package sqlitestore_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/consenttest"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/purpose"
)

func open(t testing.TB, path string, opts ...sqlitestore.Option) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	consenttest.Run(t, func(t *testing.T) consent.Store {
		return open(t, filepath.Join(t.TempDir(), "consent.db"))
	})
}

func TestConformanceNoCache(t *testing.T) {
	t.Parallel()
	consenttest.Run(t, func(t *testing.T) consent.Store {
		return open(t, filepath.Join(t.TempDir(), "consent.db"), sqlitestore.WithCacheSize(0))
	})
}

func TestConformanceSoleWriter(t *testing.T) {
	t.Parallel()
	consenttest.Run(t, func(t *testing.T) consent.Store {
		return open(t, filepath.Join(t.TempDir(), "consent.db"), sqlitestore.WithSoleWriter())
	})
}

// WithSoleWriter trades the check for other writers for a State with no
// database access: a store that promised to be the only writer does not
// see another's append while its cached entry lives. The test pins that
// documented trade, so nobody mistakes it for the default.
func TestSoleWriterSkipsOthersAppends(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.db")
	a, b := open(t, path, sqlitestore.WithSoleWriter()), open(t, path)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, a.Append(ctx, consent.Grant("u", purpose.Payments, "bank", at)))
	_, err := a.State(ctx, "u") // warm a's cache
	require.NoError(t, err)
	require.NoError(t, b.Append(ctx, consent.Withdraw("u", purpose.Payments, "bank", at.Add(time.Minute))))
	st, err := a.State(ctx, "u")
	require.NoError(t, err)
	assert.True(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), "the promise was broken: a cannot know")
	// Its own appends it sees at once.
	require.NoError(t, a.Append(ctx, consent.Withdraw("u", purpose.Payments, "bank", at.Add(2*time.Minute))))
	st, err = a.State(ctx, "u")
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)))
}

func TestNanosecondsRoundTrip(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "c.db"))
	at := time.Date(2024, 6, 1, 9, 0, 0, 123456789, time.UTC)
	e := consent.Grant("u", purpose.Payments, "bank", at, consent.WithTerm(at.Add(time.Hour+7)))
	require.NoError(t, s.Append(t.Context(), e))
	h, err := s.History(t.Context(), "u")
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, e, h[0], "times must come back exactly, in UTC")
	// Before 1970 and far ahead.
	old := consent.Grant("u", purpose.Payments, "old", time.Date(1960, 1, 2, 3, 4, 5, 999, time.UTC),
		consent.WithTerm(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)))
	require.NoError(t, s.Append(t.Context(), old))
	h, err = s.History(t.Context(), "u")
	require.NoError(t, err)
	assert.Equal(t, []consent.Event{old, e}, h)
}

// TestSeesOtherProcessWrites checks that a Store's cache notices appends
// made through another Store (standing in for another process) on the same
// file.
func TestSeesOtherProcessWrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.db")
	a, b := open(t, path), open(t, path)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, a.Append(ctx, consent.Grant("u", purpose.Payments, "bank", at)))
	st, err := a.State(ctx, "u") // warm a's cache
	require.NoError(t, err)
	require.True(t, st.Granted(purpose.Payments, "bank", at))
	st, err = a.State(ctx, "u")
	require.NoError(t, err)
	require.True(t, st.Granted(purpose.Payments, "bank", at))

	require.NoError(t, b.Append(ctx, consent.Withdraw("u", purpose.Payments, "bank", at.Add(time.Minute))))
	st, err = a.State(ctx, "u")
	require.NoError(t, err)
	assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), "a served a state cached before b's withdrawal")
}

func TestClosed(t *testing.T) {
	t.Parallel()
	s, err := sqlitestore.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	err = s.Append(t.Context(), consent.AcceptPolicy("u", "v", time.Now()))
	assert.ErrorIs(t, err, consent.ErrClosed)
	_, err = s.State(t.Context(), "u")
	assert.ErrorIs(t, err, consent.ErrClosed)
	_, err = s.History(t.Context(), "u")
	assert.ErrorIs(t, err, consent.ErrClosed)
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		_, err := sqlitestore.Open(t.Context(), p)
		assert.Error(t, err, p)
	}
	_, err := sqlitestore.Open(t.Context(), filepath.Join(t.TempDir(), "no", "such", "dir", "c.db"))
	assert.ErrorIs(t, err, consent.ErrUnavailable)
}

func TestSchemaTooNew(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.db")
	s := open(t, path)
	require.NoError(t, s.Close())

	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec("INSERT INTO consent_schema_version (version, name, applied_us) VALUES (999, '0999_future', 0)")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = sqlitestore.Open(t.Context(), path)
	require.Error(t, err)
	assert.ErrorIs(t, err, sqlitestore.ErrSchemaTooNew)
	assert.Contains(t, err.Error(), "999")
}

func TestReopenKeepsEverything(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.db")
	s := open(t, path)
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	events := []consent.Event{
		consent.AcceptPolicy("u", "2024-06", at),
		consent.Grant("u", purpose.Payments, "bank", at, consent.WithFlags(consent.Flags{Publication: true})),
	}
	require.NoError(t, s.Append(t.Context(), events...))
	require.NoError(t, s.Close())
	s = open(t, path) // migrations are not applied twice
	h, err := s.History(t.Context(), "u")
	require.NoError(t, err)
	assert.Equal(t, events, h)
}

// TestAppendOnly shows the evidence cannot be rewritten or deleted through
// plain SQL: a withdrawal deleted would bring its grant back.
func TestAppendOnly(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	for _, stmt := range []string{
		"UPDATE consent_events SET policy_version = 'forged'",
		"UPDATE consent_events SET action = 'grant' WHERE action = 'withdraw'",
		"DELETE FROM consent_events WHERE action = 'withdraw'",
		"DELETE FROM consent_events",
		"DELETE FROM consent_meta",
		"UPDATE consent_meta SET value = 'other'",
	} {
		t.Run(stmt, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.db")
			s := open(t, path)
			require.NoError(t, s.Append(t.Context(),
				consent.Grant("u", purpose.Payments, "bank", at),
				consent.Withdraw("u", purpose.Payments, "bank", at.Add(time.Minute))))
			db, err := sql.Open("sqlite", path)
			require.NoError(t, err)
			defer db.Close()
			_, err = db.Exec(stmt)
			require.ErrorContains(t, err, "append-only")
			st, err := open(t, path).State(t.Context(), "u")
			require.NoError(t, err)
			assert.False(t, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)), "the grant came back")
			assert.Equal(t, 2, st.Events())
		})
	}
}

func TestErrorsCarryNoSubject(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "c.db"))
	const secret = "870412300123" // an IIN-shaped user ID
	at := time.Now()
	require.NoError(t, s.Append(t.Context(), consent.Grant(secret, purpose.Payments, "bank", at, consent.WithID("x"))))
	errs := []error{
		s.Append(t.Context(), consent.Grant(secret, purpose.Payments, "bank", at.Add(1), consent.WithID("x"))),
		s.Append(t.Context(), consent.Grant(secret, "", "", at)),
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.State(ctx, secret)
	errs = append(errs, err)
	for _, err := range errs {
		require.Error(t, err)
		assert.NotContains(t, err.Error(), secret)
		assert.Regexp(t, `^sqlitestore: `, err.Error())
	}
}

func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.db")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			s, err := sqlitestore.Open(t.Context(), path)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
}

// TestReadYourWritesAcrossInstances: a token from one Store's append is
// honoured by another Store over the same file, and a token from another
// file is refused.
func TestReadYourWritesAcrossInstances(t *testing.T) {
	t.Parallel()
	consenttest.RunInstances(t, func(t *testing.T) (consent.TokenStore, consent.TokenStore) {
		path := filepath.Join(t.TempDir(), "c.db")
		return open(t, path), open(t, path, sqlitestore.WithSoleWriter())
	})
	a := open(t, filepath.Join(t.TempDir(), "a.db"))
	b := open(t, filepath.Join(t.TempDir(), "b.db"))
	tok, err := a.AppendToken(t.Context(), consent.AcceptPolicy("u", "v", time.Now()))
	require.NoError(t, err)
	_, err = b.StateAtLeast(t.Context(), "u", tok)
	require.ErrorIs(t, err, consent.ErrTokenInvalid)
}
