package ledger

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// TestMemoryStoreTamper edits a MemoryStore's entries behind its back.
func TestMemoryStoreTamper(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edit   func(s *MemoryStore)
		seq    uint64
		reason string
	}{
		{"category changed", func(s *MemoryStore) { s.entries[4].Categories[0] = purpose.Documents }, 5, ReasonHash},
		{"decision id changed", func(s *MemoryStore) {
			s.entries[5].DecisionID = s.entries[5].DecisionID[:35] + "f"
			if s.entries[5].DecisionID == s.entries[6].DecisionID {
				s.entries[5].DecisionID = s.entries[5].DecisionID[:35] + "e"
			}
		}, 6, ReasonHash},
		{"decision id removed (passed off as v1)", func(s *MemoryStore) { s.entries[2].DecisionID = "" }, 3, ReasonHash},
		{"middle entry deleted", func(s *MemoryStore) { s.entries = append(s.entries[:4:4], s.entries[5:]...) }, 5, ReasonMissing},
		{"entries swapped", func(s *MemoryStore) { s.entries[2], s.entries[3] = s.entries[3], s.entries[2] }, 3, ReasonMissing},
		{"entry repeated", func(s *MemoryStore) { s.entries[3] = s.entries[2] }, 4, ReasonOrder},
		{"re-hashed", func(s *MemoryStore) {
			e := &s.entries[6]
			e.Exception = ExceptionPublic
			e.Hash = e.ComputeHash()
		}, 8, ReasonLink},
		{"renumbered", func(s *MemoryStore) {
			for i := range s.entries {
				s.entries[i].Seq += 10
			}
		}, 1, ReasonMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewMemoryStore()
			l := New(s)
			d := issuedAllow(t, "user-1")["user-1"]
			for range 10 {
				_, err := l.Record(t.Context(), "user-1", d,
					WithRecipientKind(disclosure.ThirdParty), WithCategories(purpose.Identity))
				require.NoError(t, err)
			}
			require.NoError(t, l.Verify(t.Context()))
			tc.edit(s)
			err := l.Verify(t.Context())
			var te *TamperError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, TamperError{Seq: tc.seq, Reason: tc.reason}, *te)
		})
	}
}

// TestSubjectSeesTampering: Subject reports an entry altered or removed,
// even when the change takes it out of the subject's answer.
func TestSubjectSeesTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edit   func(s *MemoryStore)
		seq    uint64
		reason string
	}{
		{"subject changed", func(s *MemoryStore) { s.entries[4].Subject = "user-2" }, 5, ReasonHash},
		{"category changed", func(s *MemoryStore) { s.entries[2].Categories = []purpose.Category{purpose.Device} }, 3, ReasonHash},
		{"entry deleted", func(s *MemoryStore) { s.entries = append(s.entries[:4:4], s.entries[5:]...) }, 5, ReasonMissing},
		{"another subject's entry changed", func(s *MemoryStore) { s.entries[7].Purpose = purpose.Support }, 8, ReasonHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewMemoryStore()
			l := New(s)
			ds := issuedAllow(t, "user-1", "user-2")
			for i := range 10 {
				u := []string{"user-1", "user-2"}[i/8]
				_, err := l.Record(t.Context(), u, ds[u],
					WithRecipientKind(disclosure.ThirdParty), WithCategories(purpose.Identity))
				require.NoError(t, err)
			}
			got, err := l.Subject(t.Context(), "user-1")
			require.NoError(t, err)
			require.Len(t, got, 8)
			tc.edit(s)
			got, err = l.Subject(t.Context(), "user-1")
			var te *TamperError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, TamperError{Seq: tc.seq, Reason: tc.reason}, *te)
			assert.Empty(t, got)
		})
	}
}

// issuedAllow returns, for each of users, an engine's decision made for
// that user that allows payment data to go to halyk-bank, a third party
// the user consented to (5.2): Record takes a decision only for the user
// it was made for.
func issuedAllow(t *testing.T, users ...string) map[string]policy.Decision {
	t.Helper()
	store := consent.NewMemoryStore()
	e, err := policy.New(policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "halyk-bank", Kind: disclosure.ThirdParty}))
	require.NoError(t, err)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make(map[string]policy.Decision, len(users))
	for _, u := range users {
		require.NoError(t, store.Append(t.Context(),
			consent.AcceptPolicy(u, e.Version().ID, at), consent.Grant(u, purpose.Payments, "halyk-bank", at)))
		d, err := e.Check(t.Context(), u, purpose.Payments, "halyk-bank")
		require.NoError(t, err)
		require.True(t, d.Allowed)
		out[u] = d
	}
	return out
}
