package consenthttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/consenthttp"
	"github.com/yasam/privacy/policy/policytest"
	"github.com/yasam/privacy/purpose"
)

// user is distinctive so that a test can tell it never reaches a body.
const user = "user-7f3a9c-secret"

// server mounts the handler under /consent/ on a real server, with the
// user taken from a header (a stand-in for the host's session).
func server(t *testing.T, e consenthttp.Engine, s consenthttp.Store, mod ...func(*consenthttp.Options)) *httptest.Server {
	t.Helper()
	opts := consenthttp.Options{
		User: func(r *http.Request) (string, error) {
			if u := r.Header.Get("X-Test-User"); u != "" {
				return u, nil
			}
			return "", errors.New("no session")
		},
		Now: func() time.Time { return policytest.Epoch },
	}
	for _, m := range mod {
		m(&opts)
	}
	mux := http.NewServeMux()
	mux.Handle("/consent/", http.StripPrefix("/consent", consenthttp.New(e, s, opts)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) state(t *testing.T) consenthttp.State {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	var st consenthttp.State
	require.NoError(t, json.Unmarshal(r.body, &st))
	return st
}

func (r reply) problem(t *testing.T) consenthttp.Problem {
	t.Helper()
	require.Equal(t, consenthttp.ContentTypeProblem, r.header.Get("Content-Type"), string(r.body))
	var p consenthttp.Problem
	require.NoError(t, json.Unmarshal(r.body, &p))
	assert.Equal(t, r.status, p.Status)
	assert.NotEmpty(t, p.Title)
	return p
}

// do sends a request; headers are name, value pairs.
func do(t *testing.T, srv *httptest.Server, method, path, body string, headers ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+"/consent"+path, rd)
	require.NoError(t, err)
	req.Header.Set("X-Test-User", user)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.NotContains(t, string(b), user, "the user ID never reaches a body")
	return reply{resp.StatusCode, resp.Header, b}
}

// TestCaptureEndToEnd walks a user through acceptance, a grant and the
// withdrawals over HTTP, and asks the engine after each step: a change
// takes effect for the next Check.
func TestCaptureEndToEnd(t *testing.T) {
	t.Parallel()
	f := policytest.New(t)
	srv := server(t, f.Engine(), f.Store())
	version := f.Engine().Version().ID
	check := func(p purpose.ID, recipient string) bool {
		d, err := f.Check(user, p, recipient)
		return err == nil && d.Allowed
	}

	cat := do(t, srv, http.MethodGet, "/purposes", "")
	require.Equal(t, http.StatusOK, cat.status)
	var listed struct {
		PolicyVersion string            `json:"policy_version"`
		Purposes      []purpose.Purpose `json:"purposes"`
	}
	require.NoError(t, json.Unmarshal(cat.body, &listed))
	assert.Equal(t, version, listed.PolicyVersion)
	assert.Len(t, listed.Purposes, len(f.Engine().Catalog().Purposes()))

	st := do(t, srv, http.MethodGet, "/", "").state(t)
	assert.Equal(t, version, st.PolicyVersion)
	assert.Empty(t, st.Acceptance.Version)
	assert.False(t, st.Acceptance.Current)
	assert.Empty(t, st.Grants)
	assert.False(t, check(purpose.Support, policy.Operator))

	st = do(t, srv, http.MethodPut, "/acceptance", `{"version": "`+version+`"}`, "X-Request-Id", "req-1").state(t)
	assert.Equal(t, version, st.Acceptance.Version)
	assert.True(t, st.Acceptance.Current)
	assert.True(t, check(purpose.Support, policy.Operator))
	assert.False(t, check(purpose.Payments, policytest.ThirdParty), "5.2 needs a grant")

	until := policytest.Epoch.Add(24 * time.Hour)
	st = do(t, srv, http.MethodPut, "/grants/payments/"+policytest.ThirdParty,
		`{"until": "`+until.Format(time.RFC3339)+`", "flags": {"third_party_transfer": true}}`,
		"X-Request-Id", "req-2", "Sec-Fetch-Site", "same-origin").state(t)
	require.Len(t, st.Grants, 1)
	g := st.Grants[0]
	assert.Equal(t, purpose.Payments, g.Purpose)
	assert.Equal(t, policytest.ThirdParty, g.Recipient)
	assert.True(t, g.Granted)
	assert.True(t, g.Active)
	require.NotNil(t, g.Until)
	assert.True(t, until.Equal(*g.Until))
	assert.Equal(t, consent.ChannelWeb, g.Channel, "a browser request is the web channel")
	assert.True(t, check(purpose.Payments, policytest.ThirdParty))

	st = do(t, srv, http.MethodDelete, "/grants/payments/"+policytest.ThirdParty, "").state(t)
	require.Len(t, st.Grants, 1)
	assert.False(t, st.Grants[0].Granted)
	assert.False(t, st.Grants[0].Active)
	assert.False(t, check(purpose.Payments, policytest.ThirdParty))

	st = do(t, srv, http.MethodDelete, "/acceptance", "").state(t)
	assert.True(t, st.Acceptance.Withdrawn)
	assert.False(t, st.Acceptance.Current)
	assert.False(t, check(purpose.Support, policy.Operator))

	events, err := f.Store().History(context.Background(), user)
	require.NoError(t, err)
	require.Len(t, events, 4)
	assert.Equal(t, consent.ChannelAPI, events[0].Channel, "no browser headers: the API channel")
	assert.Equal(t, "req-1", events[0].Evidence)
	assert.Equal(t, "req-2", events[1].Evidence)
	assert.Equal(t, consent.Flags{ThirdPartyTransfer: true}, events[1].Flags)
	for _, e := range events {
		assert.Equal(t, version, e.PolicyVersion, "%s", e.Action)
	}
}

// TestCaptureRefuses: every request the handler refuses stores nothing,
// answers a problem naming the field, not its value.
func TestCaptureRefuses(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("r", 512<<10)
	tests := []struct {
		name, method, path, body string
		headers                  []string
		wantStatus               int
		wantCode, wantField      string
	}{
		{"unknown purpose", "PUT", "/grants/marketing-" + user + "/" + policytest.ThirdParty, "", nil, 400, "unknown_purpose", "purpose"},
		{"unknown recipient", "PUT", "/grants/payments/nobody-" + user, "", nil, 400, "unknown_recipient", "recipient"},
		{"withdraw from a 512 KB recipient", "DELETE", "/grants/payments/" + huge, "", nil, 400, "unknown_recipient", "recipient"},
		{"512 KB recipient", "PUT", "/grants/payments/" + huge, "", nil, 400, "unknown_recipient", "recipient"},
		{"accept another version", "PUT", "/acceptance", `{"version": "1999-ru-0"}`, nil, 409, "version_not_in_force", "version"},
		{"accept without body", "PUT", "/acceptance", "", nil, 400, "invalid_body", ""},
		{"accept as text", "PUT", "/acceptance", `{"version": "2023-ru-1"}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type", ""},
		{"accept form-encoded", "PUT", "/acceptance", `version=2023-ru-1`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", ""},
		{"unknown member", "PUT", "/acceptance", `{"version": "2023-ru-1", "user": "someone-else"}`, nil, 400, "invalid_body", ""},
		{"trailing data", "PUT", "/acceptance", `{"version": "2023-ru-1"} {}`, nil, 400, "invalid_body", ""},
		{"body too large", "PUT", "/grants/payments/" + policytest.ThirdParty, `{"flags": {}, "x": "` + strings.Repeat("x", 8<<10) + `"}`, nil, 413, "body_too_large", ""},
		{"term already over", "PUT", "/grants/payments/" + policytest.ThirdParty, `{"until": "2000-01-01T00:00:00Z"}`, nil, 400, "invalid_request", "until"},
		{"body on withdrawal", "DELETE", "/acceptance", `{"x": 1}`, nil, 400, "invalid_body", ""},
		{"no user", "PUT", "/grants/payments/" + policytest.ThirdParty, "", []string{"X-Test-User", ""}, 401, "user_unidentified", ""},
		{"user too long", "GET", "/", "", []string{"X-Test-User", strings.Repeat("u", 300)}, 400, "invalid_request", "user"},
		{"cross-site fetch", "PUT", "/grants/payments/" + policytest.ThirdParty, "", []string{"Sec-Fetch-Site", "cross-site"}, 403, "cross_origin", ""},
		{"same-site is not same-origin", "DELETE", "/acceptance", "", []string{"Sec-Fetch-Site", "same-site"}, 403, "cross_origin", ""},
		{"foreign Origin without Sec-Fetch-Site", "DELETE", "/acceptance", "", []string{"Origin", "https://evil.example"}, 403, "cross_origin", ""},
		{"POST is not a route", "POST", "/acceptance", `{"version": "2023-ru-1"}`, nil, 405, "method_not_allowed", ""},
		{"GET cannot change", "GET", "/grants/payments/" + policytest.ThirdParty, "", nil, 405, "method_not_allowed", ""},
		{"unknown route", "GET", "/nope", "", nil, 404, "not_found", ""},
		{"purposes cannot be changed", "PUT", "/purposes", "", nil, 405, "method_not_allowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := policytest.New(t)
			srv := server(t, f.Engine(), f.Store())
			r := do(t, srv, tt.method, tt.path, tt.body, tt.headers...)
			assert.Equal(t, tt.wantStatus, r.status, string(r.body))
			p := r.problem(t)
			assert.Equal(t, tt.wantCode, p.Code)
			assert.Equal(t, tt.wantField, p.Field)
			assert.Less(t, len(r.body), 1024)
			events, err := f.Store().History(context.Background(), user)
			require.NoError(t, err)
			assert.Empty(t, events, "nothing is stored")
		})
	}
}

// TestWithdrawalOfAScopeNoLongerKnown: a user may always take back what
// they gave. A withdrawal of a grant to a recipient the engine no longer
// knows (unregistered by a reload) is stored, so that the grant does not
// count again once the recipient is registered again; so is a withdrawal
// naming a purpose or recipient the engine never knew.
func TestWithdrawalOfAScopeNoLongerKnown(t *testing.T) {
	t.Parallel()
	f := policytest.New(t)
	srv := server(t, f.Engine(), f.Store())
	do(t, srv, http.MethodPut, "/acceptance", `{"version": "`+f.Engine().Version().ID+`"}`).state(t)
	do(t, srv, http.MethodPut, "/grants/payments/"+policytest.ThirdParty, "").state(t)
	d, err := f.Check(user, purpose.Payments, policytest.ThirdParty)
	require.NoError(t, err)
	require.True(t, d.Allowed)

	var without []disclosure.Recipient
	for _, r := range policytest.Recipients() {
		if r.ID != policytest.ThirdParty {
			without = append(without, r)
		}
	}
	require.NoError(t, f.Engine().Reload(policy.WithClock(f.Now), policy.WithRecipients(without...)))
	r := do(t, srv, http.MethodDelete, "/grants/payments/"+policytest.ThirdParty, "")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	require.NoError(t, f.Engine().Reload(policy.WithClock(f.Now), policy.WithRecipients(policytest.Recipients()...)))
	d, err = f.Check(user, purpose.Payments, policytest.ThirdParty)
	require.NoError(t, err)
	assert.False(t, d.Allowed, "the withdrawal made while the recipient was unregistered counts")

	for _, path := range []string{"/grants/payments/nobody", "/grants/marketing/" + policytest.ThirdParty} {
		r := do(t, srv, http.MethodDelete, path, "")
		assert.Equal(t, http.StatusOK, r.status, "%s: %s", path, r.body)
	}
	events, err := f.Store().History(context.Background(), user)
	require.NoError(t, err)
	var withdrawals int
	for _, e := range events {
		if e.Action == consent.ActionWithdraw {
			withdrawals++
		}
	}
	assert.Equal(t, 3, withdrawals)
}

func TestCaptureTrustedOrigin(t *testing.T) {
	t.Parallel()
	f := policytest.New(t)
	srv := server(t, f.Engine(), f.Store(), func(o *consenthttp.Options) {
		o.TrustedOrigins = []string{"https://app.example.kz"}
	})
	r := do(t, srv, http.MethodPut, "/acceptance", `{"version": "`+f.Engine().Version().ID+`"}`,
		"Origin", "https://app.example.kz", "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusOK, r.status, string(r.body))
	// Reading is allowed cross-origin: a GET changes nothing (and the
	// browser keeps the answer from the other site without CORS).
	r = do(t, srv, http.MethodGet, "/", "", "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusOK, r.status)
}

type failingStore struct {
	consent.Store
	appendErr, stateErr error
}

func (s failingStore) Append(ctx context.Context, es ...consent.Event) error {
	if s.appendErr != nil {
		return s.appendErr
	}
	return s.Store.Append(ctx, es...)
}

func (s failingStore) State(ctx context.Context, u string) (consent.State, error) {
	if s.stateErr != nil {
		return consent.State{}, s.stateErr
	}
	return s.Store.State(ctx, u)
}

func TestCaptureStoreFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		appendErr, state error
		method, path     string
		wantStatus       int
		wantCode         string
	}{
		{"append unavailable", errors.New("driver said " + user + ": " + consent.ErrUnavailable.Error()), nil, "DELETE", "/acceptance", 500, "internal_error"},
		{"append unavailable wrapped", errors.Join(consent.ErrUnavailable, errors.New(user)), nil, "DELETE", "/acceptance", 503, "consent_unavailable"},
		{"state unavailable", nil, errors.Join(consent.ErrUnavailable, errors.New(user)), "GET", "/", 503, "consent_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := policytest.New(t)
			var mu sync.Mutex
			var logged []error
			srv := server(t, f.Engine(), failingStore{f.Store(), tt.appendErr, tt.state}, func(o *consenthttp.Options) {
				o.OnError = func(_ *http.Request, err error) {
					mu.Lock()
					logged = append(logged, err)
					mu.Unlock()
				}
			})
			r := do(t, srv, tt.method, tt.path, "")
			assert.Equal(t, tt.wantStatus, r.status)
			assert.Equal(t, tt.wantCode, r.problem(t).Code)
			mu.Lock()
			defer mu.Unlock()
			assert.Len(t, logged, 1, "OnError sees the error the answer hides")
		})
	}
}

func TestNewMisuse(t *testing.T) {
	t.Parallel()
	f := policytest.New(t)
	ok := consenthttp.Options{User: func(*http.Request) (string, error) { return "u", nil }}
	for name, call := range map[string]func(){
		"nil engine": func() { consenthttp.New(nil, f.Store(), ok) },
		"nil store":  func() { consenthttp.New(f.Engine(), nil, ok) },
		"nil user":   func() { consenthttp.New(f.Engine(), f.Store(), consenthttp.Options{}) },
		"bad origin": func() {
			consenthttp.New(f.Engine(), f.Store(), consenthttp.Options{User: ok.User, TrustedOrigins: []string{"not a url"}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				require.NotNil(t, r)
				assert.True(t, strings.HasPrefix(r.(string), "consenthttp: "), r)
			}()
			call()
		})
	}
}

// FuzzGrantPath: whatever the path and body, the handler answers (no
// panic, no 5xx), stores only scopes the engine knows, and never echoes
// the request into a problem.
func FuzzGrantPath(f *testing.F) {
	f.Add("payments", policytest.ThirdParty, `{"until": "2030-01-01T00:00:00Z"}`)
	f.Add("payments", "operator", ``)
	f.Add("marketing", "x", `{"flags": {"publication": true}}`)
	f.Add("%2F", "..", `null`)
	fx := policytest.New(f)
	h := consenthttp.New(fx.Engine(), fx.Store(), consenthttp.Options{
		User: func(*http.Request) (string, error) { return user, nil },
		Now:  func() time.Time { return policytest.Epoch },
	})
	f.Fuzz(func(t *testing.T, p, recipient, body string) {
		req := httptest.NewRequest(http.MethodPut, "/", strings.NewReader(body))
		req.URL.Path = "/grants/" + p + "/" + recipient
		req.URL.RawPath = ""
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q %q %q: %s", w.Code, p, recipient, body, w.Body)
		}
		if w.Code != http.StatusOK && len(p) > 8 && bytes.Contains(w.Body.Bytes(), []byte(p)) {
			t.Fatalf("problem echoes the purpose: %s", w.Body)
		}
		events, err := fx.Store().History(context.Background(), user)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if !fx.Engine().Catalog().Has(e.Scope.Purpose) {
				t.Fatalf("stored a grant for a purpose outside the catalog")
			}
			if _, ok := fx.Engine().Recipient(e.Scope.Recipient); !ok && e.Scope.Recipient != policy.Operator {
				t.Fatalf("stored a grant for an unknown recipient")
			}
		}
	})
}

func TestProblemLanguage(t *testing.T) {
	t.Parallel()
	f := policytest.New(t)
	srv := server(t, f.Engine(), f.Store())
	tests := []struct{ accept, wantLang, wantTitle string }{
		{"", "ru", "Получатель не зарегистрирован"},
		{"kk-KZ, ru;q=0.5", "kk", "Алушы тіркелмеген"},
		{"en;q=0.9, de", "en", "The recipient is not registered"},
		{"en;q=1e400", "ru", "Получатель не зарегистрирован"},
	}
	for _, tt := range tests {
		r := do(t, srv, http.MethodPut, "/grants/payments/nobody", "", "Accept-Language", tt.accept)
		require.Equal(t, http.StatusBadRequest, r.status)
		assert.Equal(t, tt.wantLang, r.header.Get("Content-Language"), tt.accept)
		assert.Equal(t, tt.wantTitle, r.problem(t).Title, tt.accept)
	}
}

// TestEvidenceCleaned: whatever bytes the evidence header carries, the
// event stores valid UTF-8 without control characters within the bound.
func TestEvidenceCleaned(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, header, want string }{
		{"plain", "req-1", "req-1"},
		{"invalid UTF-8 and controls", "req-\xff-\x01-2", "req---2"},
		{"too long, cut on a rune", strings.Repeat("ж", 600), strings.Repeat("ж", consent.MaxEvidenceLen/2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := policytest.New(t)
			h := consenthttp.New(f.Engine(), f.Store(), consenthttp.Options{
				User: func(*http.Request) (string, error) { return user, nil },
				Now:  func() time.Time { return policytest.Epoch },
			})
			req := httptest.NewRequest(http.MethodPut, "/grants/payments/"+policytest.ThirdParty, nil)
			req.Header[consenthttp.DefaultEvidenceHeader] = []string{tt.header}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			events, err := f.Store().History(context.Background(), user)
			require.NoError(t, err)
			require.Len(t, events, 1)
			assert.Equal(t, tt.want, events[0].Evidence)
		})
	}
}
