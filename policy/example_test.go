package policy_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"testing/fstest"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

func Example() {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	engine, err := policy.New(
		policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "halyk-bank", Kind: disclosure.ThirdParty}),
	)
	if err != nil {
		log.Fatal(err)
	}
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	if err := store.Append(ctx, consent.AcceptPolicy("user-1", engine.Version().ID, at)); err != nil {
		log.Fatal(err)
	}

	d, err := engine.Check(ctx, "user-1", purpose.Payments, "halyk-bank")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Allowed, d.Reasons[0].Clause, d.Reasons[0].Code)

	if err := store.Append(ctx, consent.Grant("user-1", purpose.Payments, "halyk-bank", at)); err != nil {
		log.Fatal(err)
	}
	d, err = engine.Check(ctx, "user-1", purpose.Payments, "halyk-bank")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Allowed, d.Reasons[0].Clause, d.Reasons[0].Code)
	// Output:
	// false 5.2 consent_required
	// true 5.2 consent_granted
}

func ExampleEngine_Check_obligations() {
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
	d, err := engine.Check(ctx, "user-1", purpose.Verification, "kgd", policy.WithCategories(purpose.Identity))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Explain("en"))
	// Output:
	// allowed (verification → kgd, 2023-ru-1)
	//   - [clause 5.1] shared_with_affiliated: Sharing with a state body, partner or affiliated company is allowed
	//   ! [clause 5.1] exclude_commercial_secret: Exclude data that make up a commercial secret
	//   ! [clause 7.1] record_disclosure: Record the disclosure and its basis in the ledger
}

func ExampleEngine_Check_failClosed() {
	engine, err := policy.New()
	if err != nil {
		log.Fatal(err)
	}
	d, err := engine.Check(context.Background(), "user-1", "marketing", policy.Operator)
	fmt.Println(d.Allowed, errors.Is(err, policy.ErrUnknownPurpose))
	// Output:
	// false true
}

func ExampleDecisionFromContext() {
	engine, err := policy.New()
	if err != nil {
		log.Fatal(err)
	}
	d, _ := engine.Check(context.Background(), "user-1", purpose.Support, policy.Operator)
	ctx := policy.NewContext(context.Background(), d)

	// Further down the request:
	got, ok := policy.DecisionFromContext(ctx)
	fmt.Println(ok, got.Allowed, got.Reasons[0].Code)
	_, ok = policy.DecisionFromContext(context.Background())
	fmt.Println(ok)
	// Output:
	// true false acceptance_missing
	// false
}

func ExampleMessage() {
	t, ok := policy.Message("consent_required")
	fmt.Println(ok)
	fmt.Println(t.In("ru"))
	fmt.Println(t.In("en"))
	// Output:
	// true
	// Передача несвязанной компании или частному лицу требует согласия пользователя
	// Sharing with an unaffiliated company or a private individual needs the user's consent
}

// Verify tells a Decision an engine made from one built or changed by hand.
func ExampleVerify() {
	engine, err := policy.New()
	if err != nil {
		log.Fatal(err)
	}
	d, _ := engine.Check(context.Background(), "user-1", purpose.Support, policy.Operator)
	fmt.Println(policy.Verify(d))
	d.Allowed = true
	fmt.Println(errors.Is(policy.Verify(d), policy.ErrNotIssued))
	fmt.Println(errors.Is(policy.Verify(policy.Decision{Allowed: true}), policy.ErrNotIssued))
	// Output:
	// <nil>
	// true
	// true
}

