package policy_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// TestWithdrawalOfAnInstantStands: choices dated at one instant (a clock
// with coarse ticks) whose last is a withdrawal deny, though a repeated
// withdrawal has the first one's ID and is not appended again, and so
// the log's last event of that instant is a grant or an acceptance.
func TestWithdrawalOfAnInstantStands(t *testing.T) {
	ctx := context.Background()
	at := t0.Add(time.Minute)
	for _, tt := range []struct {
		name      string
		events    []consent.Event
		recipient string
	}{
		{"withdraw, grant, withdraw", []consent.Event{
			consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0),
			consent.Withdraw("u", purpose.Payments, "halyk", at),
			consent.Grant("u", purpose.Payments, "halyk", at),
			consent.Withdraw("u", purpose.Payments, "halyk", at),
		}, "halyk"},
		{"withdraw acceptance, accept, withdraw acceptance", []consent.Event{
			consent.WithdrawAcceptance("u", at),
			consent.AcceptPolicy("u", policy.DefaultVersion.ID, at),
			consent.WithdrawAcceptance("u", at),
		}, policy.Operator},
		{"withdraw acceptance, grant", []consent.Event{
			consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0),
			consent.WithdrawAcceptance("u", at),
			consent.AcceptPolicy("u", policy.DefaultVersion.ID, at.Add(time.Second)),
			consent.Grant("u", purpose.Payments, "halyk", at),
		}, "halyk"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for _, e := range tt.events {
				f.append(t, e) // one at a time, as a user's requests come
			}
			d, err := f.engine.Check(ctx, "u", purpose.Payments, tt.recipient)
			require.NoError(t, err)
			require.False(t, d.Allowed, "the user's last word at that instant is a withdrawal: %s", d.Explain("en"))
		})
	}
}

// TestGrantCoversTheDataItLists: a grant that lists the data it was given
// for (art. 8 p.4: the consent names the list of data) allows disclosing
// those data only; one that lists none covers the purpose's own.
func TestGrantCoversTheDataItLists(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		listed  []purpose.Category
		asked   []purpose.Category
		allowed bool
	}{
		{"listed data asked", []purpose.Category{purpose.Identity}, []purpose.Category{purpose.Identity}, true},
		{"data not listed", []purpose.Category{purpose.Identity}, []purpose.Category{purpose.PaymentDetails}, false},
		{"listed and not listed", []purpose.Category{purpose.Identity}, []purpose.Category{purpose.Identity, purpose.PaymentDetails}, false},
		{"all asked listed", []purpose.Category{purpose.Identity, purpose.PaymentDetails}, []purpose.Category{purpose.PaymentDetails, purpose.Identity}, true},
		{"none named: the purpose's own, not all listed", []purpose.Category{purpose.Identity}, nil, false},
		{"grant lists nothing", nil, []purpose.Category{purpose.PaymentDetails}, true},
		{"grant lists nothing, none named", nil, nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var opts []consent.EventOption
			if tt.listed != nil {
				opts = append(opts, consent.WithData(tt.listed...))
			}
			f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0),
				consent.Grant("u", purpose.Payments, "halyk", t0, opts...))
			var copts []policy.CheckOption
			if tt.asked != nil {
				copts = append(copts, policy.WithCategories(tt.asked...))
			}
			d, err := f.engine.Check(ctx, "u", purpose.Payments, "halyk", copts...)
			require.NoError(t, err)
			require.Equal(t, tt.allowed, d.Allowed, d.Explain("en"))
			if !tt.allowed {
				require.Contains(t, codes(d), string(policy.CodeConsentRequired)+"@5.2")
			}
			pl, err := f.engine.Plan(ctx, purpose.Payments, "halyk", copts...)
			require.NoError(t, err)
			st, err := f.store.State(ctx, "u")
			require.NoError(t, err)
			require.Equal(t, tt.allowed, pl.Allows(st), "the plan agrees")
		})
	}
}
