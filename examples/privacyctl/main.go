// Privacyctl is an operator's command line for the library's records:
// verify the disclosure ledger against published anchors, explain a
// decision, export one subject's access report, and list the claims
// (clause 8), requests (Law 94-V) and breach notices whose answer is
// overdue.
//
//	go run ./examples/privacyctl head    -ledger sqlite:///var/lib/svc/ledger.db >> anchors.jsonl
//	go run ./examples/privacyctl verify  -ledger sqlite:///var/lib/svc/ledger.db -anchors anchors.jsonl
//	go run ./examples/privacyctl explain -store sqlite:///var/lib/svc/consent.db -recipients recipients.json \
//	        -user u1 -purpose payments -recipient halyk -categories payment_details -lang en
//	go run ./examples/privacyctl report  -user u1 -store sqlite:///var/lib/svc/consent.db \
//	        -ledger sqlite:///var/lib/svc/ledger.db -claims /var/lib/svc/claims.db \
//	        -requests /var/lib/svc/requests.db -format html -lang kk -out u1.html
//	go run ./examples/privacyctl overdue -claims /var/lib/svc/claims.db -requests /var/lib/svc/requests.db \
//	        -breaches /var/lib/svc/breaches.db
//	go run ./examples/privacyctl overdue -claims "$REGISTERS_DSN" -requests "$REGISTERS_DSN" -breaches "$REGISTERS_DSN"
//
// A register flag (-claims, -requests, -breaches) takes a SQLite file name
// or a store URL as storeurl reads it (sqlite:///path, postgres://...); a
// PostgreSQL register must have been migrated (pgclaims.Migrate and the
// like), since privacyctl runs no DDL.
//
// Exit status: 0 when all is well (the chain verifies, the decision
// allows, nothing is overdue, the report is written), 1 when it is not
// (tampered, denied, overdue), 2 on a usage or operational error.
//
// Output never names a data subject, except the report, which is the
// subject's own data and goes only where -out (or standard output) says;
// a report's file is created readable by its owner only. Explain prints
// the decision, which names none; overdue prints claim, request and
// incident IDs, not who filed them or whom they concern; errors never
// carry the subject's ID.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/storeurl"
	"github.com/yasam/privacy/subject"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/requests"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now))
}

// Exit statuses.
const (
	exitOK      = 0
	exitFinding = 1 // tampered, denied, overdue
	exitError   = 2
)

const usage = `usage: privacyctl <command> [flags]

commands:
  head     print the ledger's head as a JSON line, to publish or append to an anchors file
  verify   verify the ledger's hash chain, and that it still holds every anchor
  explain  ask the engine one question and print its decision with reasons and clauses
  report   export one subject's access report (JSON or an HTML page in ru, kk or en)
  overdue  list the claims, requests and breach notices past their due date

"privacyctl <command> -h" lists a command's flags.
`

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	cmds := map[string]func(context.Context, []string, io.Writer, func() time.Time) (int, error){
		"head": head, "verify": verify, "explain": explain, "overdue": overdue, "report": report,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "privacyctl: unknown command %q\n%s", clip(args[0]), usage)
		return exitError
	}
	code, err := cmd(ctx, args[1:], stdout, now)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "privacyctl %s: %v\n", args[0], err)
		}
		return exitError
	}
	return code
}

// flags returns a flag set that reports its errors as errors (run prints
// them) and its usage to nowhere but the error.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parse(fs *flag.FlagSet, args []string, required ...string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			var b bytes.Buffer
			fs.SetOutput(&b)
			fs.PrintDefaults()
			return fmt.Errorf("flags:\n%s", b.String())
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", clip(fs.Arg(0)))
	}
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			return fmt.Errorf("-%s is required", name)
		}
	}
	return nil
}

