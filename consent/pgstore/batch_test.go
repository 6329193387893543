package pgstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

var (
	batchT0 = time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)
	batchV2 = policy.Version{ID: "2026-ru-2", Published: batchT0.Add(-24 * time.Hour)}
)

var batchRecipients = []disclosure.Recipient{
	{ID: "halyk", Kind: disclosure.ThirdParty},
	{ID: "de-analytics", Kind: disclosure.ThirdParty, Country: "DE"},
	{ID: "kaspi", Kind: disclosure.Partner},
}

func batchEngine(t testing.TB, store consent.Store) *policy.Engine {
	t.Helper()
	e, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(batchRecipients...),
		policy.WithVersion(batchV2), policy.WithPriorVersions(policy.DefaultVersion),
		policy.WithClock(func() time.Time { return batchT0.Add(time.Hour) }))
	require.NoError(t, err)
	return e
}

// randomTerm draws an event's term: one that ended before the clock, one
// ending a nanosecond after it, one ending at it, or, n-3 times in n,
// none.
func randomTerm(rng *rand.Rand, n int) []consent.EventOption {
	switch rng.IntN(n) {
	case 0:
		return []consent.EventOption{consent.WithTerm(batchT0.Add(30 * time.Minute))}
	case 1:
		return []consent.EventOption{consent.WithTerm(batchT0.Add(time.Hour + 1))}
	case 2:
		return []consent.EventOption{consent.WithTerm(batchT0.Add(time.Hour))}
	}
	return nil
}

// randomData draws the data a grant lists (art. 8 p.4): none, twice in
// four, else identity alone or with payment details.
func randomData(rng *rand.Rand) []consent.EventOption {
	switch rng.IntN(4) {
	case 0:
		return []consent.EventOption{consent.WithData(purpose.Identity)}
	case 1:
		return []consent.EventOption{consent.WithData(purpose.Identity, purpose.PaymentDetails)}
	}
	return nil
}

// randomLog appends random events for n subjects (some with none): the
// same kinds as policy's TestPlanAgreesWithCheck, at few distinct times
// (nanoseconds apart too) so that log-order ties are common.
func randomLog(t testing.TB, rng *rand.Rand, store consent.Store, n int) []string {
	t.Helper()
	versions := []string{batchV2.ID, policy.DefaultVersion.ID, "typo-version"}
	var scopes []consent.Scope
	for _, p := range []purpose.ID{purpose.Payments, purpose.Support} {
		for _, r := range batchRecipients {
			scopes = append(scopes, consent.Scope{Purpose: p, Recipient: r.ID})
		}
	}
	var subjects []string
	var all []consent.Event
	for i := range n {
		u := fmt.Sprintf("s%04d", i)
		subjects = append(subjects, u)
		for j := range rng.IntN(7) {
			at := batchT0.Add(time.Duration(rng.IntN(3))*time.Minute + time.Duration(rng.IntN(2)))
			id := consent.WithID(fmt.Sprintf("%s-%d", u, j))
			sc := scopes[rng.IntN(len(scopes))]
			switch rng.IntN(4) {
			case 0:
				opts := append([]consent.EventOption{id}, randomTerm(rng, 5)...)
				all = append(all, consent.AcceptPolicy(u, versions[rng.IntN(len(versions))], at, opts...))
			case 1:
				all = append(all, consent.WithdrawAcceptance(u, at, id))
			case 2:
				opts := []consent.EventOption{id, consent.WithFlags(consent.Flags{CrossBorderTransfer: rng.IntN(2) == 0})}
				opts = append(opts, randomTerm(rng, 4)...)
				opts = append(opts, randomData(rng)...)
				all = append(all, consent.Grant(u, sc.Purpose, sc.Recipient, at, opts...))
			case 3:
				all = append(all, consent.Withdraw(u, sc.Purpose, sc.Recipient, at, id))
			}
		}
	}
	// Appended in a shuffled order, in small batches: the log's order is
	// not the events' order.
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for chunk := range slices.Chunk(all, 50) {
		require.NoError(t, store.Append(context.Background(), chunk...))
	}
	return subjects
}

