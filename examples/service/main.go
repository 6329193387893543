// Service is a host service guarded by the library in a few lines: a chi
// router, its recipients from a file, its consent store from a URL, users give
// and withdraw consent through the consent capture handler, and a route
// that shares payment data runs only when the policy allows it.
//
//	go run ./examples/service -store memory: -recipients examples/service/recipients.json
//	go run ./examples/service -store 'postgres://user:pass@localhost/db?sslmode=disable'
//
// The X-User-ID header stands in for the host's session. Try it:
//
//	curl -i -H 'X-User-ID: u1' localhost:8080/share/halyk                  # 403, 2.1
//	curl -i -H 'X-User-ID: u1' -X PUT -H 'Content-Type: application/json' \
//	     -d '{"version": "2023-ru-1"}' localhost:8080/privacy/consent/acceptance
//	curl -i -H 'X-User-ID: u1' localhost:8080/share/halyk                  # 403, 5.2
//	curl -i -H 'X-User-ID: u1' -X PUT localhost:8080/privacy/consent/grants/payments/halyk
//	curl -i -H 'X-User-ID: u1' localhost:8080/share/halyk                  # 200
//	curl -i -H 'X-User-ID: u1' localhost:8080/privacy/consent/             # the user's consent
//
// Every decision is logged as a JSON line on stdout with OPA's decision
// log fields (denials all, one allow in ten), the user pseudonymised by a
// keyed HMAC whose key, PSEUDONYM_KEY (64 hex digits), is kept apart from
// the logs; metrics and spans go to the OpenTelemetry providers the host
// installs (none here: otel's defaults drop them).
//
// Its own code, everything in this file but comments, blank lines, the
// package clause and the import block, is 51 lines.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/consenthttp"
	"github.com/yasam/privacy/policy/httpguard"
	"github.com/yasam/privacy/policy/otelobserver"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/storeurl"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dsn := flag.String("store", "memory:", "consent store URL: memory:, sqlite:///path or postgres://...")
	recipients := flag.String("recipients", "examples/service/recipients.json", "recipients file")
	flag.Parse()
	key, _ := hex.DecodeString(os.Getenv("PSEUDONYM_KEY"))
	h, closeStore, err := newService(context.Background(), *dsn, *recipients, key, slog.NewJSONHandler(os.Stdout, nil))
	if err != nil {
		log.Fatal(err)
	}
	defer closeStore()
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// newService is all the privacy glue the service needs.
func newService(ctx context.Context, dsn, recipientsFile string, key []byte, decisions slog.Handler) (http.Handler, func() error, error) {
	rs, err := disclosure.LoadRecipients(recipientsFile)
	pseudonym, errKey := policy.HMACPseudonym(key)
	otel, errOTel := otelobserver.New() // the global providers
	if err := errors.Join(err, errKey, errOTel); err != nil {
		return nil, nil, err
	}
	store, err := storeurl.OpenConsent(ctx, dsn, storeurl.WithMigrate())
	if err != nil {
		return nil, nil, err
	}
	engine, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(rs...),
		policy.WithObserver(otel), policy.WithSubjectPseudonym(pseudonym),
		policy.WithDecisionLog(decisions, policy.DecisionLogOptions{AllowSample: 10}))
	if err != nil {
		return nil, nil, errors.Join(err, store.Close())
	}
	r := chi.NewRouter()
	r.Mount("/privacy/consent", http.StripPrefix("/privacy/consent",
		consenthttp.New(engine, store, consenthttp.Options{User: session})))
	r.With(httpguard.Require(engine, purpose.Payments, "", httpguard.Options{User: session,
		Categories: []purpose.Category{purpose.PaymentDetails},
		Recipient:  func(r *http.Request) string { return chi.URLParam(r, "recipient") },
	})).Get("/share/{recipient}", share)
	return r, store.Close, nil
}

// session stands in for the host's authentication.
func session(r *http.Request) (string, error) {
	if u := r.Header.Get("X-User-ID"); u != "" {
		return u, nil
	}
	return "", errors.New("service: not signed in")
}

// share runs only on an allow; it carries out the decision's obligations.
func share(w http.ResponseWriter, r *http.Request) {
	d, _ := policy.DecisionFromContext(r.Context())
	// A real service masks what exclude_commercial_secret names and
	// records the disclosure in the ledger for record_disclosure (7.1).
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"shared_with": d.Recipient, "basis": d.Clauses()})
}
