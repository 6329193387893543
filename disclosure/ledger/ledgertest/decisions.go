package ledgertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// Allows returns, for each recipient ID, a decision a real engine (the
// seed policy) issued that allows payment data to go to that recipient: a
// third party to which the user, having accepted the policy, granted
// consent (5.2). A [ledger.Ledger] records only decisions an engine made,
// so tests of stores record with these. It builds one engine per call.
func Allows(tb testing.TB, recipients ...string) map[string]policy.Decision {
	tb.Helper()
	out, err := Decisions(recipients...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// Decisions is [Allows] for code without a testing.TB (a helper process,
// a package variable).
func Decisions(recipients ...string) (map[string]policy.Decision, error) {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	rs := make([]disclosure.Recipient, len(recipients))
	for i, r := range recipients {
		rs[i] = disclosure.Recipient{ID: r, Kind: disclosure.ThirdParty}
	}
	eng, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(rs...))
	if err != nil {
		return nil, fmt.Errorf("ledgertest: engine: %w", err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	events := []consent.Event{consent.AcceptPolicy("ledgertest-user", eng.Version().ID, at)}
	for _, r := range recipients {
		events = append(events, consent.Grant("ledgertest-user", purpose.Payments, r, at))
	}
	if err := store.Append(ctx, events...); err != nil {
		return nil, fmt.Errorf("ledgertest: consent: %w", err)
	}
	out := make(map[string]policy.Decision, len(recipients))
	for _, r := range recipients {
		d, err := eng.Check(ctx, "ledgertest-user", purpose.Payments, r)
		if err != nil || !d.Allowed {
			return nil, fmt.Errorf("ledgertest: the seed policy does not allow payments to a recipient: %v", err)
		}
		out[r] = d
	}
	return out, nil
}
