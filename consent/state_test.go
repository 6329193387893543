package consent_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

func TestStateRules(t *testing.T) {
	min := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	tests := []struct {
		name     string
		events   []consent.Event
		accepted bool
		version  string
		granted  bool // payments → bank at min(100)
	}{
		{name: "nothing"},
		{name: "accepted", events: []consent.Event{consent.AcceptPolicy("u", "v1", min(0))}, accepted: true, version: "v1"},
		{name: "re-accepted a newer version", events: []consent.Event{consent.AcceptPolicy("u", "v1", min(0)), consent.AcceptPolicy("u", "v2", min(1))}, accepted: true, version: "v2"},
		{name: "withdrawn", events: []consent.Event{consent.AcceptPolicy("u", "v1", min(0)), consent.WithdrawAcceptance("u", min(1))}, version: "v1"},
		{name: "accepted again after withdrawal", events: []consent.Event{consent.AcceptPolicy("u", "v1", min(0)), consent.WithdrawAcceptance("u", min(1)), consent.AcceptPolicy("u", "v2", min(2))}, accepted: true, version: "v2"},
		{name: "late withdrawal lands before a later acceptance", events: []consent.Event{consent.AcceptPolicy("u", "v2", min(2)), consent.WithdrawAcceptance("u", min(1))}, accepted: true, version: "v2"},
		{name: "grant", events: []consent.Event{consent.Grant("u", purpose.Payments, "bank", min(0))}, granted: true},
		{name: "grant then withdraw", events: []consent.Event{consent.Grant("u", purpose.Payments, "bank", min(0)), consent.Withdraw("u", purpose.Payments, "bank", min(1))}},
		{name: "withdrawal recorded late still wins", events: []consent.Event{consent.Withdraw("u", purpose.Payments, "bank", min(5)), consent.Grant("u", purpose.Payments, "bank", min(1))}},
		{name: "grant after withdrawal", events: []consent.Event{consent.Grant("u", purpose.Payments, "bank", min(0)), consent.Withdraw("u", purpose.Payments, "bank", min(1)), consent.Grant("u", purpose.Payments, "bank", min(2))}, granted: true},
		{name: "expired grant", events: []consent.Event{consent.Grant("u", purpose.Payments, "bank", min(0), consent.WithTerm(min(50)))}},
		{name: "grant within term", events: []consent.Event{consent.Grant("u", purpose.Payments, "bank", min(0), consent.WithTerm(min(500)))}, granted: true},
		{name: "grant dated later counts once on record", events: []consent.Event{consent.Grant("u", purpose.Payments, "bank", min(200))}, granted: true},
		{name: "grant to another recipient", events: []consent.Event{consent.Grant("u", purpose.Payments, "other", min(0))}},
		{name: "grant for another purpose", events: []consent.Event{consent.Grant("u", purpose.Support, "bank", min(0))}},
		{name: "another subject's events are ignored", events: []consent.Event{consent.AcceptPolicy("v", "v1", min(0)), consent.Grant("v", purpose.Payments, "bank", min(0))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, st := range []consent.State{consent.Fold("u", tt.events), applyInOrder("u", tt.events)} {
				assert.Equal(t, tt.accepted, st.Accepted())
				assert.Equal(t, tt.version, st.Acceptance().Version)
				assert.Equal(t, tt.granted, st.Granted(purpose.Payments, "bank", min(100)))
			}
		})
	}
}

func applyInOrder(subject string, events []consent.Event) consent.State {
	st := consent.NewState(subject)
	for _, e := range events {
		st = st.Apply(e)
	}
	return st
}

// Folding in any arrival order gives the state of folding in time order,
// when times are distinct: what MemoryStore relies on.
func TestApplyOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for round := range 200 {
		var events []consent.Event
		for i := range 12 {
			at := t0.Add(time.Duration(i) * time.Second)
			r := []string{"a", "b"}[rng.IntN(2)]
			switch rng.IntN(4) {
			case 0:
				events = append(events, consent.AcceptPolicy("u", "v", at))
			case 1:
				events = append(events, consent.WithdrawAcceptance("u", at))
			case 2:
				events = append(events, consent.Grant("u", purpose.Payments, r, at))
			case 3:
				events = append(events, consent.Withdraw("u", purpose.Payments, r, at))
			}
		}
		want := consent.Fold("u", events)
		rng.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
		got := applyInOrder("u", events)
		require.Equal(t, want.Accepted(), got.Accepted(), "round %d", round)
		require.Equal(t, want.Grants(), got.Grants(), "round %d", round)
	}
}

func TestStateIsImmutable(t *testing.T) {
	before := consent.NewState("u").Apply(consent.Grant("u", purpose.Payments, "a", t0))
	after := before.Apply(consent.Withdraw("u", purpose.Payments, "a", t0.Add(time.Second)))
	assert.True(t, before.Granted(purpose.Payments, "a", t0.Add(time.Hour)))
	assert.False(t, after.Granted(purpose.Payments, "a", t0.Add(time.Hour)))
}