// TestFilterSQLAgreesWithCheck is the differential test of the batch
// question: for random consent, the subjects FilterSQL selects are
// exactly those a Check per subject allows (never one more), and States
// agrees with State.
func TestFilterSQLAgreesWithCheck(t *testing.T) {
	ctx := context.Background()
	schema := pgstore.NewTestSchema(t)
	pool := pgstore.NewTestPool(t, schema)
	store, err := pgstore.New(ctx, pool, pgstore.WithChannel(schema), pgstore.WithMigrate(), pgstore.WithCacheSize(0))
	require.NoError(t, err)
	t.Cleanup(store.Close)
	subjects := randomLog(t, rand.New(rand.NewPCG(14, 14)), store, 300)
	e := batchEngine(t, store)

	batch, err := store.States(ctx, subjects)
	require.NoError(t, err)
	for i, u := range subjects {
		st, err := store.State(ctx, u)
		require.NoError(t, err)
		require.Equal(t, st.Acceptance(), batch[i].Acceptance(), u)
		require.Equal(t, st.Grants(), batch[i].Grants(), u)
	}

	requests := []struct {
		p         purpose.ID
		recipient string
		opts      []policy.CheckOption
	}{
		{purpose.Payments, "halyk", nil},
		{purpose.Payments, "de-analytics", nil},
		{purpose.Support, "halyk", nil},
		{purpose.Payments, "kaspi", nil},
		{purpose.Payments, policy.Operator, nil},
		{purpose.Payments, "de-analytics", []policy.CheckOption{policy.WithBasis(policy.BasisTreaty)}},
		{purpose.Payments, "halyk", []policy.CheckOption{policy.WithBasis(policy.BasisLawEnforcement)}},
		{purpose.Payments, "halyk", []policy.CheckOption{policy.WithCategories(purpose.Identity)}},
		{purpose.Payments, "de-analytics", []policy.CheckOption{policy.WithCategories(purpose.Identity, purpose.PaymentDetails)}},
	}
	split := 0
	for _, rq := range requests {
		t.Run(fmt.Sprintf("%s/%s/%d", rq.p, rq.recipient, len(rq.opts)), func(t *testing.T) {
			pl, err := e.Plan(ctx, rq.p, rq.recipient, rq.opts...)
			require.NoError(t, err)
			var want []string
			for _, u := range subjects {
				d, err := e.Check(ctx, u, rq.p, rq.recipient, rq.opts...)
				require.NoError(t, err)
				if d.Allowed {
					want = append(want, u)
				}
			}
			where, args, err := store.FilterSQL(pl.Filter, "u", 1)
			require.NoError(t, err)
			rows, err := pool.Query(ctx, "SELECT u FROM unnest($1::text[]) AS u WHERE "+where+" ORDER BY u", append([]any{subjects}, args...)...)
			require.NoError(t, err)
			var got []string
			for rows.Next() {
				var u string
				require.NoError(t, rows.Scan(&u))
				got = append(got, u)
			}
			require.NoError(t, rows.Err())
			require.Equal(t, want, got, "filter %s", where)

			var streamed []string
			for u, err := range e.Allowed(ctx, rq.p, rq.recipient, slices.Values(subjects), rq.opts...) {
				require.NoError(t, err)
				streamed = append(streamed, u)
			}
			require.Equal(t, want, streamed)
			if len(want) > 0 && len(want) < len(subjects) {
				split++
			}
		})
	}
	require.GreaterOrEqual(t, split, 3, "the random data split most requests")
}

func TestFilterSQLMisuse(t *testing.T) {
	store, _ := newStore(t)
	_, _, err := store.FilterSQL(consent.Filter{}, "u.id", -1)
	require.Error(t, err)
	_, _, err = store.FilterSQL(consent.Filter{}, " ", 0)
	require.Error(t, err)
	where, args, err := store.FilterSQL(consent.Filter{}, "u.id", 0)
	require.NoError(t, err)
	require.Equal(t, "FALSE", where, "the zero Filter selects no one")
	require.Empty(t, args)
	_, err = store.States(context.Background(), make([]string, consent.MaxBatch+1))
	require.ErrorIs(t, err, consent.ErrInvalidBatch)
}

