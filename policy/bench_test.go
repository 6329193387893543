package policy_test

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// The benchmarks below run in one process so their ratios are fair:
//
//	BenchmarkCheck          warm Check, memory store, decision cache on
//	BenchmarkCheckUncached  Check evaluating the Rego every time
//	BenchmarkOPAPrepared    the same Rego through a plain prepared query
//	                        with map input, as a typical OPA user would
//	BenchmarkReference      the same decision written by hand in Go,
//	                        consent lookup included
//
// Each has a serial and a parallel (b.RunParallel) form.

// benchRequest is a disclosure to an unaffiliated company under a grant,
// naming two categories: every part of the input is exercised.
var benchCategories = []purpose.Category{purpose.Identity, purpose.PaymentDetails}

func benchFixture(b *testing.B, opts ...policy.Option) fixture {
	f := newFixture(b, opts...)
	f.append(b,
		consent.AcceptPolicy("bench-user", policy.DefaultVersion.ID, t0),
		consent.Grant("bench-user", purpose.Payments, "halyk", t0),
	)
	return f
}

func runCheck(b *testing.B, e *policy.Engine) {
	ctx := context.Background()
	d, err := e.Check(ctx, "bench-user", purpose.Payments, "halyk", policy.WithCategories(benchCategories...))
	require.NoError(b, err)
	require.True(b, d.Allowed)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d, err := e.Check(ctx, "bench-user", purpose.Payments, "halyk", policy.WithCategories(benchCategories...))
			if err != nil || !d.Allowed {
				b.Fatal(d, err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				d, err := e.Check(ctx, "bench-user", purpose.Payments, "halyk", policy.WithCategories(benchCategories...))
				if err != nil || !d.Allowed {
					b.Error(d, err)
					return
				}
			}
		})
	})
}

func BenchmarkCheck(b *testing.B) {
	runCheck(b, benchFixture(b).engine)
}

func BenchmarkCheckUncached(b *testing.B) {
	runCheck(b, benchFixture(b, policy.WithCacheSize(0)).engine)
}

func BenchmarkOPAPrepared(b *testing.B) {
	modules := map[string]string{}
	names, err := fs.Glob(policy.Rego(), "*.rego")
	require.NoError(b, err)
	var opts []func(*rego.Rego)
	for _, n := range names {
		src, err := fs.ReadFile(policy.Rego(), n)
		require.NoError(b, err)
		modules[n] = string(src)
		opts = append(opts, rego.Module(n, string(src)))
	}
	store := inmem.NewFromObject(jsonRoundTrip(b, policy.StaticData(purpose.Default())))
	opts = append(opts, rego.Query("data.privacy.decision"), rego.Store(store))
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	require.NoError(b, err)
	ctx := context.Background()
	input := map[string]any{
		"purpose":    "payments",
		"recipient":  map[string]any{"kind": "third_party", "country": "KZ", "confidentiality": false},
		"categories": []any{"identity", "payment_details"},
		"acceptance": "current",
		"grant":      true,
	}
	eval := func() bool {
		rs, err := pq.Eval(ctx, rego.EvalInput(input))
		if err != nil || len(rs) != 1 {
			return false
		}
		d, _ := rs[0].Expressions[0].Value.(map[string]any)
		return d["allow"] == true
	}
	require.True(b, eval())
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !eval() {
				b.Fatal("denied")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !eval() {
					b.Error("denied")
					return
				}
			}
		})
	})
}

func BenchmarkReference(b *testing.B) {
	f := benchFixture(b)
	ctx := context.Background()
	cat := purpose.Default()
	r, _ := f.engine.Recipient("halyk")
	now := func() time.Time { return t0.Add(time.Hour) }
	decide := func() bool {
		st, err := f.store.State(ctx, "bench-user")
		if err != nil {
			return false
		}
		acc := "none"
		if a := st.Acceptance(); a.Standing() {
			acc = "current"
		}
		ok, _, _ := reference(cat, purpose.Payments, string(r.Kind), r.Confidentiality, benchCategories, acc, st.Granted(purpose.Payments, "halyk", now()))
		return ok
	}
	require.True(b, decide())
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !decide() {
				b.Fatal("denied")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !decide() {
					b.Error("denied")
					return
				}
			}
		})
	})
}