func TestMemoryStoreStateDoesNotAllocate(t *testing.T) {
	s := consent.NewMemoryStore()
	ctx := context.Background()
	require.NoError(t, s.Append(ctx, consent.AcceptPolicy("u", "v", t0)))
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := s.State(ctx, "u"); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestStateHoldsInstant(t *testing.T) {
	t0 := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	fold := func(evs ...consent.Event) consent.State { return consent.Fold("u", evs) }
	for _, tc := range []struct {
		name string
		st   consent.State
		t    time.Time
		want bool
	}{
		{"nothing on record", consent.NewState("u"), at(0), false},
		{"acceptance", fold(consent.AcceptPolicy("u", "v1", at(1))), at(1), true},
		{"acceptance, another instant", fold(consent.AcceptPolicy("u", "v1", at(1))), at(2), false},
		{"acceptance withdrawn", fold(consent.AcceptPolicy("u", "v1", at(1)), consent.WithdrawAcceptance("u", at(3))), at(3), true},
		{"grant", fold(consent.Grant("u", purpose.Payments, "bank", at(4))), at(4), true},
		{"grant, same instant in another zone", fold(consent.Grant("u", purpose.Payments, "bank", at(4))), at(4).In(time.FixedZone("ALMT", 5*3600)), true},
		{"withdrawal of a grant", fold(consent.Grant("u", purpose.Payments, "bank", at(4)), consent.Withdraw("u", purpose.Payments, "bank", at(5))), at(5), true},
		{"a grant superseded", fold(consent.Grant("u", purpose.Payments, "bank", at(4)), consent.Withdraw("u", purpose.Payments, "bank", at(5))), at(4), false},
		{"a grant's void", fold(consent.AcceptPolicy("u", "v1", at(1)), consent.Grant("u", purpose.Payments, "bank", at(4)), consent.WithdrawAcceptance("u", at(6))), at(6), true},
		{"an earlier withdrawal of acceptance, acceptance since renewed", fold(consent.AcceptPolicy("u", "v1", at(1)), consent.WithdrawAcceptance("u", at(3)), consent.AcceptPolicy("u", "v1", at(5))), at(3), true},
		{"an earlier withdrawal of acceptance, another instant", fold(consent.AcceptPolicy("u", "v1", at(1)), consent.WithdrawAcceptance("u", at(3)), consent.AcceptPolicy("u", "v1", at(5))), at(4), false},
		{"a later instant", fold(consent.AcceptPolicy("u", "v1", at(1)), consent.Grant("u", purpose.Payments, "bank", at(4))), at(7), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.st.HoldsInstant(tc.t))
		})
	}
}

// TestApplyMatchesFoldUnlessHoldsInstant is the rule write-through and
// delta refresh rest on: a state brought forward by applying an event
// equals the fold of the log with the event in its place, wherever that
// place is (concurrent transactions commit out of log order), whenever
// the event is not dated at an instant the state holds (HoldsInstant).
// Random logs over few instants make ties common.
func TestApplyMatchesFoldUnlessHoldsInstant(t *testing.T) {
	t0 := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(12, 34))
	event := func(i int) consent.Event {
		at := t0.Add(time.Duration(rng.IntN(8)) * time.Second)
		id := consent.WithID(fmt.Sprint("e", i))
		r := []string{"bank", "shop"}[rng.IntN(2)]
		switch rng.IntN(6) {
		case 0:
			return consent.AcceptPolicy("u", []string{"v1", "v2"}[rng.IntN(2)], at, id)
		case 1:
			return consent.WithdrawAcceptance("u", at, id)
		case 2:
			return consent.Withdraw("u", purpose.Payments, r, at, id)
		default:
			return consent.Grant("u", purpose.Payments, r, at, id)
		}
	}
	checked := 0
	for n := range 20000 {
		log := make([]consent.Event, rng.IntN(6))
		for i := range log {
			log[i] = event(i)
		}
		st := consent.Fold("u", log)
		e := event(len(log))
		if st.HoldsInstant(e.At) {
			continue
		}
		checked++
		at := rng.IntN(len(log) + 1)
		got, want := st.Apply(e), consent.Fold("u", slices.Insert(slices.Clone(log), at, e))
		if got.Acceptance() != want.Acceptance() {
			t.Fatalf("case %d: applying %v at +%v to the fold of %d events: acceptance %+v, the fold with it in place %d has %+v", n, e.Action, e.At.Sub(t0), len(log), got.Acceptance(), at, want.Acceptance())
		}
		if diff := cmp.Diff(want.Grants(), got.Grants()); diff != "" {
			t.Fatalf("case %d: applying %v at +%v to the fold of %d events: grants differ from the fold with it in place %d (-fold +applied):\n%s", n, e.Action, e.At.Sub(t0), len(log), at, diff)
		}
		for s := range 10 {
			when := t0.Add(time.Duration(s)*time.Second - time.Second/2)
			for _, r := range []string{"bank", "shop"} {
				if got.Granted(purpose.Payments, r, when) != want.Granted(purpose.Payments, r, when) || got.AcceptedAt(when) != want.AcceptedAt(when) {
					t.Fatalf("case %d: applying %v (%s at +%v) to the fold of %d events differs from the fold with it in place %d, at +%v", n, e.Action, e.Scope.Recipient, e.At.Sub(t0), len(log), at, when.Sub(t0))
				}
			}
		}
	}
	require.Greater(t, checked, 5000)
}

// TestHoldsInstantForgetsSupersededRecords: a record a later event
// replaced no longer dates the state, whether the state was folded or
// brought forward by Apply (which keeps the newest records in front of
// those folded).
func TestHoldsInstantForgetsSupersededRecords(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	older := consent.Grant("u", purpose.Payments, "r", t0, consent.WithID("g1"))
	newer := consent.Withdraw("u", purpose.Payments, "r", t0.Add(time.Minute), consent.WithID("w1"))
	folded := consent.Fold("u", []consent.Event{older})
	require.True(t, folded.HoldsInstant(t0))
	for name, s := range map[string]consent.State{
		"folded":  consent.Fold("u", []consent.Event{older, newer}),
		"applied": folded.Apply(newer),
	} {
		assert.False(t, s.HoldsInstant(t0), "%s: the superseded grant's instant", name)
		assert.True(t, s.HoldsInstant(t0.Add(time.Minute)), "%s: the withdrawal's instant", name)
	}
}
