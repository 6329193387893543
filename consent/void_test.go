package consent_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// TestWithdrawAcceptanceVoidsGrants: a withdrawal of acceptance (9.3)
// voids the grants given before it; they stay void, whatever acceptance
// follows, until the user grants them anew, and the record says which
// withdrawal voided them.
func TestWithdrawAcceptanceVoidsGrants(t *testing.T) {
	m := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	accept := func(n int) consent.Event { return consent.AcceptPolicy("u", "v1", m(n)) }
	grant := func(n int) consent.Event { return consent.Grant("u", purpose.Payments, "bank", m(n)) }
	withdraw := func(n int) consent.Event { return consent.Withdraw("u", purpose.Payments, "bank", m(n)) }
	wa := func(n int) consent.Event { return consent.WithdrawAcceptance("u", m(n)) }
	tests := []struct {
		name     string
		events   []consent.Event
		granted  bool
		voidedBy int // index into events of the voiding withdrawal; -1 none
	}{
		{"accepted again: the grant stays void", []consent.Event{accept(0), grant(1), wa(2), accept(3)}, false, 2},
		{"granted anew after accepting again", []consent.Event{accept(0), grant(1), wa(2), accept(3), grant(4)}, true, -1},
		{"granted after the withdrawal", []consent.Event{accept(0), wa(1), grant(2), accept(3)}, true, -1},
		{"grant recorded late, dated before the withdrawal", []consent.Event{accept(0), wa(2), accept(3), grant(1)}, false, 1},
		{"withdrawal recorded late, dated after the grant", []consent.Event{accept(0), grant(1), accept(3), wa(2)}, false, 3},
		{"withdrawal recorded late, dated before the grant", []consent.Event{accept(0), grant(2), accept(3), wa(1)}, true, -1},
		{"two withdrawals: the first after the grant voided it", []consent.Event{accept(0), grant(1), wa(5), accept(6), wa(3)}, false, 4},
		{"grant withdrawn after being voided", []consent.Event{accept(0), grant(1), wa(2), withdraw(3)}, false, -1},
		{"same instant, withdrawal appended after the grant", []consent.Event{accept(0), grant(1), wa(1), accept(2)}, false, 2},
		{"same instant, grant appended after the withdrawal", []consent.Event{accept(0), wa(1), grant(1), accept(2)}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			states := map[string]consent.State{"fold": consent.Fold("u", tt.events), "apply": applyInOrder("u", tt.events)}
			s := consent.NewMemoryStore()
			for _, e := range tt.events {
				require.NoError(t, s.Append(t.Context(), e))
			}
			var err error
			states["memory store"], err = s.State(t.Context(), "u")
			require.NoError(t, err)
			for how, st := range states {
				assert.Equal(t, tt.granted, st.Granted(purpose.Payments, "bank", m(100)), how)
				g, ok := st.Grant(purpose.Payments, "bank")
				require.True(t, ok, how)
				assert.Equal(t, tt.granted, g.Granted, how)
				if tt.voidedBy < 0 {
					assert.False(t, g.Voided(), how)
					assert.Empty(t, g.VoidedBy, how)
					continue
				}
				w := tt.events[tt.voidedBy]
				require.True(t, g.Voided(), how)
				assert.True(t, g.VoidedAt.Equal(w.At), "%s: voided at %v, want %v", how, g.VoidedAt, w.At)
				assert.Equal(t, w.ID, g.VoidedBy, how)
			}
		})
	}
}

// TestAcceptanceTerm: an acceptance with a term stops standing at its end.
func TestAcceptanceTerm(t *testing.T) {
	st := consent.Fold("u", []consent.Event{consent.AcceptPolicy("u", "v1", t0, consent.WithTerm(t0.Add(time.Hour)))})
	assert.True(t, st.AcceptedAt(t0.Add(59*time.Minute)))
	assert.False(t, st.AcceptedAt(t0.Add(time.Hour)), "expired at its end")
	assert.True(t, st.Accepted(), "Accepted ignores the term; AcceptedAt does not")
	assert.Equal(t, t0.Add(time.Hour), st.Acceptance().Until)

	renewed := st.Apply(consent.AcceptPolicy("u", "v1", t0.Add(2*time.Hour)))
	assert.True(t, renewed.AcceptedAt(t0.Add(1000*time.Hour)), "a new acceptance without a term")
	assert.False(t, consent.NewState("u").AcceptedAt(t0))
	withdrawn := renewed.Apply(consent.WithdrawAcceptance("u", t0.Add(3*time.Hour)))
	assert.False(t, withdrawn.AcceptedAt(t0.Add(4*time.Hour)))
}