func openLedger(ctx context.Context, url string) (*ledger.Ledger, func() error, error) {
	s, err := storeurl.OpenLedger(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	return ledger.New(s), s.Close, nil
}

func head(ctx context.Context, args []string, stdout io.Writer, _ func() time.Time) (int, error) {
	fs := flags("head")
	url := fs.String("ledger", "", "ledger store URL (sqlite:///path)")
	if err := parse(fs, args, "ledger"); err != nil {
		return exitError, err
	}
	l, closeLedger, err := openLedger(ctx, *url)
	if err != nil {
		return exitError, err
	}
	defer closeLedger()
	h, err := l.Head(ctx)
	if err != nil {
		return exitError, err
	}
	line, err := json.Marshal(h)
	if err != nil {
		return exitError, err
	}
	fmt.Fprintln(stdout, string(line))
	return exitOK, nil
}

func verify(ctx context.Context, args []string, stdout io.Writer, _ func() time.Time) (int, error) {
	fs := flags("verify")
	url := fs.String("ledger", "", "ledger store URL (sqlite:///path)")
	anchorsFile := fs.String("anchors", "", "file of published heads, one JSON object per line, as head prints them")
	if err := parse(fs, args, "ledger"); err != nil {
		return exitError, err
	}
	var anchors []ledger.Head
	if *anchorsFile != "" {
		var err error
		if anchors, err = readAnchors(*anchorsFile); err != nil {
			return exitError, err
		}
	}
	l, closeLedger, err := openLedger(ctx, *url)
	if err != nil {
		return exitError, err
	}
	defer closeLedger()
	if err := l.Verify(ctx, anchors...); err != nil {
		var te *ledger.TamperError
		if errors.As(err, &te) {
			fmt.Fprintf(stdout, "TAMPERED at entry %d: %v\n", te.Seq, err)
			return exitFinding, nil
		}
		return exitError, err
	}
	h, err := l.Head(ctx)
	if err != nil {
		return exitError, err
	}
	fmt.Fprintf(stdout, "ok: %d entries, %d anchors held, head %s\n", h.Seq, len(anchors), h.Hash)
	return exitOK, nil
}

// readAnchors reads heads, one JSON object per line; blank lines and
// lines starting with # are skipped.
func readAnchors(path string) ([]ledger.Head, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []ledger.Head
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var h ledger.Head
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&h); err != nil || h.Seq == 0 {
			return nil, fmt.Errorf("%s:%d: not a head such as {\"seq\":1,\"hash\":\"...\"}", path, n)
		}
		out = append(out, h)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

func explain(ctx context.Context, args []string, stdout io.Writer, _ func() time.Time) (int, error) {
	fs := flags("explain")
	url := fs.String("store", "memory:", "consent store URL: memory:, sqlite:///path or postgres://...")
	recipientsFile := fs.String("recipients", "", "recipients file (JSON), as disclosure.LoadRecipients reads")
	user := fs.String("user", "", "the user whose data would be processed")
	p := fs.String("purpose", "", "the purpose, e.g. payments")
	recipient := fs.String("recipient", policy.Operator, "the recipient, or operator for the operator's own processing")
	cats := fs.String("categories", "", "comma-separated data categories, e.g. payment_details,commercial_secret")
	lang := fs.String("lang", "ru", "language of the explanation: ru, kk or en")
	if err := parse(fs, args, "user", "purpose"); err != nil {
		return exitError, err
	}
	var opts []policy.Option
	if *recipientsFile != "" {
		rs, err := disclosure.LoadRecipients(*recipientsFile)
		if err != nil {
			return exitError, err
		}
		opts = append(opts, policy.WithRecipients(rs...))
	}
	store, err := storeurl.OpenConsent(ctx, *url)
	if err != nil {
		return exitError, err
	}
	defer store.Close()
	engine, err := policy.New(append(opts, policy.WithConsentStore(store))...)
	if err != nil {
		return exitError, err
	}
	var checkOpts []policy.CheckOption
	if *cats != "" {
		var cs []purpose.Category
		for c := range strings.SplitSeq(*cats, ",") {
			cs = append(cs, purpose.Category(strings.TrimSpace(c)))
		}
		checkOpts = append(checkOpts, policy.WithCategories(cs...))
	}
	d, err := engine.Check(ctx, *user, purpose.ID(*p), *recipient, checkOpts...)
	fmt.Fprintln(stdout, d.Explain(*lang))
	if basis := d.LegalBasis.In(*lang); basis != "" {
		fmt.Fprintf(stdout, "  legal basis: %s\n", basis)
	}
	if err != nil {
		// The decision denies; say why it could not be made, by class.
		fmt.Fprintf(stdout, "  error: %s\n", errorClass(err))
		return exitFinding, nil
	}
	if !d.Allowed {
		return exitFinding, nil
	}
	return exitOK, nil
}

// errorClass names what kind of failure denied, without the error's text
// (which may quote a caller string).
func errorClass(err error) string {
	for _, s := range []error{policy.ErrUnknownPurpose, policy.ErrUnknownRecipient, policy.ErrUnknownCategory,
		policy.ErrInvalidRequest, policy.ErrConsentUnavailable, policy.ErrEvaluation} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "policy: check failed"
}

func overdue(ctx context.Context, args []string, stdout io.Writer, now func() time.Time) (int, error) {
	fs := flags("overdue")
	claimsPath := fs.String("claims", "", "the claims register (clause 8): a SQLite file, sqlite:///path or postgres://...")
	requestsPath := fs.String("requests", "", "the requests register (Law 94-V): a SQLite file, sqlite:///path or postgres://...")
	breachesPath := fs.String("breaches", "", "the breaches register (notices owed): a SQLite file, sqlite:///path or postgres://...")
	at := fs.String("now", "", "the moment to judge at, RFC 3339 (default: now)")
	if err := parse(fs, args); err != nil {
		return exitError, err
	}
	if *claimsPath == "" && *requestsPath == "" && *breachesPath == "" {
		return exitError, errors.New("one of -claims, -requests or -breaches is required")
	}
	t := now()
	if *at != "" {
		var err error
		if t, err = time.Parse(time.RFC3339, *at); err != nil {
			return exitError, fmt.Errorf("-now: not an RFC 3339 time such as 2026-01-02T15:04:05+05:00")
		}
	}
	code := exitOK
	if *claimsPath != "" {
		c, err := overdueClaims(ctx, *claimsPath, t, stdout)
		if err != nil {
			return exitError, err
		}
		code = max(code, c)
	}
	if *requestsPath != "" {
		c, err := overdueRequests(ctx, *requestsPath, t, stdout)
		if err != nil {
			return exitError, err
		}
		code = max(code, c)
	}
	if *breachesPath != "" {
		c, err := overdueNotices(ctx, *breachesPath, t, stdout)
		if err != nil {
			return exitError, err
		}
		code = max(code, c)
	}
	return code, nil
}

// registerURL turns a register flag into a store URL: a URL is taken as
// it is, and a plain file name (what earlier versions took) names a SQLite
// file.
func registerURL(v string) (string, error) {
	if scheme, _, ok := strings.Cut(v, ":"); ok {
		switch strings.ToLower(scheme) {
		case "memory", "sqlite", "sqlite3", "postgres", "postgresql":
			return v, nil
		}
	}
	abs, err := filepath.Abs(v)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "sqlite", Path: filepath.ToSlash(abs)}).String(), nil
}

