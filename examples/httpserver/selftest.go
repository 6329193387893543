package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy/httpguard"
)

// errSelfTest reports a self-test answer other than the one expected.
var errSelfTest = errors.New("httpserver: self-test")

// step is one request of the self-test and the status it must get.
type step struct {
	say    string
	method string
	path   string
	user   string
	body   string // JSON
	lang   string
	want   int
}

var steps = []step{
	{say: "no user: 401", method: "GET", path: "/profile", want: 401},
	{say: "before accepting the policy: 403 (2.1)", method: "GET", path: "/profile", user: "user-1", want: 403},
	{say: "the user accepts the policy", method: "PUT", path: "/consent/acceptance", user: "user-1",
		body: `{"version": "2023-ru-1"}`, want: 200},
	{say: "now the operator may process: 200", method: "GET", path: "/profile", user: "user-1", want: 200},
	{say: "sharing with a state body: 200 (5.1)", method: "GET", path: "/share/kgd", user: "user-1", want: 200},
	{say: "sharing with an unaffiliated bank: 403 (5.2)", method: "GET", path: "/share/halyk", user: "user-1", lang: "en", want: 403},
	{say: "the user consents to sharing payment data with it", method: "PUT", path: "/consent/grants/payments/halyk",
		user: "user-1", want: 200},
	{say: "now the bank may get it: 200", method: "GET", path: "/share/halyk", user: "user-1", want: 200},
	{say: "an unregistered recipient: 404", method: "GET", path: "/share/somebody", user: "user-1", lang: "kk", want: 404},
	{say: "consent for an unregistered recipient is refused, nothing stored: 400", method: "PUT",
		path: "/consent/grants/payments/somebody", user: "user-1", want: 400},
	{say: "the user withdraws the consent", method: "DELETE", path: "/consent/grants/payments/halyk", user: "user-1", want: 200},
	{say: "the bank may no longer get it: 403 (5.2)", method: "GET", path: "/share/halyk", user: "user-1", want: 403},
}

// selfTest serves on a random loopback port, walks a user from no consent
// to a grant with a net/http client, prints every answer to out, and
// reports an error if a status is not the expected one.
func selfTest(ctx context.Context, out io.Writer, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	h, err := newHandler(consent.NewMemoryStore(), logger)
	if err != nil {
		ln.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- run(ctx, ln, h) }()

	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: 10 * time.Second}
	var failed []string
	for i, s := range steps {
		status, text, err := do(ctx, client, base, s)
		if err != nil {
			cancel()
			<-served
			return fmt.Errorf("%w: step %d: %w", errSelfTest, i+1, err)
		}
		fmt.Fprintf(out, "%d. %s\n   %s %s -> %s\n", i+1, s.say, s.method, s.path, text)
		if status != s.want {
			failed = append(failed, fmt.Sprintf("step %d: got %d, want %d", i+1, status, s.want))
		}
	}
	cancel()
	if err := <-served; err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w: %s", errSelfTest, strings.Join(failed, "; "))
	}
	fmt.Fprintln(out, "self-test passed")
	return nil
}

// do sends one step's request and renders the answer: status, the privacy
// headers and the body.
func do(ctx context.Context, client *http.Client, base string, s step) (int, string, error) {
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	req, err := http.NewRequestWithContext(ctx, s.method, base+s.path, body)
	if err != nil {
		return 0, "", err
	}
	if s.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.user != "" {
		req.Header.Set("X-User-ID", s.user)
	}
	if s.lang != "" {
		req.Header.Set("Accept-Language", s.lang)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	var text strings.Builder
	text.WriteString(resp.Status)
	for _, k := range []string{httpguard.HeaderPolicyVersion, httpguard.HeaderObligations} {
		if v := resp.Header.Get(k); v != "" {
			fmt.Fprintf(&text, "\n   %s: %s", k, v)
		}
	}
	if len(b) > 0 {
		fmt.Fprintf(&text, "\n   %s", strings.TrimSpace(string(b)))
	}
	return resp.StatusCode, text.String(), nil
}
