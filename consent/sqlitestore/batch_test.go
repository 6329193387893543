package sqlitestore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// TestStatesAgreesWithState: a batch read gives each subject the state
// State gives, in the order asked, subjects without events included.
func TestStatesAgreesWithState(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "consent.db"))
	rng := rand.New(rand.NewPCG(14, 3))
	t0 := time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)
	subjects := []string{`quote"d`, "юникод", "no-events"}
	var events []consent.Event
	for i := range 200 {
		u := fmt.Sprintf("s%03d", i)
		subjects = append(subjects, u)
		for j := range rng.IntN(5) {
			at := t0.Add(time.Duration(rng.IntN(3)) * time.Minute)
			id := consent.WithID(fmt.Sprintf("%s-%d", u, j))
			switch rng.IntN(4) {
			case 0:
				events = append(events, consent.AcceptPolicy(u, "2023-ru-1", at, id))
			case 1:
				events = append(events, consent.WithdrawAcceptance(u, at, id))
			case 2:
				events = append(events, consent.Grant(u, purpose.Payments, "halyk", at, id))
			case 3:
				events = append(events, consent.Withdraw(u, purpose.Payments, "halyk", at, id))
			}
		}
	}
	events = append(events, consent.AcceptPolicy(`quote"d`, "2023-ru-1", t0), consent.AcceptPolicy("юникод", "2023-ru-1", t0))
	rng.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
	require.NoError(t, s.Append(ctx, events...))
	rng.Shuffle(len(subjects), func(i, j int) { subjects[i], subjects[j] = subjects[j], subjects[i] })

	batch, err := s.States(ctx, subjects)
	require.NoError(t, err)
	require.Len(t, batch, len(subjects))
	for i, u := range subjects {
		st, err := s.State(ctx, u)
		require.NoError(t, err)
		require.Equal(t, u, batch[i].Subject())
		require.Equal(t, st.Acceptance(), batch[i].Acceptance(), u)
		require.Equal(t, st.Grants(), batch[i].Grants(), u)
	}

	_, err = s.States(ctx, make([]string, consent.MaxBatch+1))
	require.ErrorIs(t, err, consent.ErrInvalidBatch)
	_, err = s.States(ctx, []string{""})
	require.ErrorIs(t, err, consent.ErrInvalidBatch)
}
