package consent_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

var t0 = time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)

func TestEventValidate(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name  string
		event consent.Event
		ok    bool
	}{
		{"accept", consent.AcceptPolicy("u", "v1", t0), true},
		{"grant", consent.Grant("u", purpose.Payments, "bank", t0, consent.WithTerm(t0.Add(time.Hour)), consent.WithFlags(consent.Flags{ThirdPartyTransfer: true})), true},
		{"withdraw", consent.Withdraw("u", purpose.Payments, "bank", t0), true},
		{"withdraw acceptance", consent.WithdrawAcceptance("u", t0, consent.WithChannel(consent.ChannelPaper)), true},
		{"empty subject", consent.AcceptPolicy("", "v1", t0), false},
		{"long subject", consent.AcceptPolicy(long, "v1", t0), false},
		{"accept without version", consent.AcceptPolicy("u", "", t0), false},
		{"zero time", consent.AcceptPolicy("u", "v1", time.Time{}), false},
		{"grant without recipient", consent.Grant("u", purpose.Payments, "", t0), false},
		{"grant without purpose", consent.Grant("u", "", "bank", t0), false},
		{"term before start", consent.Grant("u", purpose.Payments, "bank", t0, consent.WithTerm(t0.Add(-time.Hour))), false},
		{"term on a withdrawal", consent.Withdraw("u", purpose.Payments, "bank", t0, consent.WithTerm(t0.Add(time.Hour))), false},
		{"flags on acceptance", consent.AcceptPolicy("u", "v1", t0, consent.WithFlags(consent.Flags{Publication: true})), true},
		{"term on acceptance", consent.AcceptPolicy("u", "v1", t0, consent.WithTerm(t0.Add(time.Hour))), true},
		{"acceptance term before start", consent.AcceptPolicy("u", "v1", t0, consent.WithTerm(t0)), false},
		{"flags on a withdrawal", consent.Withdraw("u", purpose.Payments, "bank", t0, consent.WithFlags(consent.Flags{Publication: true})), false},
		{"full art. 8 content", consent.Grant("u", purpose.Payments, "bank", t0, consent.WithOperator("Yasam LLP", "123456789012"), consent.WithData(purpose.Identity)), true},
		{"BIN not 12 digits", consent.Grant("u", purpose.Payments, "bank", t0, consent.WithOperator("Yasam LLP", "12345678901x")), false},
		{"short BIN", consent.AcceptPolicy("u", "v1", t0, consent.WithOperator("Yasam LLP", "1234")), false},
		{"long operator name", consent.AcceptPolicy("u", "v1", t0, consent.WithOperator(strings.Repeat("o", 300), "123456789012")), false},
		{"data on a withdrawal", consent.Withdraw("u", purpose.Payments, "bank", t0, consent.WithData(purpose.Identity)), false},
		{"empty category", consent.Grant("u", purpose.Payments, "bank", t0, consent.WithData("")), false},
		{"unknown channel", consent.AcceptPolicy("u", "v1", t0, consent.WithChannel("pigeon")), false},
		{"unknown action", consent.Event{ID: "x", Subject: "u", Action: "forget", At: t0}, false},
		{"scope on acceptance", consent.Event{ID: "x", Subject: "u", Action: consent.ActionAcceptPolicy, PolicyVersion: "v", At: t0, Scope: consent.Scope{Purpose: "p"}}, false},
		{"empty id", consent.Event{Subject: "u", Action: consent.ActionWithdrawAcceptance, At: t0}, false},
		{"long evidence", consent.AcceptPolicy("u", "v1", t0, consent.WithEvidence(strings.Repeat("e", 2000))), false},
		{"NUL in subject", consent.AcceptPolicy("u\x00", "v1", t0), false},
		{"invalid UTF-8 subject", consent.AcceptPolicy("u\xff", "v1", t0), false},
		{"NUL in purpose", consent.Grant("u", "payments\x00", "bank", t0), false},
		{"invalid UTF-8 recipient", consent.Grant("u", purpose.Payments, "bank\xc3", t0), false},
		{"NUL in policy version", consent.AcceptPolicy("u", "v1\x00", t0), false},
		{"invalid UTF-8 evidence", consent.AcceptPolicy("u", "v1", t0, consent.WithEvidence("req-\xff")), false},
		{"NUL in evidence", consent.AcceptPolicy("u", "v1", t0, consent.WithEvidence("req-\x00")), false},
		{"NUL in operator name", consent.AcceptPolicy("u", "v1", t0, consent.WithOperator("Yasam\x00", "123456789012")), false},
		{"invalid UTF-8 category", consent.Grant("u", purpose.Payments, "bank", t0, consent.WithData("id\xff")), false},
		{"NUL in id", consent.Event{ID: "x\x00", Subject: "u", Action: consent.ActionWithdrawAcceptance, At: t0}, false},
		{"non-ASCII is fine", consent.AcceptPolicy("пользователь-1", "v1", t0, consent.WithEvidence("заявка №5")), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.event.Validate()
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, consent.ErrInvalidEvent)
			if tt.event.Subject != "" {
				assert.NotContains(t, err.Error(), tt.event.Subject+" ", "no subject in errors")
			}
		})
	}
}

