package claims_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/subject/claims"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		parse func(string) (string, error)
		in    string
		want  string // "" for an error
	}{
		{"topic", parseTopic, "disclosure", "disclosure"},
		{"topic case and spaces", parseTopic, "  Misuse\t", "misuse"},
		{"topic unknown", parseTopic, "gossip", ""},
		{"topic empty", parseTopic, "", ""},
		{"channel", parseChannel, "paper", "paper"},
		{"channel e-mail", parseChannel, "E-Mail", "email"},
		{"channel unknown", parseChannel, "pigeon", ""},
		{"status", parseStatus, "answered", "answered"},
		{"status escalated-to-court", parseStatus, "escalated-to-court", "escalated"},
		{"status escalated_to_court", parseStatus, "ESCALATED_TO_COURT", "escalated"},
		{"status unknown", parseStatus, "lost", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.parse(tt.in)
			if tt.want == "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, claims.ErrInvalid)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func parseTopic(s string) (string, error)   { v, err := claims.ParseTopic(s); return string(v), err }
func parseChannel(s string) (string, error) { v, err := claims.ParseChannel(s); return string(v), err }
func parseStatus(s string) (string, error)  { v, err := claims.ParseStatus(s); return string(v), err }

func TestEnumsRoundTrip(t *testing.T) {
	t.Parallel()
	for _, v := range claims.Topics() {
		got, err := claims.ParseTopic(string(v))
		require.NoError(t, err)
		assert.Equal(t, v, got)
	}
	for _, v := range claims.Channels() {
		got, err := claims.ParseChannel(string(v))
		require.NoError(t, err)
		assert.Equal(t, v, got)
	}
	for _, v := range claims.Statuses() {
		got, err := claims.ParseStatus(string(v))
		require.NoError(t, err)
		assert.Equal(t, v, got)
	}
}

func TestEnumsJSON(t *testing.T) {
	t.Parallel()
	type form struct {
		Topic   claims.Topic
		Channel claims.Channel
		Status  claims.Status
	}
	var f form
	require.NoError(t, json.Unmarshal([]byte(`{"Topic":"Access","Channel":"e-mail","Status":"escalated-to-court"}`), &f))
	assert.Equal(t, form{claims.TopicAccess, claims.ChannelEmail, claims.StatusEscalated}, f)
	b, err := json.Marshal(f)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Topic":"access","Channel":"email","Status":"escalated"}`, string(b))
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"Topic":"gossip"}`), &f), claims.ErrInvalid)
}

func TestStatusCanBecome(t *testing.T) {
	t.Parallel()
	allowed := map[[2]claims.Status]bool{
		{claims.StatusReceived, claims.StatusAnswered}:  true,
		{claims.StatusReceived, claims.StatusWithdrawn}: true,
		{claims.StatusReceived, claims.StatusEscalated}: true,
		{claims.StatusAnswered, claims.StatusEscalated}: true,
	}
	for _, from := range append(claims.Statuses(), "bogus") {
		for _, to := range append(claims.Statuses(), "bogus") {
			assert.Equal(t, allowed[[2]claims.Status{from, to}], from.CanBecome(to), "%s → %s", from, to)
		}
	}
}

func TestParseErrorIsBounded(t *testing.T) {
	t.Parallel()
	_, err := claims.ParseTopic(strings.Repeat("я", 1000))
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 200)
}

// FuzzParse checks the three parsers: they never panic, whatever they
// accept is valid and parses back to itself, and errors stay short.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"misuse", " Other ", "e-mail", "EMAIL", "escalated-to-court", "received", "", "\xff", "K"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := claims.ParseTopic(s); err == nil {
			if !v.Valid() {
				t.Fatalf("ParseTopic(%q) = invalid %q", s, v)
			}
			if again, err := claims.ParseTopic(string(v)); err != nil || again != v {
				t.Fatalf("ParseTopic(%q) = %q, which does not parse back", s, v)
			}
		} else if len(err.Error()) > 200 {
			t.Fatalf("long error: %d bytes", len(err.Error()))
		}
		if v, err := claims.ParseChannel(s); err == nil {
			if !v.Valid() {
				t.Fatalf("ParseChannel(%q) = invalid %q", s, v)
			}
			if again, err := claims.ParseChannel(string(v)); err != nil || again != v {
				t.Fatalf("ParseChannel(%q) = %q, which does not parse back", s, v)
			}
		} else if len(err.Error()) > 200 {
			t.Fatalf("long error: %d bytes", len(err.Error()))
		}
		if v, err := claims.ParseStatus(s); err == nil {
			if !v.Valid() {
				t.Fatalf("ParseStatus(%q) = invalid %q", s, v)
			}
			if again, err := claims.ParseStatus(string(v)); err != nil || again != v {
				t.Fatalf("ParseStatus(%q) = %q, which does not parse back", s, v)
			}
		} else if len(err.Error()) > 200 {
			t.Fatalf("long error: %d bytes", len(err.Error()))
		}
	})
}
