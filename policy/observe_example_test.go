package policy_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

func ExampleWithDecisionLog() {
	// The key comes from the host's secrets, never from the logs' side.
	pseudonym, err := policy.HMACPseudonym([]byte("an example key of 32 bytes or more"))
	if err != nil {
		log.Fatal(err)
	}
	// Drop the time so that the output is stable.
	h := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "timestamp" || a.Key == "decision_id" || len(groups) > 0 && groups[0] == "metrics" {
			return slog.Attr{}
		}
		return a
	}})
	engine, err := policy.New(
		policy.WithRecipients(disclosure.Recipient{ID: "halyk-bank", Kind: disclosure.ThirdParty}),
		policy.WithSubjectPseudonym(pseudonym),
		policy.WithDecisionLog(h, policy.DecisionLogOptions{AllowSample: 100}),
	)
	if err != nil {
		log.Fatal(err)
	}
	_, _ = engine.Check(context.Background(), "user-1", purpose.Payments, "halyk-bank")
	// Output:
	// {"level":"INFO","msg":"decision","path":"privacy/decision","input":{"purpose":"payments","recipient":"halyk-bank","recipient_kind":"third_party","subject":"h1:U7nLuRLBmxSJrSHiTtv5hg"},"result":{"allowed":false,"reasons":["acceptance_missing","consent_required"],"clauses":["2.1","5.2"],"obligations":[],"categories":["identity","contact","iin_bin","payment_details","commercial_secret"]},"labels":{"policy_version":"2023-ru-1"}}
}

func ExampleEngine_Allowed() {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	engine, err := policy.New(policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "halyk-bank", Kind: disclosure.ThirdParty}))
	if err != nil {
		log.Fatal(err)
	}
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	v := engine.Version().ID
	_ = store.Append(ctx,
		consent.AcceptPolicy("user-1", v, at), consent.Grant("user-1", purpose.Payments, "halyk-bank", at),
		consent.AcceptPolicy("user-2", v, at),
		consent.AcceptPolicy("user-3", v, at), consent.Grant("user-3", purpose.Payments, "halyk-bank", at))

	// The nightly export: one plan, consent read in batches.
	users := slices.Values([]string{"user-1", "user-2", "user-3", "user-4"})
	for user, err := range engine.Allowed(ctx, purpose.Payments, "halyk-bank", users) {
		if err != nil {
			log.Fatal(err) // fail closed: stop the export
		}
		fmt.Println(user)
	}
	// Output:
	// user-1
	// user-3
}

func ExampleEngine_Plan() {
	engine, err := policy.New(policy.WithRecipients(disclosure.Recipient{ID: "halyk-bank", Kind: disclosure.ThirdParty}))
	if err != nil {
		log.Fatal(err)
	}
	plan, err := engine.Plan(context.Background(), purpose.Payments, "halyk-bank")
	if err != nil {
		log.Fatal(err)
	}
	// The consent conditions the policy allows; pgstore's FilterSQL turns
	// them into SQL for the host's export query.
	for _, c := range plan.Filter.Allow {
		fmt.Printf("acceptance %s, grant %v, cross-border %v\n", c.Standing, c.Grant, c.CrossBorder)
	}
	// Output:
	// acceptance current, grant true, cross-border false
	// acceptance current, grant true, cross-border true
	// acceptance outdated, grant true, cross-border false
	// acceptance outdated, grant true, cross-border true
}