// openRegister opens the register a flag names with open. A missing
// SQLite file is an error: opening it would create an empty register, and
// a mistyped path must not pass for "nothing overdue".
func openRegister[S interface{ Close() error }](ctx context.Context, flag string, open func(context.Context, string, ...storeurl.Option) (S, error)) (S, error) {
	u, err := registerURL(flag)
	if err != nil {
		var zero S
		return zero, err
	}
	return open(ctx, u, storeurl.WithExistingFile())
}

func daysLate(t, due time.Time) int { return int(t.Sub(due).Hours() / 24) }

func overdueClaims(ctx context.Context, path string, t time.Time, stdout io.Writer) (int, error) {
	store, err := openRegister(ctx, path, storeurl.OpenClaims)
	if err != nil {
		return exitError, err
	}
	defer store.Close()
	cs, err := claims.New(store).Overdue(ctx, t)
	if err != nil {
		return exitError, err
	}
	if len(cs) == 0 {
		fmt.Fprintln(stdout, "no claim is overdue")
		return exitOK, nil
	}
	fmt.Fprintf(stdout, "%d claims overdue at %s:\n", len(cs), t.Format(time.RFC3339))
	for _, c := range cs {
		fmt.Fprintf(stdout, "  %s  received %s  due %s  %d days late  %s\n",
			c.ID, c.Received.Format("2006-01-02"), c.Due.Format("2006-01-02 15:04 MST"), daysLate(t, c.Due), c.Status)
	}
	return exitFinding, nil
}

func overdueRequests(ctx context.Context, path string, t time.Time, stdout io.Writer) (int, error) {
	store, err := openRegister(ctx, path, storeurl.OpenRequests)
	if err != nil {
		return exitError, err
	}
	defer store.Close()
	rs, err := requests.New(store).Overdue(ctx, t)
	if err != nil {
		return exitError, err
	}
	if len(rs) == 0 {
		fmt.Fprintln(stdout, "no request is overdue")
		return exitOK, nil
	}
	fmt.Fprintf(stdout, "%d requests overdue at %s:\n", len(rs), t.Format(time.RFC3339))
	for _, r := range rs {
		fmt.Fprintf(stdout, "  %s  %s  received %s  due %s  %d days late  %s\n",
			r.ID, r.Kind, r.Received.Format("2006-01-02"), r.Due.Format("2006-01-02 15:04 MST"), daysLate(t, r.Due), r.Status)
	}
	return exitFinding, nil
}

func overdueNotices(ctx context.Context, path string, t time.Time, stdout io.Writer) (int, error) {
	store, err := openRegister(ctx, path, storeurl.OpenBreaches)
	if err != nil {
		return exitError, err
	}
	defer store.Close()
	ns, err := breaches.New(store).Overdue(ctx, t)
	if err != nil {
		return exitError, err
	}
	if len(ns) == 0 {
		fmt.Fprintln(stdout, "no breach notice is overdue")
		return exitOK, nil
	}
	fmt.Fprintf(stdout, "%d breach notices overdue at %s:\n", len(ns), t.Format(time.RFC3339))
	for _, n := range ns {
		fmt.Fprintf(stdout, "  %s  to %s  due %s  %d days late\n",
			n.Incident, n.To, n.Due.Format("2006-01-02 15:04 MST"), daysLate(t, n.Due))
	}
	return exitFinding, nil
}

