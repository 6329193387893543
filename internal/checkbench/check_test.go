package checkbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

var t0 = time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)

type backend struct {
	name string
	open func(tb testing.TB) consent.Store
}

func backends() []backend {
	return []backend{
		{"memory", func(testing.TB) consent.Store { return consent.NewMemoryStore() }},
		{"sqlite", func(tb testing.TB) consent.Store {
			s, err := sqlitestore.Open(context.Background(), filepath.Join(tb.TempDir(), "consent.db"))
			require.NoError(tb, err)
			tb.Cleanup(func() { s.Close() })
			return s
		}},
		{"sqlite-sole-writer", func(tb testing.TB) consent.Store {
			s, err := sqlitestore.Open(context.Background(), filepath.Join(tb.TempDir(), "consent.db"), sqlitestore.WithSoleWriter())
			require.NoError(tb, err)
			tb.Cleanup(func() { s.Close() })
			return s
		}},
		{"postgres", openPG},
	}
}

// openPG returns a pgstore in a schema of its own on PRIVACY_PG_DSN.
func openPG(tb testing.TB) consent.Store {
	dsn := os.Getenv("PRIVACY_PG_DSN")
	if dsn == "" {
		if os.Getenv("PRIVACY_PG_REQUIRED") == "1" {
			tb.Fatal("PRIVACY_PG_REQUIRED=1 but PRIVACY_PG_DSN is not set")
		}
		tb.Skip("set PRIVACY_PG_DSN=postgres://... to include PostgreSQL (eval \"$(bash .ci/pg-up)\" prints one)")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("checkbench_%d", rand.Uint64()>>1)
	admin, err := pgx.Connect(ctx, dsn)
	require.NoError(tb, err, "PostgreSQL at PRIVACY_PG_DSN")
	_, err = admin.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(tb, err)
	tb.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(context.Background())
	})
	cfg, err := pgxpool.ParseConfig(dsn)
	require.NoError(tb, err)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(tb, err)
	tb.Cleanup(pool.Close)
	s, err := pgstore.New(ctx, pool, pgstore.WithChannel(schema), pgstore.WithMigrate())
	require.NoError(tb, err)
	tb.Cleanup(s.Close)
	return s
}

func engineOver(tb testing.TB, store consent.Store) *policy.Engine {
	e, err := policy.New(
		policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "halyk", Kind: disclosure.ThirdParty}),
	)
	require.NoError(tb, err)
	ctx := context.Background()
	require.NoError(tb, store.Append(ctx,
		consent.AcceptPolicy("bench-user", e.Version().ID, t0),
		consent.Grant("bench-user", purpose.Payments, "halyk", t0),
	))
	return e
}

// TestCheckOverEveryStore checks that each store gives the engine the same
// answers, withdrawal included: the next Check after an Append sees it.
func TestCheckOverEveryStore(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			store := b.open(t)
			e := engineOver(t, store)
			ctx := context.Background()
			d, err := e.Check(ctx, "bench-user", purpose.Payments, "halyk")
			require.NoError(t, err)
			require.True(t, d.Allowed)
			require.NoError(t, store.Append(ctx, consent.Withdraw("bench-user", purpose.Payments, "halyk", t0.Add(time.Second))))
			d, err = e.Check(ctx, "bench-user", purpose.Payments, "halyk")
			require.NoError(t, err)
			require.False(t, d.Allowed)
			require.True(t, d.Has("consent_required"))
		})
	}
}

// BenchmarkCheckStore is a warm Check (decision cached, the user's state
// read from the store) over each store, serial and parallel.
func BenchmarkCheckStore(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			e := engineOver(b, be.open(b))
			ctx := context.Background()
			check := func() bool {
				d, err := e.Check(ctx, "bench-user", purpose.Payments, "halyk", policy.WithCategories(purpose.PaymentDetails))
				return err == nil && d.Allowed
			}
			require.True(b, check())
			b.Run("serial", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if !check() {
						b.Fatal("denied")
					}
				}
			})
			b.Run("parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if !check() {
							b.Error("denied")
							return
						}
					}
				})
			})
		})
	}
}