// BenchmarkBatchQuestion: which of N subjects may go to halyk for
// payments, by FilterSQL in one query against a Check per subject.
// N is 2,000 unless PRIVACY_PG_BENCH_SUBJECTS says otherwise (the issue's
// figure is 1,000,000). The log is written with one INSERT ... SELECT.
func BenchmarkBatchQuestion(b *testing.B) {
	n := 2000
	if v := os.Getenv("PRIVACY_PG_BENCH_SUBJECTS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	ctx := context.Background()
	schema := pgstore.NewTestSchema(b)
	pool := pgstore.NewTestPool(b, schema)
	store, err := pgstore.New(ctx, pool, pgstore.WithChannel(schema), pgstore.WithMigrate())
	require.NoError(b, err)
	b.Cleanup(store.Close)
	// Every subject accepted the version in force; two in three granted
	// payments to halyk; one in ten withdrew acceptance afterwards.
	_, err = pool.Exec(ctx, `INSERT INTO consent_events (id, subject, action, purpose, recipient, policy_version, at_time)
		SELECT 'a'||i, 's'||i, 'accept_policy', '', '', $2, $3::timestamptz FROM generate_series(1, $1::int) i
		UNION ALL SELECT 'g'||i, 's'||i, 'grant', 'payments', 'halyk', '', $3::timestamptz + interval '1 minute' FROM generate_series(1, $1::int) i WHERE i % 3 <> 0
		UNION ALL SELECT 'w'||i, 's'||i, 'withdraw_acceptance', '', '', '', $3::timestamptz + interval '2 minutes' FROM generate_series(1, $1::int) i WHERE i % 10 = 0`,
		n, batchV2.ID, batchT0)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, "ANALYZE consent_events")
	require.NoError(b, err)
	e := batchEngine(b, store)
	pl, err := e.Plan(ctx, purpose.Payments, "halyk")
	require.NoError(b, err)
	where, args, err := store.FilterSQL(pl.Filter, "'s'||i", 1)
	require.NoError(b, err)
	q := "SELECT count(*) FROM generate_series(1, $1::int) i WHERE " + where
	want := 0
	for i := 1; i <= n; i++ {
		if i%3 != 0 && i%10 != 0 {
			want++
		}
	}
	b.Run("filter-sql", func(b *testing.B) {
		for b.Loop() {
			var got int
			require.NoError(b, pool.QueryRow(ctx, q, append([]any{n}, args...)...).Scan(&got))
			require.Equal(b, want, got)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/subject")
	})
	subjects := make([]string, n)
	for i := range subjects {
		subjects[i] = "s" + strconv.Itoa(i+1)
	}
	b.Run("allowed-batched", func(b *testing.B) {
		for b.Loop() {
			got := 0
			for _, err := range e.Allowed(ctx, purpose.Payments, "halyk", slices.Values(subjects)) {
				require.NoError(b, err)
				got++
			}
			require.Equal(b, want, got)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/subject")
	})
	b.Run("check-each", func(b *testing.B) {
		for b.Loop() {
			got := 0
			for _, u := range subjects {
				d, err := e.Check(ctx, u, purpose.Payments, "halyk")
				require.NoError(b, err)
				if d.Allowed {
					got++
				}
			}
			require.Equal(b, want, got)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/subject")
	})
}

// TestFilterSQLUnderToken: a selection made under a token (a Plan with
// WithAtLeast) never judges consent from a snapshot that misses the
// token's write. With a withdrawal appended in a host transaction that
// has not committed, the query fails rather than select the subject;
// once Await returns, the query leaves the subject out. The host's own
// transaction sees its write, and may select under its token.
func TestFilterSQLUnderToken(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schema := pgstore.NewTestSchema(t)
	pool := pgstore.NewTestPool(t, schema)
	store, err := pgstore.New(ctx, pool, pgstore.WithChannel(schema), pgstore.WithMigrate())
	require.NoError(t, err)
	t.Cleanup(store.Close)
	require.NoError(t, store.Append(ctx,
		consent.AcceptPolicy("s1", batchV2.ID, batchT0),
		consent.Grant("s1", purpose.Payments, "halyk", batchT0)))
	e := batchEngine(t, store)
	count := func(q interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}, where string, args []any) (int, error) {
		var n int
		err := q.QueryRow(ctx, "SELECT count(*) FROM (VALUES ('s1')) v(u) WHERE "+where, args...).Scan(&n)
		return n, err
	}

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	tok, err := store.AppendTx(ctx, tx, consent.Withdraw("s1", purpose.Payments, "halyk", batchT0.Add(time.Minute)))
	require.NoError(t, err)
	pl, err := e.Plan(ctx, purpose.Payments, "halyk", policy.WithAtLeast(tok))
	require.NoError(t, err)
	require.Equal(t, tok, pl.Filter.AtLeast)
	where, args, err := store.FilterSQL(pl.Filter, "v.u", 0)
	require.NoError(t, err)

	// Without the token the filter selects s1 from a snapshot that
	// misses the withdrawal: the token is what stands in the way.
	bare := pl.Filter
	bare.AtLeast = ""
	bw, bargs, err := store.FilterSQL(bare, "v.u", 0)
	require.NoError(t, err)
	n, err := count(pool, bw, bargs)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	_, err = count(pool, where, args)
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe, "a snapshot without the token's write must fail the query")
	require.Equal(t, "22P02", pe.Code)
	require.Contains(t, pe.Message, "not visible to this query")

	// The host's own transaction sees its write.
	n, err = count(tx, where, args)
	require.NoError(t, err)
	require.Zero(t, n)

	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, store.Await(cctx, tok), context.DeadlineExceeded)
	require.NoError(t, tx.Commit(ctx))
	require.NoError(t, store.Await(ctx, tok))
	n, err = count(pool, where, args)
	require.NoError(t, err)
	require.Zero(t, n, "after Await the query reflects the withdrawal")

	// Tokens that name nothing to wait for, or another store's.
	require.NoError(t, store.Await(ctx, ""))
	tx2, err := pool.Begin(ctx)
	require.NoError(t, err)
	rolled, err := store.AppendTx(ctx, tx2, consent.Grant("s2", purpose.Payments, "halyk", batchT0))
	require.NoError(t, err)
	require.NoError(t, tx2.Rollback(ctx))
	require.ErrorIs(t, store.Await(ctx, rolled), consent.ErrTokenInvalid)
	foreign := pl.Filter
	foreign.AtLeast = "pg.another-store.42"
	_, _, err = store.FilterSQL(foreign, "v.u", 0)
	require.ErrorIs(t, err, consent.ErrTokenInvalid)
	foreign.Allow = nil // a plan that allows no one checks its token too
	_, _, err = store.FilterSQL(foreign, "v.u", 0)
	require.ErrorIs(t, err, consent.ErrTokenInvalid)
	require.ErrorIs(t, store.Await(ctx, foreign.AtLeast), consent.ErrTokenInvalid)
}

