package consent_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

func TestMemoryStates(t *testing.T) {
	ctx := context.Background()
	m := consent.NewMemoryStore()
	at := time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)
	require.NoError(t, m.Append(ctx, consent.AcceptPolicy("a", "v1", at), consent.Grant("b", purpose.Payments, "halyk", at)))
	got, err := m.States(ctx, []string{"b", "nobody", "a"})
	require.NoError(t, err)
	require.Equal(t, []string{"b", "nobody", "a"}, []string{got[0].Subject(), got[1].Subject(), got[2].Subject()})
	require.True(t, got[2].Accepted())
	require.True(t, got[0].Granted(purpose.Payments, "halyk", at))
	require.Zero(t, got[1].Events())

	_, err = m.States(ctx, make([]string, consent.MaxBatch+1))
	require.ErrorIs(t, err, consent.ErrInvalidBatch)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = m.States(cancelled, []string{"a"})
	require.ErrorIs(t, err, context.Canceled)
}

func TestFilterClassify(t *testing.T) {
	at := time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)
	f := consent.Filter{
		Scope: consent.Scope{Purpose: purpose.Payments, Recipient: "halyk"}, At: at.Add(time.Hour),
		Current: "v2", Known: []string{"v1"}, Strict: true,
		Allow: []consent.Condition{{Standing: consent.StandingCurrent, Grant: true}},
	}
	tests := []struct {
		name   string
		events []consent.Event
		want   consent.Condition
	}{
		{"nothing", nil, consent.Condition{}},
		{"current", []consent.Event{consent.AcceptPolicy("u", "v2", at)}, consent.Condition{Standing: consent.StandingCurrent}},
		{"outdated", []consent.Event{consent.AcceptPolicy("u", "v1", at)}, consent.Condition{Standing: consent.StandingOutdated}},
		{"never published", []consent.Event{consent.AcceptPolicy("u", "v9", at)}, consent.Condition{}},
		{"withdrawn", []consent.Event{consent.AcceptPolicy("u", "v2", at), consent.WithdrawAcceptance("u", at.Add(time.Minute))}, consent.Condition{Standing: consent.StandingWithdrawn}},
		{"grant abroad", []consent.Event{consent.AcceptPolicy("u", "v2", at), consent.Grant("u", purpose.Payments, "halyk", at, consent.WithFlags(consent.Flags{CrossBorderTransfer: true}))},
			consent.Condition{Standing: consent.StandingCurrent, Grant: true, CrossBorder: true}},
		{"grant ended", []consent.Event{consent.Grant("u", purpose.Payments, "halyk", at, consent.WithTerm(at.Add(time.Minute)))}, consent.Condition{}},
		{"grant voided", []consent.Event{consent.Grant("u", purpose.Payments, "halyk", at), consent.WithdrawAcceptance("u", at)}, consent.Condition{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := consent.Fold("u", tt.events)
			require.Equal(t, tt.want, f.Classify(st))
			require.Equal(t, tt.want == f.Allow[0], f.Match(st))
		})
	}
	require.Len(t, consent.Conditions(), 12)
}
