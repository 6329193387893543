package policy_test

import (
	"context"
	"errors"
	"fmt"
	"log"
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
