package httpguard_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/httpguard"
	"github.com/yasam/privacy/policy/policytest"
	"github.com/yasam/privacy/purpose"
)

// TestRequireCheckerPanics: a Checker that panics is answered with a 500
// problem, the handler does not run, and neither the panic value nor the
// user reaches the body or the error OnDeny gets.
func TestRequireCheckerPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value any
	}{
		{"string", "store broke for " + user},
		{"error", errors.New("driver: " + user)},
		{"runtime error", nil}, // a nil map write below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bad := checkerFunc(func(context.Context, string, purpose.ID, string, ...policy.CheckOption) (policy.Decision, error) {
				if tt.value == nil {
					var m map[string]int
					m[user]++
				}
				panic(tt.value)
			})
			var gotErr error
			next := &recorder{}
			h := httpguard.Require(bad, purpose.Support, policy.Operator, httpguard.Options{
				User: userHeader,
				OnDeny: func(w http.ResponseWriter, r *http.Request, d policy.Decision, err error) {
					gotErr = err
					assert.False(t, d.Allowed)
					httpguard.ProblemWriter("en")(w, r, d, err)
				},
			})(next)
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("X-User-ID", user)
			w := serve(t, h, req)

			assert.Equal(t, http.StatusInternalServerError, w.Code)
			assert.False(t, next.called.Load())
			p := problem(t, w)
			assert.Equal(t, httpguard.TypeError, p.Type)
			require.Len(t, p.Reasons, 1)
			assert.Equal(t, httpguard.ReasonCheckFailed, p.Reasons[0].Code)
			assert.NotContains(t, w.Body.String(), user)
			require.ErrorIs(t, gotErr, httpguard.ErrCheckerPanicked)
			assert.NotContains(t, gotErr.Error(), user)
		})
	}
}

// TestRequireHandlerPanicPropagates: the middleware recovers only the
// Checker; a panic in the host's handler is the host's to handle.
func TestRequireHandlerPanicPropagates(t *testing.T) {
	t.Parallel()
	h := httpguard.Require(policytest.NewStub(policytest.Allow()), purpose.Support, policy.Operator,
		httpguard.Options{User: userHeader})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("host bug") }))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("X-User-ID", user)
	assert.PanicsWithValue(t, "host bug", func() { h.ServeHTTP(httptest.NewRecorder(), req) })
}

// TestRequireNoRequestValuesInBody: whatever the request carries (a huge
// recipient in the path, a long user ID) and whatever the Checker puts in
// its Decision, a problem body names no request value and stays within
// MaxProblemSize. (A Checker is the host's code and trusted not to copy
// request values into its reasons; the engine never does.)
func TestRequireNoRequestValuesInBody(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("r", 512<<10)
	marker := "leak-" + strings.Repeat("x", 40)
	fromPath := httpguard.Options{User: userHeader, Recipient: func(r *http.Request) string { return r.PathValue("to") }}
	verbose := checkerFunc(func(_ context.Context, _ string, p purpose.ID, rc string, _ ...policy.CheckOption) (policy.Decision, error) {
		// A Checker that names the request's recipient in its Decision, as
		// the engine does, and gives a thousand long reasons.
		d := policy.Decision{Purpose: p, Recipient: rc, PolicyVersion: "v1-" + strings.Repeat("v", 5000)}
		for range 1000 {
			d.Reasons = append(d.Reasons, policy.Reason{
				Code: "consent_required", Clause: "5.2",
				Message:    purpose.Text{RU: strings.Repeat("м", 300), EN: strings.Repeat("m", 300)},
				Categories: []purpose.Category{purpose.PaymentDetails},
			})
		}
		return d, nil
	})
	tests := []struct {
		name       string
		checker    func(t *testing.T) httpguard.Checker
		user, path string
		leak       string
		wantStatus int
	}{
		{"512 KB recipient in the path", func(t *testing.T) httpguard.Checker {
			f := policytest.New(t)
			f.Accept(user)
			return f.Engine()
		}, user, "/share/" + huge, huge[:100], http.StatusNotFound},
		{"unregistered recipient in the path", func(t *testing.T) httpguard.Checker {
			f := policytest.New(t)
			f.Accept(user)
			return f.Engine()
		}, user, "/share/" + marker, marker, http.StatusNotFound},
		{"300-byte user ID", func(t *testing.T) httpguard.Checker {
			return policytest.New(t).Engine()
		}, user + strings.Repeat("u", 300), "/share/" + policytest.Partner, user, http.StatusBadRequest},
		{"Checker gives a thousand reasons", func(*testing.T) httpguard.Checker { return verbose },
			user, "/share/" + marker, marker, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mux := http.NewServeMux()
			next := &recorder{}
			mux.Handle("/share/{to}", httpguard.Require(tt.checker(t), purpose.Payments, "", fromPath)(next))
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.Header.Set("X-User-ID", tt.user)
			w := serve(t, mux, req)

			assert.Equal(t, tt.wantStatus, w.Code)
			assert.False(t, next.called.Load())
			assert.LessOrEqual(t, w.Body.Len(), httpguard.MaxProblemSize)
			assert.NotContains(t, w.Body.String(), tt.leak)
			assert.NotContains(t, w.Body.String(), user)
			p := problem(t, w)
			assert.NotEmpty(t, p.Reasons, "the first reason is kept")
		})
	}
}

