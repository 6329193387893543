// Quickstart walks through the seed privacy policy as a host service would
// meet it: a user accepts the policy, the service processes and shares their
// data with recipients of every kind, the user grants and withdraws consent,
// and every decision is printed with its reasons and the clauses they cite.
//
//	go run ./examples/quickstart                      # English
//	go run ./examples/quickstart -lang ru             # по-русски
//	go run ./examples/quickstart -sqlite consent.db   # keep consent in a file
//
// With -sqlite, consent is written to a SQLite file. Run it twice: the
// second run finds the first run's consent log, withdrawal included, and
// decides by it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/subject/claims"
)

func main() {
	lang := flag.String("lang", "en", "language of the explanations: en, ru or kk")
	file := flag.String("sqlite", "", "keep consent in this SQLite file instead of in memory")
	flag.Parse()
	ctx := context.Background()
	var store storeCloser = memoryStore{consent.NewMemoryStore()}
	fresh := false
	if *file != "" {
		_, err := os.Stat(*file)
		fresh = errors.Is(err, os.ErrNotExist)
		s, err := sqlitestore.Open(ctx, *file)
		if err != nil {
			log.Fatal(err)
		}
		store = s
	}
	err := run(ctx, os.Stdout, *lang, store)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		log.Fatal(err)
	}
	if fresh {
		fmt.Printf("\nConsent is kept in %s: run the same command again to see it survive a restart.\n", *file)
	}
}

type storeCloser interface {
	consent.Store
	Close() error
}

type memoryStore struct{ *consent.MemoryStore }

func (memoryStore) Close() error { return nil }

// recipients are the host's counterparties, one of each kind.
var recipients = []disclosure.Recipient{
	{ID: "kgd", Kind: disclosure.StateBody, Name: "State Revenue Committee"},
	{ID: "kaspi", Kind: disclosure.Partner, Name: "Payment partner"},
	{ID: "dtt-cloud", Kind: disclosure.Affiliate, Name: "Affiliated hosting company"},
	{ID: "halyk", Kind: disclosure.ThirdParty, Name: "Unaffiliated bank"},
	{ID: "notary", Kind: disclosure.Individual, Name: "Private notary"},
	{ID: "support-team", Kind: disclosure.Employee, Name: "Support team", Confidentiality: true, Agreement: "NDA-2024-17"},
	{ID: "freelancer", Kind: disclosure.Contractor, Name: "Freelance designer"},
	{ID: "de-analytics", Kind: disclosure.Partner, Name: "Analytics partner in Germany", Country: "DE"},
}

