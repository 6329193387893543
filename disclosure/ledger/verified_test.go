package ledger

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// reindex rebuilds a MemoryStore's subject index from its entries, as a
// database's index follows its table: an edit made with SQL moves a row
// in or out of a subject's index read.
func reindex(s *MemoryStore) {
	s.bySubject = make(map[string][]int)
	for i, e := range s.entries {
		s.bySubject[e.Subject] = append(s.bySubject[e.Subject], i)
	}
}

// rechain re-hashes and re-links the entries from index i on, as someone
// rewriting history with the means to recompute every hash would.
func rechain(s *MemoryStore, i int) {
	prev := Head{}
	if i > 0 {
		prev = s.entries[i-1].Head()
	}
	for j := i; j < len(s.entries); j++ {
		e := &s.entries[j]
		e.PrevHash = prev.Hash
		e.Hash = e.ComputeHash()
		prev = e.Head()
	}
}

// checkedLedger records entries 1-8 for user-1 and 9-10 for user-2, has
// Subject check them, then records 11-12 for user-1 and has Subject catch
// up: the ledger then remembers a checked chain of 12 entries.
func checkedLedger(t *testing.T, opts ...Option) (*Ledger, *MemoryStore) {
	t.Helper()
	s := NewMemoryStore()
	l := New(s, opts...)
	ds := issuedAllow(t, "user-1", "user-2")
	rec := func(u string) {
		_, err := l.Record(t.Context(), u, ds[u], WithRecipientKind(disclosure.ThirdParty), WithCategories(purpose.Identity))
		require.NoError(t, err)
	}
	for i := range 10 {
		rec([]string{"user-1", "user-2"}[i/8])
	}
	got, err := l.Subject(t.Context(), "user-1")
	require.NoError(t, err)
	require.Len(t, got, 8)
	rec("user-1")
	rec("user-1")
	got, err = l.Subject(t.Context(), "user-1")
	require.NoError(t, err)
	require.Len(t, got, 10)
	return l, s
}

// TestSubjectAfterACheckedPrefix: once the ledger remembers a checked
// chain, Subject reads only what is new and the subject's own entries,
// and still reports every change to them, and a chain rewritten behind
// it; it goes on reporting on the calls after.
func TestSubjectAfterACheckedPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edit   func(s *MemoryStore)
		seq    uint64
		reason string
	}{
		{"own entry's category changed", func(s *MemoryStore) { s.entries[2].Categories = []purpose.Category{purpose.Device} }, 3, ReasonHash},
		{"own entry given to another subject", func(s *MemoryStore) { s.entries[4].Subject = "user-2" }, 5, ReasonHash},
		{"another's entry given to the subject", func(s *MemoryStore) { s.entries[8].Subject = "user-1" }, 9, ReasonHash},
		{"own entry deleted", func(s *MemoryStore) { s.entries = append(s.entries[:4:4], s.entries[5:]...) }, 5, ReasonMissing},
		{"own new entry changed", func(s *MemoryStore) { s.entries[10].Exception = ExceptionPublic }, 11, ReasonHash},
		{"last entry deleted", func(s *MemoryStore) { s.entries = s.entries[:11] }, 12, ReasonTruncated},
		{"rewritten and re-hashed from entry 3", func(s *MemoryStore) {
			s.entries[2].Exception = ExceptionPublic
			rechain(s, 2)
		}, 12, ReasonAnchor},
		{"own entry taken out and the rest re-hashed", func(s *MemoryStore) {
			s.entries = append(s.entries[:4:4], s.entries[5:]...)
			for i := 4; i < len(s.entries); i++ {
				s.entries[i].Seq--
			}
			rechain(s, 4)
		}, 12, ReasonTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, s := checkedLedger(t)
			tc.edit(s)
			reindex(s)
			for range 2 { // reported, and reported again
				got, err := l.Subject(t.Context(), "user-1")
				var te *TamperError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, TamperError{Seq: tc.seq, Reason: tc.reason}, *te)
				assert.Empty(t, got)
			}
		})
	}
}