func report(ctx context.Context, args []string, stdout io.Writer, now func() time.Time) (int, error) {
	fs := flags("report")
	user := fs.String("user", "", "the data subject the report is about")
	storeURL := fs.String("store", "", "consent store URL: sqlite:///path or postgres://...")
	ledgerURL := fs.String("ledger", "", "disclosure ledger URL: sqlite:///path or postgres://...")
	claimsPath := fs.String("claims", "", "the claims register: a SQLite file, sqlite:///path or postgres://...")
	requestsPath := fs.String("requests", "", "the requests register: a SQLite file, sqlite:///path or postgres://...")
	breachesPath := fs.String("breaches", "", "the breaches register: a SQLite file, sqlite:///path or postgres://...")
	format := fs.String("format", "json", "json or html")
	lang := fs.String("lang", "ru", "language of the HTML page: ru, kk or en")
	out := fs.String("out", "", "file to write the report to (default: standard output)")
	asOf := fs.String("as-of", "", "the moment the report is as of, RFC 3339 (default: now)")
	opName := fs.String("operator", "", "the operator's name, as the report shows it")
	opBIN := fs.String("bin", "", "the operator's BIN")
	if err := parse(fs, args, "user"); err != nil {
		return exitError, err
	}
	if *format != "json" && *format != "html" {
		return exitError, fmt.Errorf("-format: %q is neither json nor html", clip(*format))
	}
	switch subject.Lang(*lang) {
	case subject.Russian, subject.Kazakh, subject.English:
	default:
		return exitError, fmt.Errorf("-lang: %q is not ru, kk or en", clip(*lang))
	}
	t := now()
	if *asOf != "" {
		var err error
		if t, err = time.Parse(time.RFC3339, *asOf); err != nil {
			return exitError, fmt.Errorf("-as-of: not an RFC 3339 time such as 2026-01-02T15:04:05+05:00")
		}
	}
	opts := []subject.ReporterOption{subject.WithOperator(subject.Operator{Name: *opName, BIN: *opBIN})}
	var closers []func() error
	defer func() {
		for _, c := range closers {
			_ = c()
		}
	}()
	if *storeURL != "" {
		s, err := storeurl.OpenConsent(ctx, *storeURL)
		if err != nil {
			return exitError, err
		}
		closers = append(closers, s.Close)
		opts = append(opts, subject.WithConsent(s))
	}
	if *ledgerURL != "" {
		l, closeLedger, err := openLedger(ctx, *ledgerURL)
		if err != nil {
			return exitError, err
		}
		closers = append(closers, closeLedger)
		opts = append(opts, subject.WithDisclosures(l))
	}
	if *claimsPath != "" {
		s, err := openRegister(ctx, *claimsPath, storeurl.OpenClaims)
		if err != nil {
			return exitError, err
		}
		closers = append(closers, s.Close)
		opts = append(opts, subject.WithClaims(claims.New(s)))
	}
	if *requestsPath != "" {
		s, err := openRegister(ctx, *requestsPath, storeurl.OpenRequests)
		if err != nil {
			return exitError, err
		}
		closers = append(closers, s.Close)
		opts = append(opts, subject.WithRequests(requests.New(s)))
	}
	if *breachesPath != "" {
		s, err := openRegister(ctx, *breachesPath, storeurl.OpenBreaches)
		if err != nil {
			return exitError, err
		}
		closers = append(closers, s.Close)
		opts = append(opts, subject.WithBreaches(breaches.New(s)))
	}
	r, err := subject.NewReporter(opts...).Build(ctx, *user, t)
	if err != nil {
		return exitError, redact(err, *user)
	}
	// Build the whole report before writing any of it: a failure leaves
	// no partial file.
	var b bytes.Buffer
	if *format == "html" {
		err = r.WriteHTML(&b, subject.Lang(*lang), nil)
	} else {
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	}
	if err != nil {
		return exitError, redact(err, *user)
	}
	if *out == "" {
		_, err = stdout.Write(b.Bytes())
	} else {
		// The subject's own data: readable by the operator's account only.
		err = os.WriteFile(*out, b.Bytes(), 0o600)
	}
	if err != nil {
		return exitError, err
	}
	return exitOK, nil
}

// redact takes the subject's ID out of an error's text, should a source
// have put it there: errors go to the operator's terminal and logs.
func redact(err error, user string) error {
	return errors.New(strings.ReplaceAll(err.Error(), user, "[subject]"))
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}