// TestFilterSQLOfAHandBuiltFilter: a Filter built by hand selects in SQL
// what Match selects: a condition repeated as often as there are
// conditions is still one (not "every subject"), and a condition no
// subject can be in (cross-border without a grant) is refused.
func TestFilterSQLOfAHandBuiltFilter(t *testing.T) {
	ctx := t.Context()
	store, schema := newStore(t)
	require.NoError(t, store.Append(ctx,
		consent.AcceptPolicy("granted", batchV2.ID, batchT0),
		consent.Grant("granted", purpose.Payments, "halyk", batchT0),
		consent.AcceptPolicy("accepted", batchV2.ID, batchT0)))
	f := consent.Filter{Scope: consent.Scope{Purpose: purpose.Payments, Recipient: "halyk"}, At: batchT0.Add(time.Hour), Current: batchV2.ID}
	cur := consent.Condition{Standing: consent.StandingCurrent, Grant: true}
	for range consent.Conditions() {
		f.Allow = append(f.Allow, cur)
	}
	where, args, err := store.FilterSQL(f, "v.u", 0)
	require.NoError(t, err)
	rows, err := pgstore.NewTestPool(t, schema).Query(ctx, "SELECT v.u FROM (VALUES ('granted'), ('accepted'), ('nobody')) v(u) WHERE "+where+" ORDER BY v.u", args...)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	var want []string
	for _, u := range []string{"accepted", "granted", "nobody"} {
		st, err := store.State(ctx, u)
		require.NoError(t, err)
		if f.Match(st) {
			want = append(want, u)
		}
	}
	require.Equal(t, []string{"granted"}, want)
	require.Equal(t, want, got)

	f.Allow = []consent.Condition{{Standing: consent.StandingCurrent, CrossBorder: true}}
	_, _, err = store.FilterSQL(f, "v.u", 0)
	require.Error(t, err)
	f.Allow = []consent.Condition{{Standing: consent.StandingOutdated + 1}}
	_, _, err = store.FilterSQL(f, "v.u", 0)
	require.Error(t, err)
}
