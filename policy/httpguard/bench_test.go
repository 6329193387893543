package httpguard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/httpguard"
	"github.com/yasam/privacy/policy/policytest"
	"github.com/yasam/privacy/purpose"
)

// discard is a ResponseWriter that keeps nothing, so the benchmarks
// measure the middleware rather than a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header       { return d.h }
func (*discard) Write(b []byte) (int, error) { return len(b), nil }
func (*discard) WriteHeader(int)             {}

// BenchmarkRequire measures the middleware on the allow path over a real
// engine (warm decision cache, memory store) and against the bare handler,
// and over a Checker that returns a fixed decision, so the
// difference from bare is the middleware's own cost.
func BenchmarkRequire(b *testing.B) {
	f := policytest.New(b)
	f.Accept(user)
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	// The canonical header name, so that the host's own lookup does not
	// count against the middleware.
	userID := func(r *http.Request) (string, error) { return r.Header.Get("X-User-Id"), nil }
	opts := httpguard.Options{User: userID, Categories: []purpose.Category{purpose.PaymentDetails}}
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{"bare", next},
		{"engine", httpguard.Require(f.Engine(), purpose.Payments, policytest.Partner, opts)(next)},
		{"fixed", httpguard.Require(fixed(policytest.Allow().WithObligation("record_disclosure", "7.1").Decision()),
			purpose.Payments, policytest.Partner, opts)(next)},
	}
	for _, h := range handlers {
		b.Run(h.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("X-User-ID", user)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.h.ServeHTTP(w, req)
			}
		})
		b.Run(h.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.Header.Set("X-User-ID", user)
				w := &discard{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					h.h.ServeHTTP(w, req)
				}
			})
		})
	}
}

// fixed is a Checker that allocates nothing. (A Stub records every call,
// which a benchmark would turn into a growing slice.)
type fixed policy.Decision

func (f fixed) Check(context.Context, string, purpose.ID, string, ...policy.CheckOption) (policy.Decision, error) {
	return policy.Decision(f), nil
}
