package ledger_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// exampleClock is the fixed time the examples record at.
func exampleClock() time.Time { return time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC) }

// exampleEngine is the seed policy with two recipients; user-1 accepted the
// policy and consented to sharing with halyk-bank for payments.
func exampleEngine(ctx context.Context) *policy.Engine {
	store := consent.NewMemoryStore()
	engine, err := policy.New(
		policy.WithConsentStore(store),
		policy.WithRecipients(
			disclosure.Recipient{ID: "halyk-bank", Kind: disclosure.ThirdParty},
			disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody},
		),
	)
	if err != nil {
		log.Fatal(err)
	}
	at := exampleClock().Add(-24 * time.Hour)
	if err := store.Append(ctx,
		consent.AcceptPolicy("user-1", engine.Version().ID, at),
		consent.Grant("user-1", purpose.Payments, "halyk-bank", at),
	); err != nil {
		log.Fatal(err)
	}
	return engine
}

func Example() {
	ctx := context.Background()
	engine := exampleEngine(ctx)
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(engine), ledger.WithClock(exampleClock))

	d, err := engine.Check(ctx, "user-1", purpose.Payments, "halyk-bank", policy.WithCategories(purpose.PaymentDetails))
	if err != nil {
		log.Fatal(err)
	}
	if d.Obliges("record_disclosure") {
		e, err := l.Record(ctx, "user-1", d,
			ledger.WithCategories(purpose.PaymentDetails),
			ledger.WithException(ledger.ExceptionConsent),
			ledger.WithReference("payment-7731"))
		if err != nil {
			log.Fatal(err) // not recorded: do not disclose
		}
		fmt.Println(e.Seq, e.Recipient, e.RecipientKind, e.Categories, e.Basis, e.Exception)
	}

	// A decision that denies is not recorded: the disclosure must not happen.
	d, _ = engine.Check(ctx, "user-2", purpose.Payments, "halyk-bank")
	_, err = l.Record(ctx, "user-2", d, ledger.WithCategories(purpose.PaymentDetails))
	fmt.Println(errors.Is(err, ledger.ErrNotAllowed))

	// Clause 8: what was disclosed about user-1.
	entries, err := l.Subject(ctx, "user-1")
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		fmt.Println(e.At.Format(time.DateOnly), e.Purpose, "→", e.Recipient, e.Categories, "policy", e.PolicyVersion)
	}
	fmt.Println(l.Verify(ctx))
	// Output:
	// 1 halyk-bank third_party [payment_details] [{consent_granted 5.2}] consent
	// true
	// 2026-01-15 payments → halyk-bank [payment_details] policy 2023-ru-1
	// <nil>
}

// A host keeps the head somewhere the ledger's storage cannot reach; later
// checks pass every head kept, so a chain cut short or rewritten from some
// entry on no longer passes.
func ExampleLedger_Verify() {
	ctx := context.Background()
	engine := exampleEngine(ctx)
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(engine), ledger.WithClock(exampleClock))
	d, err := engine.Check(ctx, "user-1", purpose.Verification, "kgd", policy.WithCategories(purpose.IINBIN))
	if err != nil {
		log.Fatal(err)
	}
	for range 3 {
		if _, err := l.Record(ctx, "user-1", d, ledger.WithCategories(purpose.IINBIN)); err != nil {
			log.Fatal(err)
		}
	}
	published, err := l.Head(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("published head:", published.Seq)

	fmt.Println(l.Verify(ctx, published))

	// A head the chain does not hold: the chain was cut or rewritten.
	err = l.Verify(ctx, ledger.Head{Seq: 5, Hash: published.Hash})
	var te *ledger.TamperError
	if errors.As(err, &te) {
		fmt.Println(te.Seq, te.Reason)
	}
	// Output:
	// published head: 3
	// <nil>
	// 4 chain ends before the anchored head
}

// Middleware that ran the Check stores the decision in the request's
// context; the handler that sends the data records it from there.
func ExampleLedger_RecordFromContext() {
	ctx := context.Background()
	engine := exampleEngine(ctx)
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(engine), ledger.WithClock(exampleClock))

	d, err := engine.Check(ctx, "user-1", purpose.Verification, "kgd", policy.WithCategories(purpose.IINBIN))
	if err != nil {
		log.Fatal(err)
	}
	ctx = policy.NewContext(ctx, d) // in the middleware

	e, err := l.RecordFromContext(ctx, "user-1", ledger.WithCategories(purpose.IINBIN)) // in the handler
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Seq, e.Purpose, e.Recipient, e.RecipientKind, e.Basis)

	// The decision judged IIN/BIN only: a record that says commercial
	// secrets went out is refused (and 5.1 obliges to exclude them anyway).
	_, err = l.RecordFromContext(ctx, "user-1", ledger.WithCategories(purpose.CommercialSecret))
	fmt.Println(err)
	// Output:
	// 1 verification kgd state_body [{shared_with_affiliated 5.1}]
	// ledger: disclosure not allowed by the decision: the decision is not evidence of an allow: a category the decision did not judge
}