// A version scheduled for later takes force by itself, by the engine's
// clock, with no Reload (9.2).
func ExampleEngine_VersionAt() {
	v2 := policy.Version{ID: "2026-ru-2", Published: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	now := time.Date(2026, 5, 31, 23, 59, 0, 0, time.UTC)
	engine, err := policy.New(
		policy.WithVersion(v2),
		policy.WithPriorVersions(policy.DefaultVersion),
		policy.WithClock(func() time.Time { return now }),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(engine.Version().ID)
	now = now.Add(time.Minute)
	fmt.Println(engine.Version().ID)
	v, ok := engine.VersionAt(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(v.ID, ok)
	// Output:
	// 2023-ru-1
	// 2026-ru-2
	// 2023-ru-1 true
}

// A recipient abroad needs the user's consent to the transfer (94-V art.
// 16), unless the host lists the country or names a basis.
func ExampleWithAdequateCountries() {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	if err := store.Append(ctx, consent.AcceptPolicy("user-1", policy.DefaultVersion.ID, at)); err != nil {
		log.Fatal(err)
	}
	partner := disclosure.Recipient{ID: "de-analytics", Kind: disclosure.Partner, Country: "DE"}
	for _, opts := range [][]policy.Option{nil, {policy.WithAdequateCountries("DE")}} {
		engine, err := policy.New(append([]policy.Option{policy.WithConsentStore(store), policy.WithRecipients(partner)}, opts...)...)
		if err != nil {
			log.Fatal(err)
		}
		d, err := engine.Check(ctx, "user-1", purpose.Payments, "de-analytics")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(d.Allowed, d.Reasons[0].Code, d.Reasons[0].Clause)
	}
	// Output:
	// false cross_border_consent_required 4.1; 94-V art. 16
	// true shared_with_affiliated 5.1
}

// A host names the Law's ground for a disclosure without consent, here a
// court's request to an unaffiliated company; the engine never assumes one.
func ExampleWithBasis() {
	ctx := context.Background()
	engine, err := policy.New(policy.WithRecipients(disclosure.Recipient{ID: "bailiff-office", Kind: disclosure.ThirdParty}))
	if err != nil {
		log.Fatal(err)
	}
	d, _ := engine.Check(ctx, "user-1", purpose.Identification, "bailiff-office")
	fmt.Println(d.Allowed)
	d, err = engine.Check(ctx, "user-1", purpose.Identification, "bailiff-office", policy.WithBasis(policy.BasisLawEnforcement))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Allowed, d.Reasons[0].Code, d.Reasons[0].Clause)
	// Output:
	// false
	// true law_basis 4.1; 94-V art. 9 (unconf.)
}

// A host layers its own rule on the seed: it can deny more, never allow
// what the seed denies. Here location data of minors never leave the
// operator.
func ExampleWithHostRego() {
	ctx := context.Background()
	host := fstest.MapFS{"minors.rego": {Data: []byte(`package privacy.host

deny contains {"code": "minor_location", "clause": "host 1"} if {
	input.attributes["subject.age_group"] == "minor"
	input.recipient.kind != "operator"
	"geolocation" in input.categories
}
`)}}
	store := consent.NewMemoryStore()
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	if err := store.Append(ctx, consent.AcceptPolicy("user-1", policy.DefaultVersion.ID, at)); err != nil {
		log.Fatal(err)
	}
	engine, err := policy.New(
		policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody}),
		policy.WithHostRego(host),
		policy.WithAttribute("subject.age_group", "minor", "adult"),
	)
	if err != nil {
		log.Fatal(err)
	}
	for _, age := range []string{"adult", "minor"} {
		d, err := engine.Check(ctx, "user-1", purpose.Location, "kgd", policy.WithAttr("subject.age_group", age))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(age, d.Allowed, d.Reasons[0].Code)
	}
	// Output:
	// adult true shared_with_affiliated
	// minor false minor_location
}

// ExampleVerifyFor: evidence code checks that a decision was made for the
// user it is about to record.
func ExampleVerifyFor() {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	if err := store.Append(ctx, consent.AcceptPolicy("user-1", policy.DefaultVersion.ID, at)); err != nil {
		log.Fatal(err)
	}
	engine, err := policy.New(policy.WithConsentStore(store))
	if err != nil {
		log.Fatal(err)
	}
	d, err := engine.Check(ctx, "user-1", purpose.Support, policy.Operator)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Allowed, policy.VerifyFor(d, "user-1") == nil)
	fmt.Println(errors.Is(policy.VerifyFor(d, "user-2"), policy.ErrNotIssued))
	// Output:
	// true true
	// true
}

// ExampleWithAtLeast: an instance that appended a withdrawal hands its
// token on; a Check given it reflects the withdrawal on any instance
// sharing the store.
func ExampleWithAtLeast() {
	ctx := context.Background()
	store := consent.NewMemoryStore() // a consent.TokenStore, as sqlitestore and pgstore are
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	if err := store.Append(ctx,
		consent.AcceptPolicy("user-1", policy.DefaultVersion.ID, at),
		consent.Grant("user-1", purpose.Payments, "halyk-bank", at),
	); err != nil {
		log.Fatal(err)
	}
	engine, err := policy.New(
		policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "halyk-bank", Kind: disclosure.ThirdParty}),
	)
	if err != nil {
		log.Fatal(err)
	}
	token, err := store.AppendToken(ctx, consent.Withdraw("user-1", purpose.Payments, "halyk-bank", at.Add(time.Hour)))
	if err != nil {
		log.Fatal(err)
	}
	d, err := engine.Check(ctx, "user-1", purpose.Payments, "halyk-bank", policy.WithAtLeast(token))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Allowed, d.Reasons[0].Code)
	// Output:
	// false consent_required
}
