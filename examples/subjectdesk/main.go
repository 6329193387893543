// Subjectdesk is the desk where an operator meets a data subject: the user
// accepts the policy and consents to one disclosure, which is recorded;
// then the user files a pre-trial claim (clause 8) and a request for
// access under Law 94-V; the operator answers the access request with the
// report page of everything on record, and issues a signed receipt of the
// consent.
//
//	go run ./examples/subjectdesk -out report.html -lang ru
//
// Registers are in memory here; a service uses subject/*/sqlite* or
// subject/*/pg* stores.
package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/subject"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/receipt"
	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/workday"
)

func main() {
	out := flag.String("out", "report.html", "where to write the report page")
	lang := flag.String("lang", "ru", "language of the page: ru, kk or en")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	err = run(context.Background(), os.Stdout, f, subject.Lang(*lang), time.Now())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("report page written to", *out)
}

var operator = subject.Operator{
	Name: "ТОО «Цифровые налоговые технологии»", BIN: "180340021871",
	Contact: "privacy@example.kz", PolicyURL: "https://example.kz/privacy",
}

// run plays the desk's day as of now, writing a log to w and the report
// page to page.
func run(ctx context.Context, w, page io.Writer, lang subject.Lang, now time.Time) error {
	const user = "user-42"
	almaty := time.FixedZone("UTC+5", 5*60*60)
	cal, err := workday.Kazakhstan(workday.WithLocation(almaty))
	if err != nil {
		return err
	}

	// The engine decides; the ledger records what it allowed (7.1).
	store := consent.NewMemoryStore()
	engine, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(
		disclosure.Recipient{ID: "halyk", Kind: disclosure.ThirdParty, Name: "Unaffiliated bank"}))
	if err != nil {
		return err
	}
	start := now.Add(-2 * time.Hour)
	// The ledger's clock follows the day being played.
	led := ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(engine),
		ledger.WithClock(func() time.Time { return start.Add(5 * time.Minute) }))
	version := engine.Version().ID
	accept := consent.AcceptPolicy(user, version, start, consent.WithChannel(consent.ChannelMobileApp))
	grant := consent.Grant(user, purpose.Payments, "halyk", start.Add(time.Minute), consent.WithChannel(consent.ChannelMobileApp),
		consent.WithFlags(consent.Flags{ThirdPartyTransfer: true}), consent.WithPolicyVersion(version))
	if err := store.Append(ctx, accept, grant); err != nil {
		return err
	}
	d, err := engine.Check(ctx, user, purpose.Payments, "halyk", policy.WithCategories(purpose.PaymentDetails))
	if err != nil {
		return err
	}
	if !d.Allowed {
		return fmt.Errorf("the consented disclosure was denied: %s", d.Explain("en"))
	}
	if _, err := led.Record(ctx, user, d, ledger.WithCategories(purpose.PaymentDetails)); err != nil {
		return err
	}
	fmt.Fprintln(w, "1. the user accepted the policy and consented to share payment details with halyk; the disclosure is in the ledger")

	// A signed receipt of the grant, verifiable with the public key only.
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return err
	}
	iss, err := receipt.New(receipt.Controller{Name: operator.Name, BIN: operator.BIN, Contact: operator.Contact}, priv,
		receipt.WithPolicyURL(operator.PolicyURL))
	if err != nil {
		return err
	}
	token, err := iss.Issue(grant)
	if err != nil {
		return err
	}
	if _, err := receipt.Verify(token, pub); err != nil {
		return err
	}
	fmt.Fprintf(w, "2. receipt of the grant issued and verified (%d bytes, EdDSA)\n", len(token))

	// The user files a claim and asks what is held about them.
	claimReg := claims.New(claims.NewMemoryStore(), claims.WithLocation(almaty))
	c, err := claimReg.File(ctx, user, now.Add(-time.Hour), claims.WithTopic(claims.TopicDisclosure), claims.WithChannel(claims.ChannelApp))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "3. claim %s filed, answer due %s\n", c.ID, c.Due.Format("2006-01-02"))
	reqReg := requests.New(requests.NewMemoryStore(), requests.WithCalendar(cal))
	r, err := reqReg.File(ctx, user, requests.KindAccess, now.Add(-time.Hour), requests.WithChannel(requests.ChannelApp))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "4. access request %s filed, answer due %s (3 working days)\n", r.ID, r.Due.Format("2006-01-02"))

	// The operator answers the access request with the report page.
	rep := subject.NewReporter(subject.WithOperator(operator), subject.WithConsent(store), subject.WithDisclosures(led),
		subject.WithClaims(claimReg), subject.WithRequests(reqReg))
	report, err := rep.Build(ctx, user, now)
	if err != nil {
		return err
	}
	if err := report.WriteHTML(page, lang, almaty); err != nil {
		return err
	}
	if err := reqReg.Answer(ctx, r.ID, now, "report-page:"+r.ID); err != nil {
		return err
	}
	fmt.Fprintf(w, "5. access request answered with the report: %d consent events, %d disclosures, %d claims, %d requests\n",
		len(report.Consent), len(report.Disclosures), len(report.Claims), len(report.Requests))

	if err := claimReg.Answer(ctx, c.ID, now, "edo://outgoing/1"); err != nil {
		return err
	}
	ev, err := rep.Evidence(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "6. claim answered; its evidence bundle shows %d disclosures as of its receipt\n", len(ev.Report.Disclosures))
	return nil
}
