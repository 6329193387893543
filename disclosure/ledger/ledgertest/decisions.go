package ledgertest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// AllowsFor returns, for each recipient ID, a decision a real engine (the
// seed policy) made for subject that allows payment data to go to that
// recipient: a third party to which subject, having accepted the policy,
// granted consent (5.2). A [ledger.Ledger] records only a decision an
// engine made for the subject it records (policy.VerifyFor), so tests of
// stores record subject's disclosures with these. It builds one engine per
// call; a test that records for many subjects uses a [Decider].
func AllowsFor(tb testing.TB, subject string, recipients ...string) map[string]policy.Decision {
	tb.Helper()
	out, err := DecisionsFor(subject, recipients...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// DecisionsFor is [AllowsFor] for code without a testing.TB (a helper
// process, a package variable).
func DecisionsFor(subject string, recipients ...string) (map[string]policy.Decision, error) {
	d, err := NewDecider(recipients...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]policy.Decision, len(recipients))
	for _, r := range recipients {
		if out[r], err = d.Allow(subject, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// A Decider is one engine (the seed policy, a memory consent store) that
// makes, for any subject, decisions allowing payment data to go to the
// third-party recipients it was built with: the first time it decides for
// a subject it records that subject's acceptance of the policy and consent
// to each recipient (5.2). It keeps each decision and hands the same one
// out again for the same subject and recipient, so that a suite recording
// thousands of entries checks once per pair. A Decider is safe for
// concurrent use.
type Decider struct {
	eng        *policy.Engine
	store      *consent.MemoryStore
	recipients []string

	mu      sync.RWMutex
	decided map[[2]string]policy.Decision
}

// NewDecider returns a Decider for the given recipient IDs.
func NewDecider(recipients ...string) (*Decider, error) {
	store := consent.NewMemoryStore()
	rs := make([]disclosure.Recipient, len(recipients))
	for i, r := range recipients {
		rs[i] = disclosure.Recipient{ID: r, Kind: disclosure.ThirdParty}
	}
	eng, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(rs...))
	if err != nil {
		return nil, fmt.Errorf("ledgertest: engine: %w", err)
	}
	return &Decider{
		eng:        eng,
		store:      store,
		recipients: append([]string(nil), recipients...),
		decided:    make(map[[2]string]policy.Decision),
	}, nil
}

// MustDecider is [NewDecider] that fails tb on error.
func MustDecider(tb testing.TB, recipients ...string) *Decider {
	tb.Helper()
	d, err := NewDecider(recipients...)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// consentAt is when every subject of a Decider accepted the policy and
// consented.
var consentAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Allow returns the engine's decision, made for subject, that allows
// payment data to go to recipient. It fails if the engine does not allow
// it (recipient not one the Decider was built with).
func (d *Decider) Allow(subject, recipient string) (policy.Decision, error) {
	ctx := context.Background()
	d.mu.RLock()
	dec, ok := d.decided[[2]string{subject, recipient}]
	d.mu.RUnlock()
	if ok {
		return dec, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if dec, ok := d.decided[[2]string{subject, recipient}]; ok {
		return dec, nil
	}
	if !d.consented(subject) {
		events := []consent.Event{consent.AcceptPolicy(subject, d.eng.Version().ID, consentAt)}
		for _, r := range d.recipients {
			events = append(events, consent.Grant(subject, purpose.Payments, r, consentAt))
		}
		if err := d.store.Append(ctx, events...); err != nil {
			return policy.Decision{}, fmt.Errorf("ledgertest: consent: %w", err)
		}
		d.decided[[2]string{subject, ""}] = policy.Decision{}
	}
	dec, err := d.eng.Check(ctx, subject, purpose.Payments, recipient)
	if err != nil || !dec.Allowed {
		return policy.Decision{}, fmt.Errorf("ledgertest: the seed policy does not allow payments to a recipient: %v", err)
	}
	d.decided[[2]string{subject, recipient}] = dec
	return dec, nil
}

// consented reports whether subject's consent events are in the store;
// d.mu is held.
func (d *Decider) consented(subject string) bool {
	_, ok := d.decided[[2]string{subject, ""}]
	return ok
}

// MustAllow is [Decider.Allow] that fails tb on error.
func (d *Decider) MustAllow(tb testing.TB, subject, recipient string) policy.Decision {
	tb.Helper()
	dec, err := d.Allow(subject, recipient)
	if err != nil {
		tb.Fatal(err)
	}
	return dec
}