func TestNegotiateQuality(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, header, want string }{
		{"q beyond float64", "en;q=1e400, kk;q=0.5", "kk"},
		{"q infinite", "en;q=Inf, kk;q=0.1", "kk"},
		{"q NaN", "en;q=NaN, kk;q=0.1", "kk"},
		{"q negative", "en;q=-0.5, kk;q=0.1", "kk"},
		{"q above one", "en;q=1.001, kk;q=0.1", "kk"},
		{"q tiny underflows to zero", "en;q=1e-400, kk;q=0.1", "kk"},
		{"malformed counts as one", "kk;q=0.9, en;q=x", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, httpguard.Negotiate(tt.header, "ru"))
		})
	}
}

// FuzzNegotiate: any header and fallback give one of the policy's
// languages (or the fallback), never a panic, and a header that names no
// supported language gives the fallback.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "en", "kk-KZ,ru;q=0.8", "en;q=1e400", "en;q=NaN", "*", "kz;q=0.5, en;q=0.4",
		" EN-us ; q=1 ", ";;,,", "en;q", "en;q=", "ru;Q=0.000", "en;q=0x1p-1", "de"} {
		f.Add(s, "ru")
	}
	f.Add("en", "de")
	f.Fuzz(func(t *testing.T, header, fallback string) {
		got := httpguard.Negotiate(header, fallback)
		switch got {
		case "ru", "kk", "en", fallback:
		default:
			t.Fatalf("Negotiate(%q, %q) = %q", header, fallback, got)
		}
		lower := strings.ToLower(header)
		if !strings.Contains(lower, "ru") && !strings.Contains(lower, "kk") && !strings.Contains(lower, "kz") &&
			!strings.Contains(lower, "en") && got != fallback {
			t.Fatalf("Negotiate(%q, %q) = %q, want the fallback", header, fallback, got)
		}
	})
}

// TestNilEngineDenies: a nil *policy.Engine passes Require (a typed nil in
// the Checker interface). Every request is denied through OnDeny, with a
// user or without, and the middleware never panics out.
func TestNilEngineDenies(t *testing.T) {
	var e *policy.Engine
	for _, withUser := range []bool{true, false} {
		next := &recorder{}
		var denied bool
		h := httpguard.Require(e, purpose.Support, policy.Operator, httpguard.Options{User: userHeader,
			OnDeny: func(w http.ResponseWriter, _ *http.Request, d policy.Decision, _ error) {
				denied = !d.Allowed
				w.WriteHeader(http.StatusForbidden)
			}})(next)
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if withUser {
			req.Header.Set("X-User-ID", user)
		}
		w := httptest.NewRecorder()
		require.NotPanics(t, func() { h.ServeHTTP(w, req) }, "with a user: %v", withUser)
		assert.True(t, denied, "with a user: %v", withUser)
		assert.False(t, next.called.Load())
	}
}

// TestSelfDenialNamesNoRecipient: a request the middleware denies on its
// own (here: no user) gets a Decision naming no recipient, so that a host
// logging it (OnDeny logging d) writes neither a person's name given as
// an individual recipient nor a caller-sized path value.
func TestSelfDenialNamesNoRecipient(t *testing.T) {
	f := policytest.New(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	mux := http.NewServeMux()
	mux.Handle("GET /share/{recipient}", httpguard.Require(f.Engine(), purpose.Payments, "", httpguard.Options{
		User:      userHeader,
		Recipient: func(r *http.Request) string { return r.PathValue("recipient") },
		OnDeny: func(w http.ResponseWriter, _ *http.Request, d policy.Decision, err error) {
			assert.Empty(t, d.Recipient)
			logger.Warn("privacy denial", "decision", d, "err", err)
			w.WriteHeader(http.StatusForbidden)
		},
	})(&recorder{}))
	for _, rc := range []string{policytest.Individual, strings.Repeat("x", 100000)} {
		buf.Reset()
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/share/"+rc, nil)) // no X-User-ID
		assert.Equal(t, http.StatusForbidden, w.Code)
		assert.NotContains(t, buf.String(), rc[:min(len(rc), 64)])
		assert.Less(t, buf.Len(), 2048)
	}
}

// TestOnDenyLogOfAnUnregisteredRecipient: the docs tell hosts to log d
// and err in OnDeny. A recipient read from the path that is not
// registered (a person's name and IIN typed into a share form) is
// neither in that log nor in the answer.
func TestOnDenyLogOfAnUnregisteredRecipient(t *testing.T) {
	engine, err := policy.New()
	require.NoError(t, err)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	write := httpguard.ProblemWriter("ru")
	guard := httpguard.Require(engine, purpose.Payments, "", httpguard.Options{
		User:      func(*http.Request) (string, error) { return "user-1", nil },
		Recipient: func(r *http.Request) string { return r.PathValue("recipient") },
		OnDeny: func(w http.ResponseWriter, r *http.Request, d policy.Decision, err error) {
			logger.WarnContext(r.Context(), "privacy denial", "decision", d, "err", err)
			write(w, r, d, err)
		},
	})
	mux := http.NewServeMux()
	mux.Handle("POST /share/{recipient}", guard(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("POST", "/share/Ivanov%20Ivan%20880101300123", nil))
	require.Equal(t, http.StatusNotFound, rec.Code)
	assert.NotContains(t, rec.Body.String(), "880101300123")
	assert.NotContains(t, logs.String(), "880101300123", "the documented OnDeny log holds the request's recipient")
	assert.Contains(t, logs.String(), `"recipient":"[unregistered]"`)
}
