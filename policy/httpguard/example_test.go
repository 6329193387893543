package httpguard_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/httpguard"
	"github.com/yasam/privacy/purpose"
)

func ExampleRequire() {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	engine, err := policy.New(
		policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "halyk", Kind: disclosure.ThirdParty}),
	)
	if err != nil {
		log.Fatal(err)
	}

	guard := httpguard.Require(engine, purpose.Payments, "halyk", httpguard.Options{
		// A stand-in for authentication: whose data the request is about.
		User: func(r *http.Request) (string, error) {
			if u := r.Header.Get("X-User-ID"); u != "" {
				return u, nil
			}
			return "", errors.New("no X-User-ID")
		},
		Categories: []purpose.Category{purpose.PaymentDetails},
	})
	share := guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := policy.DecisionFromContext(r.Context())
		// Carry out d.Obligations here: record the disclosure (7.1).
		fmt.Fprintf(w, "shared under %s", d.Reasons[0].Clause)
	}))

	call := func() {
		req := httptest.NewRequest(http.MethodPost, "/share", nil)
		req.Header.Set("X-User-ID", "user-1")
		req.Header.Set("Accept-Language", "en")
		w := httptest.NewRecorder()
		share.ServeHTTP(w, req)
		fmt.Printf("%d obligations=%q\n%s\n", w.Code, w.Header().Get(httpguard.HeaderObligations), w.Body)
	}

	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	if err := store.Append(ctx, consent.AcceptPolicy("user-1", engine.Version().ID, at)); err != nil {
		log.Fatal(err)
	}
	call() // 5.2: no consent to share with an unaffiliated bank yet

	if err := store.Append(ctx, consent.Grant("user-1", purpose.Payments, "halyk", at)); err != nil {
		log.Fatal(err)
	}
	call()
	// Output:
	// 403 obligations=""
	// {"type":"https://pkg.go.dev/github.com/yasam/privacy/policy/httpguard#TypeDenied","title":"Processing of personal data is denied","status":403,"detail":"The privacy policy does not allow this processing; the reasons follow","purpose":"payments","policy_version":"2023-ru-1","reasons":[{"code":"consent_required","clause":"5.2","message":"Sharing with an unaffiliated company or a private individual needs the user's consent"}]}
	// 200 obligations="record_disclosure"
	// shared under 5.2
}

// A recipient read from the path: one route for every registered
// recipient, and 404 for an unregistered one.
func ExampleOptions_recipient() {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	engine, err := policy.New(
		policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody}),
	)
	if err != nil {
		log.Fatal(err)
	}
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	if err := store.Append(ctx, consent.AcceptPolicy("user-1", engine.Version().ID, at)); err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("GET /share/{recipient}", httpguard.Require(engine, purpose.Verification, "", httpguard.Options{
		User:      func(r *http.Request) (string, error) { return r.Header.Get("X-User-ID"), nil },
		Recipient: func(r *http.Request) string { return r.PathValue("recipient") },
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))

	for _, path := range []string{"/share/kgd", "/share/somebody"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("X-User-ID", "user-1")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		fmt.Println(path, w.Code, w.Header().Get(httpguard.HeaderObligations))
	}
	// Output:
	// /share/kgd 200 exclude_commercial_secret, record_disclosure
	// /share/somebody 404
}

// Logging a denial, then answering it as the default does. The decision
// logs without the user; so does the error.
func ExampleProblemWriter() {
	engine, err := policy.New() // nobody has accepted the policy: every request is denied
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // stable output
			}
			return a
		},
	}))
	write := httpguard.ProblemWriter("kk")
	h := httpguard.Require(engine, purpose.Support, policy.Operator, httpguard.Options{
		User: func(r *http.Request) (string, error) { return r.Header.Get("X-User-ID"), nil },
		OnDeny: func(w http.ResponseWriter, r *http.Request, d policy.Decision, err error) {
			logger.Warn("privacy denial", "decision", d, "status", httpguard.StatusFor(err))
			write(w, r, d, err)
		},
	})(http.NotFoundHandler())

	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("X-User-ID", "user-1")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Header().Get("Content-Language"))
	// Output:
	// level=WARN msg="privacy denial" decision.allowed=false decision.purpose=support decision.recipient=operator decision.reasons=acceptance_missing decision.policy_version=2023-ru-1 status=403
	// 403 kk
}
