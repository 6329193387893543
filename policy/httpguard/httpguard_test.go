package httpguard_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/httpguard"
	"github.com/yasam/privacy/policy/policytest"
	"github.com/yasam/privacy/purpose"
)

// user is distinctive so that a test can tell it never reaches a body.
const user = "user-7f3a9c-secret"

func userHeader(r *http.Request) (string, error) {
	u := r.Header.Get("X-User-ID")
	if u == "" {
		return "", errors.New("no X-User-ID header")
	}
	return u, nil
}

// recorder is a handler that remembers whether it ran and the decision it
// found in its context.
type recorder struct {
	called   atomic.Bool
	decision policy.Decision
	found    bool
}

func (h *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.called.Store(true)
	h.decision, h.found = policy.DecisionFromContext(r.Context())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok"))
}

type brokenStore struct{}

func (brokenStore) State(context.Context, string) (consent.State, error) {
	return consent.State{}, consent.ErrUnavailable
}

func serve(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func problem(t *testing.T, w *httptest.ResponseRecorder) httpguard.Problem {
	t.Helper()
	require.Equal(t, httpguard.ContentTypeProblem, w.Header().Get("Content-Type"))
	var p httpguard.Problem
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p), w.Body.String())
	return p
}

func TestRequire(t *testing.T) {
	t.Parallel()
	type reason struct{ Code, Clause string }
	tests := []struct {
		name        string
		setup       func(f *policytest.Fixture)
		purpose     purpose.ID
		recipient   string
		opts        httpguard.Options
		path        string
		noUser      bool
		engine      func(t *testing.T) httpguard.Checker // default: the fixture's
		wantStatus  int
		wantType    string
		wantReasons []reason
		wantOblig   string
	}{
		{
			name:       "allow operator 2.1",
			setup:      func(f *policytest.Fixture) { f.Accept(user) },
			purpose:    purpose.ServiceAccess,
			recipient:  policy.Operator,
			wantStatus: http.StatusOK,
		},
		{
			name:       "allow partner 5.1 with obligations",
			setup:      func(f *policytest.Fixture) { f.Accept(user) },
			purpose:    purpose.Payments,
			recipient:  policytest.Partner,
			opts:       httpguard.Options{Categories: []purpose.Category{purpose.PaymentDetails}},
			wantStatus: http.StatusOK,
			wantOblig:  "exclude_commercial_secret, record_disclosure",
		},
		{
			name: "allow third party 5.2 after grant",
			setup: func(f *policytest.Fixture) {
				f.Accept(user)
				f.Grant(user, purpose.Payments, policytest.ThirdParty)
			},
			purpose:    purpose.Payments,
			recipient:  policytest.ThirdParty,
			wantStatus: http.StatusOK,
			wantOblig:  "record_disclosure",
		},
		{
			name:        "deny 2.1 no acceptance",
			purpose:     purpose.ServiceAccess,
			recipient:   policy.Operator,
			wantStatus:  http.StatusForbidden,
			wantType:    httpguard.TypeDenied,
			wantReasons: []reason{{"acceptance_missing", "2.1"}},
		},
		{
			name:        "deny 5.1 commercial secret",
			setup:       func(f *policytest.Fixture) { f.Accept(user) },
			purpose:     purpose.Payments,
			recipient:   policytest.Partner,
			opts:        httpguard.Options{Categories: []purpose.Category{purpose.CommercialSecret}},
			wantStatus:  http.StatusForbidden,
			wantType:    httpguard.TypeDenied,
			wantReasons: []reason{{"commercial_secret", "5.1"}},
		},
		{
			name:        "deny 5.2 no grant",
			setup:       func(f *policytest.Fixture) { f.Accept(user) },
			purpose:     purpose.Payments,
			recipient:   policytest.ThirdParty,
			wantStatus:  http.StatusForbidden,
			wantType:    httpguard.TypeDenied,
			wantReasons: []reason{{"consent_required", "5.2"}},
		},
		{
			name:        "deny 6.3 contractor without confidentiality",
			setup:       func(f *policytest.Fixture) { f.Accept(user) },
			purpose:     purpose.Support,
			recipient:   policytest.Contractor,
			wantStatus:  http.StatusForbidden,
			wantType:    httpguard.TypeDenied,
			wantReasons: []reason{{"confidentiality_required", "6.3"}},
		},
		{
			name: "deny 9.3 acceptance withdrawn",
			setup: func(f *policytest.Fixture) {
				f.Accept(user)
				f.WithdrawAcceptance(user)
			},
			purpose:     purpose.ServiceAccess,
			recipient:   policy.Operator,
			wantStatus:  http.StatusForbidden,
			wantType:    httpguard.TypeDenied,
			wantReasons: []reason{{"acceptance_withdrawn", "9.3"}},
		},
		{
			name:        "missing user 401",
			setup:       func(f *policytest.Fixture) { f.Accept(user) },
			purpose:     purpose.ServiceAccess,
			recipient:   policy.Operator,
			noUser:      true,
			wantStatus:  http.StatusUnauthorized,
			wantType:    httpguard.TypeNoUser,
			wantReasons: []reason{{httpguard.ReasonNoUser, ""}},
		},
		{
			name:        "empty user without error 401",
			purpose:     purpose.ServiceAccess,
			recipient:   policy.Operator,
			opts:        httpguard.Options{User: func(*http.Request) (string, error) { return "", nil }},
			wantStatus:  http.StatusUnauthorized,
			wantType:    httpguard.TypeNoUser,
			wantReasons: []reason{{httpguard.ReasonNoUser, ""}},
		},
		{
			name:      "store failure 503",
			purpose:   purpose.ServiceAccess,
			recipient: policy.Operator,
			engine: func(t *testing.T) httpguard.Checker {
				e, err := policy.New(policy.WithStateReader(brokenStore{}))
				require.NoError(t, err)
				return e
			},
			wantStatus:  http.StatusServiceUnavailable,
			wantType:    httpguard.TypeUnavailable,
			wantReasons: []reason{{"consent_unavailable", ""}},
		},
		{
			name:        "unknown purpose 500",
			setup:       func(f *policytest.Fixture) { f.Accept(user) },
			purpose:     "marketing",
			recipient:   policy.Operator,
			wantStatus:  http.StatusInternalServerError,
			wantType:    httpguard.TypeError,
			wantReasons: []reason{{"unknown_purpose", "3"}},
		},
		{
			name:        "unknown static recipient 500",
			setup:       func(f *policytest.Fixture) { f.Accept(user) },
			purpose:     purpose.Payments,
			recipient:   "nobody",
			wantStatus:  http.StatusInternalServerError,
			wantType:    httpguard.TypeError,
			wantReasons: []reason{{"unknown_recipient", "5"}},
		},
		{
			name:        "recipient from path",
			setup:       func(f *policytest.Fixture) { f.Accept(user) },
			purpose:     purpose.Payments,
			recipient:   policytest.Partner,
			path:        "/share/" + policytest.StateBody,
			opts:        httpguard.Options{Recipient: func(r *http.Request) string { return r.PathValue("to") }},
			wantStatus:  http.StatusOK,
			wantOblig:   "exclude_commercial_secret, record_disclosure",
			wantReasons: nil,
		},
		{
			name:        "unknown recipient from path 404",
			setup:       func(f *policytest.Fixture) { f.Accept(user) },
			purpose:     purpose.Payments,
			recipient:   policytest.Partner,
			path:        "/share/nobody",
			opts:        httpguard.Options{Recipient: func(r *http.Request) string { return r.PathValue("to") }},
			wantStatus:  http.StatusNotFound,
			wantType:    httpguard.TypeRecipientNotFound,
			wantReasons: []reason{{"unknown_recipient", "5"}},
		},
		{
			name:        "no recipient from request and none static 404",
			setup:       func(f *policytest.Fixture) { f.Accept(user) },
			purpose:     purpose.Payments,
			opts:        httpguard.Options{Recipient: func(r *http.Request) string { return "" }},
			wantStatus:  http.StatusNotFound,
			wantType:    httpguard.TypeRecipientNotFound,
			wantReasons: []reason{{string(policy.CodeRecipientNotNamed), "5"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := policytest.New(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			var checker httpguard.Checker = f.Engine()
			if tt.engine != nil {
				checker = tt.engine(t)
			}
			opts := tt.opts
			if opts.User == nil {
				opts.User = userHeader
			}
			next := &recorder{}
			mux := http.NewServeMux()
			mux.Handle("/share/{to}", httpguard.Require(checker, tt.purpose, tt.recipient, opts)(next))
			mux.Handle("/", httpguard.Require(checker, tt.purpose, tt.recipient, opts)(next))
			path := tt.path
			if path == "" {
				path = "/data"
			}
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if !tt.noUser {
				req.Header.Set("X-User-ID", user)
			}
			w := serve(t, mux, req)

			assert.Equal(t, tt.wantStatus, w.Code, w.Body.String())
			assert.NotContains(t, w.Body.String(), user, "the user ID must never reach a response")
			assert.Equal(t, policy.DefaultVersion.ID, w.Header().Get(httpguard.HeaderPolicyVersion))
			if tt.wantStatus == http.StatusOK {
				require.True(t, next.called.Load())
				require.True(t, next.found, "decision in the handler's context")
				assert.True(t, next.decision.Allowed)
				assert.Equal(t, tt.purpose, next.decision.Purpose)
				assert.Equal(t, tt.wantOblig, w.Header().Get(httpguard.HeaderObligations))
				return
			}
			assert.False(t, next.called.Load(), "the handler must not run on a denial")
			assert.Empty(t, w.Header().Get(httpguard.HeaderObligations))
			p := problem(t, w)
			assert.Equal(t, tt.wantType, p.Type)
			assert.Equal(t, tt.wantStatus, p.Status)
			assert.Equal(t, policy.DefaultVersion.ID, p.PolicyVersion)
			assert.Equal(t, tt.purpose, p.Purpose)
			assert.Equal(t, "ru", w.Header().Get("Content-Language"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			var got []reason
			for _, r := range p.Reasons {
				got = append(got, reason{r.Code, r.Clause})
				assert.NotEmpty(t, r.Message)
				assert.NotEqual(t, r.Code, r.Message, "a message is text, not the code")
			}
			if diff := cmp.Diff(tt.wantReasons, got); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequireLanguage(t *testing.T) {
	t.Parallel()
	f := policytest.New(t) // no acceptance: every request is denied by 2.1
	tests := []struct {
		name, accept, fallback string
		want                   string
		wantMessage            string
	}{
		{"default is Russian", "", "", "ru", "Нет принятия Политики пользователем"},
		{"Kazakh", "kk", "", "kk", "Пайдаланушының Саясатты қабылдауы жоқ"},
		{"Kazakh region tag", "kk-KZ,ru;q=0.8", "", "kk", ""},
		{"kz taken for Kazakh", "kz", "", "kk", ""},
		{"English by quality", "ru;q=0.5, en-GB;q=0.9", "", "en", "The user has not accepted the policy"},
		{"unsupported falls back", "de-DE, fr;q=0.9", "", "ru", ""},
		{"unsupported falls back to Lang", "de-DE", "en", "en", ""},
		{"quality zero refuses", "en;q=0, kk;q=0.1", "", "kk", ""},
		{"wildcard", "*", "kk", "kk", ""},
		{"case and spaces", " EN-us ; q=1 ", "", "en", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := httpguard.Require(f.Engine(), purpose.Support, policy.Operator, httpguard.Options{
				User: userHeader, Lang: tt.fallback,
			})(&recorder{})
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("X-User-ID", user)
			if tt.accept != "" {
				req.Header.Set("Accept-Language", tt.accept)
			}
			w := serve(t, h, req)
			require.Equal(t, http.StatusForbidden, w.Code)
			assert.Equal(t, tt.want, w.Header().Get("Content-Language"))
			assert.Contains(t, w.Header().Values("Vary"), "Accept-Language")
			p := problem(t, w)
			require.Len(t, p.Reasons, 1)
			if tt.wantMessage != "" {
				assert.Equal(t, tt.wantMessage, p.Reasons[0].Message)
			}
		})
	}
}

func TestNegotiate(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "ru", httpguard.Negotiate("", "ru"))
	assert.Equal(t, "en", httpguard.Negotiate("en;q=bogus", "ru"), "a malformed quality counts as 1")
	assert.Equal(t, "ru", httpguard.Negotiate("en;q=7", "ru"), "an out-of-range quality counts as 0")
	assert.Equal(t, "kk", httpguard.Negotiate("kk, en", "ru"), "ties go to the first")
}

// TestRequireFailsClosed: a Checker that breaks its contract (an error with
// an allow) still gets a denial, and the handler never runs.
func TestRequireFailsClosed(t *testing.T) {
	t.Parallel()
	bad := checkerFunc(func(context.Context, string, purpose.ID, string, ...policy.CheckOption) (policy.Decision, error) {
		return policy.Decision{Allowed: true, PolicyVersion: "v"}, policy.ErrEvaluation
	})
	var gotErr error
	var gotAllowed bool
	next := &recorder{}
	h := httpguard.Require(bad, purpose.Support, policy.Operator, httpguard.Options{
		User: userHeader,
		OnDeny: func(w http.ResponseWriter, r *http.Request, d policy.Decision, err error) {
			gotErr, gotAllowed = err, d.Allowed
			httpguard.ProblemWriter("en")(w, r, d, err)
		},
	})(next)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("X-User-ID", user)
	w := serve(t, h, req)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.False(t, next.called.Load())
	assert.ErrorIs(t, gotErr, policy.ErrEvaluation)
	assert.False(t, gotAllowed, "OnDeny sees a denying decision")
}

func TestRequireNoUserError(t *testing.T) {
	t.Parallel()
	stub := policytest.NewStub(policytest.Allow())
	errNoSession := errors.New("no session")
	var gotErr error
	h := httpguard.Require(stub, purpose.Support, policy.Operator, httpguard.Options{
		User: func(*http.Request) (string, error) { return "", errNoSession },
		OnDeny: func(w http.ResponseWriter, r *http.Request, d policy.Decision, err error) {
			gotErr = err
			w.WriteHeader(http.StatusTeapot)
		},
	})(&recorder{})
	w := serve(t, h, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusTeapot, w.Code)
	assert.ErrorIs(t, gotErr, httpguard.ErrNoUser)
	assert.ErrorIs(t, gotErr, errNoSession)
	assert.Empty(t, stub.Calls(), "without a user the Checker is not asked")
}

func TestRequireStub(t *testing.T) {
	t.Parallel()
	stub := policytest.NewStub(policytest.Deny("consent_required", "5.2")).
		On(purpose.Payments, "halyk", policytest.Allow().WithObligation("record_disclosure", "7.1"))
	next := &recorder{}
	cats := []purpose.Category{purpose.PaymentDetails}
	h := httpguard.Require(stub, purpose.Payments, "halyk", httpguard.Options{User: userHeader, Categories: cats})(next)
	cats[0] = purpose.CommercialSecret // Require copied them
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("X-User-ID", user)
	w := serve(t, h, req)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "record_disclosure", w.Header().Get(httpguard.HeaderObligations))
	calls := stub.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, user, calls[0].User)
	assert.Equal(t, []policy.CheckOption{policy.WithCategories(purpose.PaymentDetails)}, calls[0].Options)
}

func TestRequireHead(t *testing.T) {
	t.Parallel()
	h := httpguard.Require(policytest.NewStub(policytest.Deny("consent_required", "5.2")), purpose.Payments, "halyk",
		httpguard.Options{User: userHeader})(&recorder{})
	req := httptest.NewRequest(http.MethodHead, "/", nil)
	req.Header.Set("X-User-ID", user)
	w := serve(t, h, req)
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Empty(t, w.Body.String())
}

func TestRequireUserPanics(t *testing.T) {
	t.Parallel()
	next := &recorder{}
	h := httpguard.Require(policytest.NewStub(policytest.Allow()), purpose.Support, policy.Operator, httpguard.Options{
		User: func(*http.Request) (string, error) { panic("boom") },
	})(next)
	assert.PanicsWithValue(t, "boom", func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	})
	assert.False(t, next.called.Load())
}

func TestRequireMisuse(t *testing.T) {
	t.Parallel()
	stub := policytest.NewStub(policytest.Allow())
	ok := httpguard.Options{User: userHeader}
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"nil checker", func() { httpguard.Require(nil, purpose.Support, policy.Operator, ok) }, "nil Checker"},
		{"nil user", func() { httpguard.Require(stub, purpose.Support, policy.Operator, httpguard.Options{}) }, "Options.User is nil"},
		{"empty purpose", func() { httpguard.Require(stub, "", policy.Operator, ok) }, "empty purpose"},
		{"no recipient", func() { httpguard.Require(stub, purpose.Support, "", ok) }, "no recipient"},
		{"bad lang", func() {
			httpguard.Require(stub, purpose.Support, policy.Operator, httpguard.Options{User: userHeader, Lang: "de"})
		}, `"de"`},
		{"nil handler", func() { httpguard.Require(stub, purpose.Support, policy.Operator, ok)(nil) }, "nil handler"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				require.NotNil(t, r)
				msg, _ := r.(string)
				assert.True(t, strings.HasPrefix(msg, "httpguard: "), msg)
				assert.Contains(t, msg, tt.want)
			}()
			tt.call()
		})
	}
}

func TestStatusFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{nil, 403},
		{httpguard.ErrNoUser, 401},
		{httpguard.ErrRecipientNotFound, 404},
		{policy.ErrConsentUnavailable, 503},
		{policy.ErrEvaluation, 503},
		{context.DeadlineExceeded, 503},
		{policy.ErrUnknownPurpose, 500},
		{policy.ErrUnknownCategory, 500},
		{policy.ErrEmptyUser, 400},
		{policy.ErrInvalidRequest, 400},
		{httpguard.ErrCheckerPanicked, 500},
		{policy.ErrUnknownRecipient, 500},
		{errors.New("other"), 500},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, httpguard.StatusFor(tt.err), "%v", tt.err)
	}
}

type checkerFunc func(ctx context.Context, user string, p purpose.ID, recipient string, opts ...policy.CheckOption) (policy.Decision, error)

func (f checkerFunc) Check(ctx context.Context, user string, p purpose.ID, recipient string, opts ...policy.CheckOption) (policy.Decision, error) {
	return f(ctx, user, p, recipient, opts...)
}