func TestContentID(t *testing.T) {
	a := consent.Grant("u", purpose.Payments, "bank", t0)
	b := consent.Grant("u", purpose.Payments, "bank", t0.In(time.FixedZone("ALMT", 5*3600)))
	assert.Equal(t, a.ID, b.ID, "same consent at the same instant, same ID")
	c := consent.Grant("u", purpose.Payments, "bank", t0.Add(time.Nanosecond))
	assert.NotEqual(t, a.ID, c.ID)
	d := consent.Grant("u", purpose.Payments, "bank", t0, consent.WithChannel(consent.ChannelWeb))
	assert.NotEqual(t, a.ID, d.ID)
	e := consent.Grant("u", purpose.Payments, "bank", t0, consent.WithID("req-77"))
	assert.Equal(t, "req-77", e.ID)
	// Fields added for art. 8 p.4 change the ID when set...
	f := consent.Grant("u", purpose.Payments, "bank", t0, consent.WithOperator("Yasam LLP", "123456789012"))
	assert.NotEqual(t, a.ID, f.ID)
	g := consent.Grant("u", purpose.Payments, "bank", t0, consent.WithData(purpose.Identity, purpose.Contact))
	assert.NotEqual(t, a.ID, g.ID)
	assert.Equal(t, g.ID, consent.Grant("u", purpose.Payments, "bank", t0, consent.WithData(purpose.Contact, purpose.Identity, purpose.Contact)).ID,
		"the list of data is a set")
	// ...and leave it as it was when not set, so a retried append of an
	// event built before them is still a no-op. These IDs were computed
	// before the fields existed.
	assert.Equal(t, "ev_2d14aad9628cf7a4f1bc6dcfcee6e715", consent.Grant("u", purpose.Payments, "bank", t0,
		consent.WithTerm(t0.Add(time.Hour)), consent.WithFlags(consent.Flags{ThirdPartyTransfer: true}), consent.WithChannel(consent.ChannelWeb)).ID)
	assert.Equal(t, "ev_bf50d2d84a80ee5828f1a9695c1d4bd2", consent.AcceptPolicy("u", "v1", t0).ID)
	// Length-prefixed fields: moving a boundary changes the ID.
	assert.NotEqual(t, consent.Grant("ab", "c", "d", t0).ID, consent.Grant("a", "bc", "d", t0).ID)
}

func TestEventLogValueHidesSubject(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("consent", "event", consent.Grant("iin-901123300258", purpose.Payments, "bank", t0))
	assert.NotContains(t, buf.String(), "901123300258")
	assert.Contains(t, buf.String(), "payments")
}

func TestFlagsBits(t *testing.T) {
	for b := range 256 {
		f, ok := consent.FlagsFromBits(byte(b))
		if b > 7 {
			assert.False(t, ok, "bits %d name no flag", b)
			continue
		}
		require.True(t, ok, "bits %d", b)
		assert.Equal(t, byte(b), f.Bits(), "round trip of %d", b)
	}
	assert.Equal(t, byte(0), consent.Flags{}.Bits())
	assert.Equal(t, byte(2), consent.Flags{CrossBorderTransfer: true}.Bits())
}
