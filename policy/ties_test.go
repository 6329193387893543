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
