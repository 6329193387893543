package consent_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

var operator = consent.Operator{Name: "Yasam LLP", BIN: "123456789012"}

// full gives an event everything art. 8 p.4 asks of it.
func full(opts ...consent.EventOption) []consent.EventOption {
	return append([]consent.EventOption{
		consent.WithOperator(operator.Name, operator.BIN),
		consent.WithChannel(consent.ChannelMobileApp),
		consent.WithData(purpose.Identity, purpose.PaymentDetails),
	}, opts...)
}

// validationCases are events and the errors the host's rules give them:
// the operator profile, the engine's catalog and recipients.
func validationCases() []struct {
	name  string
	event consent.Event
	want  error // nil: accepted
} {
	other := consent.WithOperator("Other LLP", "999999999999")
	return []struct {
		name  string
		event consent.Event
		want  error
	}{
		{"complete grant", consent.Grant("u", purpose.Payments, "halyk-bank", t0, full()...), nil},
		{"complete acceptance", consent.AcceptPolicy("u", "v1", t0, full()...), nil},
		{"withdrawal with the operator", consent.Withdraw("u", purpose.Payments, "halyk-bank", t0, consent.WithOperator(operator.Name, operator.BIN)), nil},
		{"withdrawal of acceptance with the operator", consent.WithdrawAcceptance("u", t0, consent.WithOperator(operator.Name, operator.BIN)), nil},
		{"withdrawal for a recipient no longer known", consent.Withdraw("u", purpose.Payments, "gone-bank", t0, consent.WithOperator(operator.Name, operator.BIN)), nil},
		{"grant without operator", consent.Grant("u", purpose.Payments, "halyk-bank", t0, consent.WithChannel(consent.ChannelWeb), consent.WithData(purpose.Identity)), consent.ErrMissingContent},
		{"grant to another operator", consent.Grant("u", purpose.Payments, "halyk-bank", t0, full(other)...), consent.ErrMissingContent},
		{"grant without list of data", consent.Grant("u", purpose.Payments, "halyk-bank", t0, consent.WithOperator(operator.Name, operator.BIN), consent.WithChannel(consent.ChannelWeb)), consent.ErrMissingContent},
		{"grant without channel", consent.Grant("u", purpose.Payments, "halyk-bank", t0, consent.WithOperator(operator.Name, operator.BIN), consent.WithData(purpose.Identity)), consent.ErrMissingContent},
		{"acceptance without operator", consent.AcceptPolicy("u", "v1", t0, consent.WithChannel(consent.ChannelWeb), consent.WithData(purpose.Identity)), consent.ErrMissingContent},
		{"withdrawal without operator", consent.Withdraw("u", purpose.Payments, "halyk-bank", t0), nil},
		{"withdrawal of acceptance without anything", consent.WithdrawAcceptance("u", t0), nil},
		{"grant for a purpose outside the catalog", consent.Grant("u", "sell_data", "halyk-bank", t0, full()...), consent.ErrUnknownScope},
		{"grant for an unknown recipient", consent.Grant("u", purpose.Payments, "data-broker", t0, full()...), consent.ErrUnknownScope},
		{"grant listing a category the purpose does not use", consent.Grant("u", purpose.Payments, "halyk-bank", t0, full(consent.WithData(purpose.GeoLocation))...), consent.ErrUnknownScope},
		{"acceptance listing an undeclared category", consent.AcceptPolicy("u", "v1", t0, full(consent.WithData("blood_type"))...), consent.ErrUnknownScope},
	}
}

func rules() []consent.Option {
	known := map[string]bool{"halyk-bank": true, "contractor-1": true}
	return []consent.Option{
		consent.WithRequiredContent(operator),
		consent.WithCatalog(purpose.Default()),
		consent.WithRecipients(func(id string) bool { return known[id] }),
	}
}

// TestValidateBatchRules is the path where the host calls the validator
// before Append.
func TestValidateBatchRules(t *testing.T) {
	for _, tc := range validationCases() {
		t.Run(tc.name, func(t *testing.T) {
			err := consent.ValidateBatch([]consent.Event{tc.event}, rules()...)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, consent.ErrInvalidEvent)
			assert.NotContains(t, err.Error(), "data-broker", "no request values in errors")
			// Without rules, the event is valid: old hosts do not break.
			require.NoError(t, consent.ValidateBatch([]consent.Event{tc.event}))
		})
	}
}

// TestMemoryStoreRules is the path where the store validates: nothing of a
// refused batch is written.
func TestMemoryStoreRules(t *testing.T) {
	for _, tc := range validationCases() {
		t.Run(tc.name, func(t *testing.T) {
			s := consent.NewMemoryStore(rules()...)
			ok := consent.AcceptPolicy("u", "v0", t0.Add(-time.Hour), full()...)
			err := s.Append(t.Context(), ok, tc.event)
			h, herr := s.History(t.Context(), "u")
			require.NoError(t, herr)
			if tc.want == nil {
				require.NoError(t, err)
				assert.Len(t, h, 2)
				return
			}
			require.ErrorIs(t, err, tc.want)
			assert.Empty(t, h, "a refused batch writes nothing")
		})
	}
}

func TestStoreWithoutRulesTakesBareEvents(t *testing.T) {
	s := consent.NewMemoryStore()
	require.NoError(t, s.Append(t.Context(), consent.Grant("u", "any_purpose", "anyone", t0)))
	st, err := s.State(t.Context(), "u")
	require.NoError(t, err)
	assert.True(t, st.Granted("any_purpose", "anyone", t0))
}

func TestGrantRecordCarriesContent(t *testing.T) {
	e := consent.Grant("u", purpose.Payments, "halyk-bank", t0, full()...)
	g, ok := consent.Fold("u", []consent.Event{e}).Grant(purpose.Payments, "halyk-bank")
	require.True(t, ok)
	assert.Equal(t, operator, g.Operator)
	assert.Equal(t, []purpose.Category{purpose.Identity, purpose.PaymentDetails}, g.Categories)
}