func run(ctx context.Context, w io.Writer, lang string, store consent.Store) error {
	now := time.Now().Add(-time.Hour) // events are recorded as they happened, an hour ago
	// The operator has scheduled its next version for publication a minute
	// into the walkthrough (9.2): the engine's clock puts it in force by
	// itself, with no Reload.
	next := policy.Version{ID: "2026-ru-2", Published: now.Add(time.Minute), URL: policy.DefaultVersion.URL}
	engine, err := policy.New(
		policy.WithConsentStore(store),
		policy.WithRecipients(recipients...),
		policy.WithVersion(next),
		policy.WithPriorVersions(policy.DefaultVersion),
		policy.WithClock(func() time.Time { return now }),
	)
	if err != nil {
		return err
	}
	v := engine.Version()
	fmt.Fprintf(w, "Policy version in force: %s (%s); %s is scheduled for %s\n", v.ID, v.URL, next.ID, next.Published.Format(time.RFC3339))

	const user = "user-42"
	if earlier, err := store.History(ctx, user); err != nil {
		return err
	} else if len(earlier) > 0 {
		return resume(ctx, w, lang, engine, user, earlier)
	}
	step := 0
	say := func(title string) {
		step++
		fmt.Fprintf(w, "\n%d. %s\n", step, title)
	}
	// Every allowed disclosure carries the obligation to record it (7.1):
	// the ledger keeps it with its basis, hash-chained.
	led := ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(engine))
	check := func(p purpose.ID, recipient string, cats ...purpose.Category) {
		d, err := engine.Check(ctx, user, p, recipient, policy.WithCategories(cats...))
		fmt.Fprintf(w, "   %s\n", indent(d.Explain(lang)))
		if err != nil {
			fmt.Fprintf(w, "   error: %v\n", err)
			return
		}
		if d.Allowed && d.Obliges("record_disclosure") {
			e, err := led.Record(ctx, user, d, ledger.WithCategories(cats...))
			if err != nil {
				fmt.Fprintf(w, "   ledger: %v\n", err)
				return
			}
			fmt.Fprintf(w, "   → disclosure #%d recorded in the ledger (%s…)\n", e.Seq, e.Hash.String()[:12])
		}
	}
	appendEvents := func(events ...consent.Event) error {
		now = now.Add(time.Second)
		return store.Append(ctx, events...)
	}

	say("Before the user accepts the policy, even the operator may not process (2.1)")
	check(purpose.Payments, policy.Operator)

	say("The user opens the app and accepts the policy (2.1)")
	if err := appendEvents(consent.AcceptPolicy(user, v.ID, now, consent.WithChannel(consent.ChannelMobileApp))); err != nil {
		return err
	}
	check(purpose.Payments, policy.Operator)

	say("Sharing with a state body, a partner and an affiliate (5.1)")
	check(purpose.Verification, "kgd", purpose.Identity, purpose.IINBIN)
	check(purpose.Payments, "kaspi", purpose.PaymentDetails)
	check(purpose.ServiceAccess, "dtt-cloud", purpose.Documents)

	say("Commercial secrets never go to 5.1 recipients")
	check(purpose.Payments, "kaspi", purpose.PaymentDetails, purpose.CommercialSecret)

	say("An unaffiliated bank and a private notary need the user's consent (5.2)")
	check(purpose.Payments, "halyk", purpose.PaymentDetails)
	check(purpose.Verification, "notary", purpose.Identity)

	say("The user consents to sharing payment data with the bank, for payments only")
	if err := appendEvents(consent.Grant(user, purpose.Payments, "halyk", now,
		consent.WithChannel(consent.ChannelMobileApp),
		consent.WithFlags(consent.Flags{ThirdPartyTransfer: true}))); err != nil {
		return err
	}
	check(purpose.Payments, "halyk", purpose.PaymentDetails)
	check(purpose.Support, "halyk", purpose.Contact)

	say("The user withdraws that consent: the very next check denies")
	if err := appendEvents(consent.Withdraw(user, purpose.Payments, "halyk", now)); err != nil {
		return err
	}
	check(purpose.Payments, "halyk", purpose.PaymentDetails)

	say("A partner in Germany: a transfer abroad needs the user's cross-border consent (4.1; Law 94-V art. 16)")
	check(purpose.Payments, "de-analytics", purpose.PaymentDetails)

	say("The user consents to that transfer abroad, saying so in the consent (art. 8 p.4)")
	if err := appendEvents(consent.Grant(user, purpose.Payments, "de-analytics", now,
		consent.WithChannel(consent.ChannelMobileApp),
		consent.WithFlags(consent.Flags{ThirdPartyTransfer: true, CrossBorderTransfer: true}))); err != nil {
		return err
	}
	check(purpose.Payments, "de-analytics", purpose.PaymentDetails)

	say("Staff and contractors only under a confidentiality obligation (6.3)")
	check(purpose.Support, "support-team", purpose.Contact)
	check(purpose.Support, "freelancer", purpose.Contact)

	say("A purpose the policy does not list is denied, with an error (fail closed)")
	d, err := engine.Check(ctx, user, "marketing", policy.Operator)
	fmt.Fprintf(w, "   %s\n   errors.Is(err, policy.ErrUnknownPurpose) = %v\n", indent(d.Explain(lang)), errors.Is(err, policy.ErrUnknownPurpose))

	say("The scheduled version takes force by itself at its publication (9.2): earlier acceptance stands, with an obligation (9.5)")
	fmt.Fprintf(w, "   in force before: %s\n", engine.Version().ID)
	now = next.Published
	fmt.Fprintf(w, "   in force at %s: %s\n", now.Format(time.RFC3339), engine.Version().ID)
	check(purpose.Support, policy.Operator)

	say("The user disagrees and withdraws acceptance (9.3): everything resting on it stops")
	if err := appendEvents(consent.WithdrawAcceptance(user, now)); err != nil {
		return err
	}
	check(purpose.Support, policy.Operator)
	check(purpose.Verification, "kgd", purpose.Identity)

	say("The consent log is the evidence (Law of the RK on personal data, art. 25)")
	history, err := store.History(ctx, user)
	if err != nil {
		return err
	}
	printHistory(w, history)

	say("The user asks what was shared about them and files a pre-trial claim (7.1, 8.1, 8.2)")
	shared, err := led.Subject(ctx, user)
	if err != nil {
		return err
	}
	for _, e := range shared {
		fmt.Fprintf(w, "   #%d %-14s → %-12s %v  basis: %s %s\n", e.Seq, e.Purpose, e.Recipient, e.Categories, e.Basis[0].Clause, e.Basis[0].Code)
	}
	if err := led.Verify(ctx); err != nil {
		return err
	}
	head, err := led.Head(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   ledger verified: %d entries, head %s…\n", head.Seq, head.Hash.String()[:12])
	register := claims.New(claims.NewMemoryStore())
	claim, err := register.File(ctx, user, now, claims.WithTopic(claims.TopicDisclosure), claims.WithChannel(claims.ChannelApp))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   claim %s… filed; the written answer is due by %s (30 calendar days, 8.2)\n",
		claim.ID[:8], claim.Due.Format("2006-01-02 15:04 MST"))
	return nil
}

// resume is the second run over a durable store: the first run's consent
// log is there, and decisions rest on it.
func resume(ctx context.Context, w io.Writer, lang string, engine *policy.Engine, user string, history []consent.Event) error {
	fmt.Fprintf(w, "\nFound %d consent events for %s recorded by an earlier run:\n", len(history), user)
	printHistory(w, history)
	fmt.Fprintf(w, "\nDecisions rest on them after the restart:\n")
	for _, c := range []struct {
		p purpose.ID
		r string
	}{{purpose.Support, policy.Operator}, {purpose.Payments, "halyk"}} {
		d, err := engine.Check(ctx, user, c.p, c.r)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "   %s\n", indent(d.Explain(lang)))
	}
	fmt.Fprintf(w, "\nDelete the file to start the walkthrough afresh.\n")
	return nil
}

func printHistory(w io.Writer, history []consent.Event) {
	for _, e := range history {
		scope := ""
		if e.Scope.Purpose != "" {
			scope = fmt.Sprintf(" %s → %s", e.Scope.Purpose, e.Scope.Recipient)
		}
		fmt.Fprintf(w, "   %s %-20s%s %s\n", e.At.Format(time.RFC3339), e.Action, scope, e.PolicyVersion)
	}
}

func indent(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, s[i])
		if s[i] == '\n' {
			out = append(out, "   "...)
		}
	}
	return string(out)
}
