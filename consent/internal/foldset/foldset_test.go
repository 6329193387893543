package foldset_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/internal/foldset"
	"github.com/yasam/privacy/purpose"
)

func TestSet(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	a := []consent.Event{
		consent.AcceptPolicy("a", "v1", t0),
		consent.Grant("a", purpose.Payments, "r1", t0.Add(time.Minute)),
	}
	b := []consent.Event{consent.Grant("b", purpose.Support, "r2", t0)}
	stray := consent.Grant("z", purpose.Support, "r2", t0)

	tests := []struct {
		name     string
		subjects []string
		events   []consent.Event
		want     []consent.State
		read     []string
	}{
		{"none", nil, nil, []consent.State{}, []string{}},
		{"grouped", []string{"b", "a"}, append(append([]consent.Event{}, a...), b...),
			[]consent.State{consent.Fold("b", b), consent.Fold("a", a)}, []string{"b", "a"}},
		{"without events", []string{"a", "c"}, a,
			[]consent.State{consent.Fold("a", a), consent.NewState("c")}, []string{"a", "c"}},
		{"repeated and stray", []string{"a", "b", "a"}, append(append([]consent.Event{stray}, a...), b...),
			[]consent.State{consent.Fold("a", a), consent.Fold("b", b), consent.Fold("a", a)}, []string{"a", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := foldset.New(tc.subjects)
			assert.Equal(t, tc.read, s.Subjects())
			for _, e := range tc.events {
				s.Apply(e)
			}
			got := s.States(tc.subjects)
			require.Len(t, got, len(tc.want))
			for i := range got {
				assert.Equal(t, tc.want[i], got[i], "state %d of %q", i, tc.subjects[i])
			}
			assert.Equal(t, consent.NewState("z"), s.State("z"), "a subject not in the set")
		})
	}
}
