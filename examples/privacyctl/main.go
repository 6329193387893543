// Privacyctl is an operator's command line for the library's records:
// verify the disclosure ledger against published anchors, explain a
// decision, and list the claims (clause 8) whose answer is overdue.
//
//	go run ./examples/privacyctl head    -ledger sqlite:///var/lib/svc/ledger.db >> anchors.jsonl
//	go run ./examples/privacyctl verify  -ledger sqlite:///var/lib/svc/ledger.db -anchors anchors.jsonl
//	go run ./examples/privacyctl explain -store sqlite:///var/lib/svc/consent.db -recipients recipients.json \
//	        -user u1 -purpose payments -recipient halyk -categories payment_details -lang en
//	go run ./examples/privacyctl overdue -claims /var/lib/svc/claims.db
//
// Exit status: 0 when all is well (the chain verifies, the decision
// allows, no claim is overdue), 1 when it is not (tampered, denied,
// overdue claims), 2 on a usage or operational error.
//
// Output never names a data subject: explain prints the decision, which
// names none, and overdue prints claim IDs, not who filed them.
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
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/storeurl"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/claims/sqliteclaims"
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
  overdue  list the claims awaiting an answer past their due date

"privacyctl <command> -h" lists a command's flags.
`

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	cmds := map[string]func(context.Context, []string, io.Writer, func() time.Time) (int, error){
		"head": head, "verify": verify, "explain": explain, "overdue": overdue,
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
	path := fs.String("claims", "", "the claims register's SQLite file")
	at := fs.String("now", "", "the moment to judge at, RFC 3339 (default: now)")
	if err := parse(fs, args, "claims"); err != nil {
		return exitError, err
	}
	t := now()
	if *at != "" {
		var err error
		if t, err = time.Parse(time.RFC3339, *at); err != nil {
			return exitError, fmt.Errorf("-now: not an RFC 3339 time such as 2026-01-02T15:04:05+05:00")
		}
	}
	if _, err := os.Stat(*path); err != nil {
		// Open would create an empty register; a mistyped path must not
		// pass for "no claims overdue".
		return exitError, err
	}
	store, err := sqliteclaims.Open(ctx, *path)
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
		late := int(t.Sub(c.Due).Hours() / 24)
		fmt.Fprintf(stdout, "  %s  received %s  due %s  %d days late  %s\n",
			c.ID, c.Received.Format("2006-01-02"), c.Due.Format("2006-01-02 15:04 MST"), late, c.Status)
	}
	return exitFinding, nil
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}