// An auditor recomputes a hash from the documented encoding with any
// SHA-256 tool.
func ExampleEntry_Canonical() {
	ctx := context.Background()
	engine := exampleEngine(ctx)
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(engine), ledger.WithClock(exampleClock))
	d, err := engine.Check(ctx, "user-1", purpose.Payments, "halyk-bank", policy.WithCategories(purpose.Contact))
	if err != nil {
		log.Fatal(err)
	}
	e, err := l.Record(ctx, "user-1", d, ledger.WithCategories(purpose.Contact))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ledger.Hash(sha256.Sum256(e.Canonical())) == e.Hash)
	// The entry names the decision (its decision_id in the decision log):
	// the encoding is v2.
	fmt.Println(e.DecisionID == d.ID.String(), bytes.Contains(e.Canonical(), []byte(ledger.Domain)))
	// Output:
	// true
	// true true
}

// Logging an entry leaves out whose data it was.
func ExampleEntry_LogValue() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
	e := ledger.Entry{
		Seq: 12, At: exampleClock(), Subject: "user-1", Purpose: purpose.Payments,
		Recipient: "halyk-bank", RecipientKind: disclosure.ThirdParty,
		Categories: []purpose.Category{purpose.PaymentDetails},
		Basis:      []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}},
	}
	logger.Info("disclosed", "entry", e)
	// Output:
	// level=INFO msg=disclosed entry.seq=12 entry.at=2026-01-15T09:00:00.000Z entry.purpose=payments entry.recipient=halyk-bank entry.recipient_kind=third_party entry.categories=[payment_details] entry.basis="[5.2 consent_granted]" entry.policy_version="" entry.hash=0000000000000000000000000000000000000000000000000000000000000000
}

// With a keyring the ledger keeps no subject ID in clear; Forget shreds
// the subject's key and the chain still verifies, without the key.
func ExampleLedger_Forget() {
	ctx := context.Background()
	ring, err := keyring.NewMemory([]byte("pepper from the host's secret store"))
	if err != nil {
		log.Fatal(err)
	}
	store := ledger.NewMemoryStore()
	l := ledger.New(store, ledger.WithKeyring(ring))
	ds, err := ledgertest.DecisionsFor("user-1", "halyk-bank") // an engine's decision for user-1
	if err != nil {
		log.Fatal(err)
	}
	d := ds["halyk-bank"]
	e, err := l.Record(ctx, "user-1", d, ledger.WithCategories(purpose.PaymentDetails),
		ledger.WithRecipientKind(disclosure.ThirdParty))
	if err != nil {
		log.Fatal(err)
	}
	stored, _ := store.Subject(ctx, "user-1")
	fmt.Println(e.Subject, len(stored))

	n, _ := l.Forget(ctx, "user-1")
	mine, _ := l.Subject(ctx, "user-1")
	fmt.Println(n, len(mine), ledger.New(store).Verify(ctx))
	// Output:
	// user-1 0
	// 1 0 <nil>
}

// An auditor holding a decision log record (or a trace span) goes from its
// decision_id to the disclosures the decision allowed.
func ExampleLedger_ByDecision() {
	ctx := context.Background()
	engine := exampleEngine(ctx)
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(engine), ledger.WithClock(exampleClock))
	d, err := engine.Check(ctx, "user-1", purpose.Payments, "halyk-bank", policy.WithCategories(purpose.PaymentDetails))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := l.Record(ctx, "user-1", d, ledger.WithCategories(purpose.PaymentDetails)); err != nil {
		log.Fatal(err)
	}

	// decision_id as the decision log wrote it.
	id, err := policy.ParseDecisionID(d.ID.String())
	if err != nil {
		log.Fatal(err)
	}
	entries, err := l.ByDecision(ctx, id)
	if err != nil {
		log.Fatal(err) // a *TamperError names the first bad entry
	}
	for _, e := range entries {
		fmt.Println(e.Seq, e.Recipient, e.Categories, e.DecisionID == id.String())
	}
	// Output:
	// 1 halyk-bank [payment_details] true
}

// A desk that answers data subjects keeps the verified index (the default,
// here bounded to 10,000 subjects): the first Subject call checks the whole
// chain; later calls check the entries appended since and the subject's
// own, so they cost what the subject's entries cost.
func ExampleWithVerifiedIndex() {
	ctx := context.Background()
	engine := exampleEngine(ctx)
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(engine), ledger.WithClock(exampleClock),
		ledger.WithVerifiedIndex(10_000))
	d, err := engine.Check(ctx, "user-1", purpose.Payments, "halyk-bank", policy.WithCategories(purpose.PaymentDetails))
	if err != nil {
		log.Fatal(err)
	}
	record := func() {
		if _, err := l.Record(ctx, "user-1", d, ledger.WithCategories(purpose.PaymentDetails)); err != nil {
			log.Fatal(err)
		}
	}
	record()
	record()
	first, err := l.Subject(ctx, "user-1") // walks the chain
	if err != nil {
		log.Fatal(err)
	}
	record()
	later, err := l.Subject(ctx, "user-1") // checks entry 3 and user-1's entries
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(first), len(later), later[2].Seq)
	// Output:
	// 2 3 3
}