// TestSubjectReportsWhatTouchesTheSubject pins the limit of the quick
// check: an edit to another subject's entry that leaves the subject's
// entries as they were is not reported by that subject's call (its answer
// is still right); Verify reports it, and so does the other subject's
// call.
func TestSubjectReportsWhatTouchesTheSubject(t *testing.T) {
	t.Parallel()
	l, s := checkedLedger(t)
	s.entries[8].Purpose = purpose.Support // user-2's entry 9
	reindex(s)
	got, err := l.Subject(t.Context(), "user-1")
	require.NoError(t, err)
	assert.Len(t, got, 10)
	var te *TamperError
	require.ErrorAs(t, l.Verify(t.Context()), &te)
	assert.Equal(t, TamperError{Seq: 9, Reason: ReasonHash}, *te)
	_, err = l.Subject(t.Context(), "user-2")
	require.ErrorAs(t, err, &te)
	assert.Equal(t, TamperError{Seq: 9, Reason: ReasonHash}, *te)
	// Found bad, the chain is walked whole from then on: user-1's call
	// reports it too.
	_, err = l.Subject(t.Context(), "user-1")
	require.ErrorAs(t, err, &te)
}

// TestSubjectAnswersAsTheWalkDoes: with Records from this ledger and
// another on the same store interleaved with Subject calls, the answers
// with the verified index, with too small an index and without one are
// the same.
func TestSubjectAnswersAsTheWalkDoes(t *testing.T) {
	t.Parallel()
	users := []string{"user-0", "user-1", "user-2", "user-3", "user-4"}
	ds := issuedAllow(t, users...)
	s := NewMemoryStore()
	writer, other := New(s), New(s)
	readers := map[string]*Ledger{
		"index":       writer,
		"small index": New(s, WithVerifiedIndex(2)),
		"walk":        New(s, WithVerifiedIndex(0)),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		u := users[rng.IntN(len(users))]
		w := []*Ledger{writer, other}[rng.IntN(2)]
		_, err := w.Record(t.Context(), u, ds[u], WithRecipientKind(disclosure.ThirdParty), WithCategories(purpose.Identity))
		require.NoError(t, err)
		if i%7 != 0 {
			continue
		}
		q := users[rng.IntN(len(users))]
		want, err := readers["walk"].Subject(t.Context(), q)
		require.NoError(t, err)
		for name, r := range readers {
			got, err := r.Subject(t.Context(), q)
			require.NoError(t, err, name)
			require.Empty(t, cmp.Diff(want, got), fmt.Sprintf("%s, after %d records", name, i+1))
		}
	}
	assert.NotNil(t, writer.verified, "the index is kept")
	assert.True(t, readers["small index"].vOff[bySubject], "a chain with more subjects than the index holds is walked")
}

// TestByDecisionAfterACheckedPrefix: ByDecision, once the ledger remembers
// a checked chain, reads the decision's entries through the store's index
// and still reports every change to them, and a chain rewritten behind it.
func TestByDecisionAfterACheckedPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edit   func(s *MemoryStore, id string)
		seq    uint64
		reason string
	}{
		{"own entry's decision changed", func(s *MemoryStore, id string) { s.entries[4].DecisionID = "00000000-0000-8000-8000-00000000abcd" }, 5, ReasonHash},
		{"another's entry given the decision", func(s *MemoryStore, id string) { s.entries[8].DecisionID = id }, 9, ReasonHash},
		{"own entry's category changed", func(s *MemoryStore, id string) { s.entries[2].Categories = []purpose.Category{purpose.Device} }, 3, ReasonHash},
		{"own entry deleted", func(s *MemoryStore, id string) { s.entries = append(s.entries[:4:4], s.entries[5:]...) }, 5, ReasonMissing},
		{"rewritten and re-hashed from entry 3", func(s *MemoryStore, id string) {
			s.entries[2].Exception = ExceptionPublic
			rechain(s, 2)
		}, 12, ReasonAnchor},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, s := checkedLedger(t)
			id := s.entries[0].DecisionID // user-1's decision: entries 1-8, 11, 12
			did, err := policy.ParseDecisionID(id)
			require.NoError(t, err)
			got, err := l.ByDecision(t.Context(), did)
			require.NoError(t, err)
			require.Len(t, got, 10)
			tc.edit(s, id)
			for range 2 {
				got, err := l.ByDecision(t.Context(), did)
				var te *TamperError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, TamperError{Seq: tc.seq, Reason: tc.reason}, *te)
				assert.Empty(t, got)
			}
		})
	}
}
