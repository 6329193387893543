package consenthttp_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/consenthttp"
	"github.com/yasam/privacy/purpose"
)

// A host mounts the handler; the user accepts the policy and consents to
// sharing payment data with a bank, and the engine's next Check allows it.
func ExampleNew() {
	store := consent.NewMemoryStore()
	engine, err := policy.New(policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "halyk", Kind: disclosure.ThirdParty}))
	if err != nil {
		log.Fatal(err)
	}
	capture := consenthttp.New(engine, store, consenthttp.Options{
		// A stand-in for the host's session.
		User: func(r *http.Request) (string, error) { return "u1", nil },
		Now:  func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	})
	mux := http.NewServeMux()
	mux.Handle("/privacy/consent/", http.StripPrefix("/privacy/consent", capture))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	send := func(method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL+"/privacy/consent"+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept-Language", "en")
		resp, err := srv.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, string(b))
	}
	send("PUT", "/acceptance", `{"version": "2023-ru-1"}`)
	send("PUT", "/grants/payments/halyk", "")
	send("PUT", "/grants/payments/some-bank", "")

	d, err := engine.Check(context.Background(), "u1", purpose.Payments, "halyk")
	fmt.Println(d.Allowed, err)
	// Output:
	// 200 {"policy_version":"2023-ru-1","policy_url":"https://digitaltaxtech.kz/docs/privacyru.pdf","acceptance":{"version":"2023-ru-1","at":"2026-01-02T03:04:05Z","current":true,"withdrawn":false},"grants":[]}
	// 200 {"policy_version":"2023-ru-1","policy_url":"https://digitaltaxtech.kz/docs/privacyru.pdf","acceptance":{"version":"2023-ru-1","at":"2026-01-02T03:04:05Z","current":true,"withdrawn":false},"grants":[{"purpose":"payments","recipient":"halyk","granted":true,"active":true,"at":"2026-01-02T03:04:05Z","channel":"api"}]}
	// 400 {"type":"https://pkg.go.dev/github.com/yasam/privacy/policy/consenthttp#Problem","title":"The recipient is not registered","status":400,"code":"unknown_recipient","field":"recipient"}
	// true <nil>
}
