// Httpserver guards the routes of a small HTTP service with the privacy
// policy: a handler runs only when the policy allows processing the
// requesting user's data for the route's purpose, and a denial is answered
// with its reasons and the clauses they cite.
//
//	go run ./examples/httpserver                 # serve on 127.0.0.1:8080
//	go run ./examples/httpserver -selftest       # make a few requests and exit
//
// The X-User-ID header stands in for authentication. The routes:
//
//	GET  /profile               the operator's own processing (service_access, 2.1)
//	GET  /share/{recipient}     share payment data with a recipient (payments;
//	                            halyk is an unaffiliated bank, 5.2; kgd a state body, 5.1)
//	/consent/...                the user's consent, through policy/consenthttp:
//	                            PUT /consent/acceptance accepts the policy in force (2.1),
//	                            PUT and DELETE /consent/grants/{purpose}/{recipient}
//	                            grant and withdraw consent to sharing (5.2),
//	                            GET /consent/ reads it
//
// Try it:
//
//	curl -i -H 'X-User-ID: u1' localhost:8080/profile                       # 403, 2.1
//	curl -i -H 'X-User-ID: u1' -X PUT -H 'Content-Type: application/json' \
//	     -d '{"version": "2023-ru-1"}' localhost:8080/consent/acceptance
//	curl -i -H 'X-User-ID: u1' -H 'Accept-Language: en' localhost:8080/share/halyk   # 403, 5.2
//	curl -i -H 'X-User-ID: u1' -X PUT localhost:8080/consent/grants/payments/halyk
//	curl -i -H 'X-User-ID: u1' localhost:8080/share/halyk                   # 200
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/consenthttp"
	"github.com/yasam/privacy/policy/httpguard"
	"github.com/yasam/privacy/purpose"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	selftest := flag.Bool("selftest", false, "serve on a random loopback port, make a few requests, print the answers and exit")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	var err error
	if *selftest {
		err = selfTest(ctx, os.Stdout, logger)
	} else {
		err = serve(ctx, *addr, logger)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// serve listens on addr until ctx ends.
func serve(ctx context.Context, addr string, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	h, err := newHandler(consent.NewMemoryStore(), logger)
	if err != nil {
		return err
	}
	logger.Info("listening", "addr", ln.Addr().String())
	return run(ctx, ln, h)
}

// run serves h on ln until ctx ends, then shuts down gracefully.
func run(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// recipients are who the service may share data with.
var recipients = []disclosure.Recipient{
	{ID: "halyk", Kind: disclosure.ThirdParty, Name: "Unaffiliated bank"},
	{ID: "kgd", Kind: disclosure.StateBody, Name: "State Revenue Committee"},
}

// newHandler builds the service: an engine over store, and the routes.
func newHandler(store consent.Store, logger *slog.Logger) (http.Handler, error) {
	engine, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(recipients...))
	if err != nil {
		return nil, err
	}
	write := httpguard.ProblemWriter("ru")
	opts := httpguard.Options{
		User: userID,
		OnDeny: func(w http.ResponseWriter, r *http.Request, d policy.Decision, err error) {
			// The decision and the error name no user: safe to log.
			logger.LogAttrs(r.Context(), slog.LevelWarn, "privacy denial",
				slog.String("route", r.Pattern), slog.Any("decision", d), slog.Any("err", err))
			write(w, r, d, err)
		},
	}
	mux := http.NewServeMux()

	mux.Handle("GET /profile", httpguard.Require(engine, purpose.ServiceAccess, policy.Operator, opts)(
		http.HandlerFunc(profile)))

	share := opts
	share.Categories = []purpose.Category{purpose.PaymentDetails}
	share.Recipient = func(r *http.Request) string { return r.PathValue("recipient") }
	mux.Handle("GET /share/{recipient}", httpguard.Require(engine, purpose.Payments, "", share)(
		shareHandler(logger)))

	mux.Handle("/consent/", http.StripPrefix("/consent", consenthttp.New(engine, store, consenthttp.Options{
		User: userID,
		OnError: func(r *http.Request, err error) {
			// A store error may quote the user; log its class only.
			logger.ErrorContext(r.Context(), "consent not recorded", "unavailable", errors.Is(err, consent.ErrUnavailable))
		},
	})))
	return mux, nil
}

// userID stands in for authentication: the user is whoever X-User-ID names.
func userID(r *http.Request) (string, error) {
	u := r.Header.Get("X-User-ID")
	if u == "" {
		return "", errors.New("httpserver: no X-User-ID header")
	}
	return u, nil
}

func profile(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"name": "Айгерим", "city": "Алматы"})
}

// shareHandler shares payment data with the recipient the decision allowed,
// carrying out the decision's obligations.
func shareHandler(logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := policy.DecisionFromContext(r.Context())
		if !ok || !d.Allowed { // cannot happen behind Require; fail closed anyway
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		var done []string
		for _, o := range d.Obligations {
			switch o.Code {
			case "exclude_commercial_secret":
				// The payload below holds no commercial secret. A real
				// service masks o.Categories with anonymize.RedactCategories.
			case "record_disclosure":
				// A real service appends d to the disclosure ledger (7.1).
				logger.Info("disclosure", "decision", d)
			default:
				// An obligation this handler does not know: do not share.
				http.Error(w, "unhandled obligation "+o.Code, http.StatusInternalServerError)
				return
			}
			done = append(done, o.Code)
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"shared_with": d.Recipient,
			"basis":       d.Clauses(),
			"obligations": done,
		})
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
