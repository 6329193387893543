package subject_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/subject"
	"github.com/yasam/privacy/subject/requests"
)

func TestForget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, _ := fixture(t, "halyk", "ev")
	regs := map[string]subject.Register{"claims": w.claims, "requests": w.requests, "breaches": w.breaches}

	// The withdrawal request of 1 April still awaits its answer.
	e, err := subject.Forget(ctx, "user-42", regs)
	require.ErrorIs(t, err, subject.ErrRetained)
	assert.ErrorIs(t, err, requests.ErrRetained)
	assert.NotContains(t, err.Error(), "user-42")
	assert.False(t, e.Done())
	require.Len(t, e.Retained, 1)
	assert.Equal(t, "requests", e.Retained[0].Register)
	assert.Equal(t, map[string]int{"breaches": 1, "claims": 1}, e.Erased, "the registers that could, erased")

	open, err := w.requests.BySubject(ctx, "user-42")
	require.NoError(t, err)
	for _, r := range open {
		if r.Status.Open() {
			require.NoError(t, w.requests.Answer(ctx, r.ID, at(4, 2, 10), "edo://out/9"))
		}
	}
	e, err = subject.Forget(ctx, "user-42", regs, "claims", "requests", "breaches")
	require.NoError(t, err)
	assert.True(t, e.Done())
	assert.Equal(t, map[string]int{"claims": 0, "requests": 2, "breaches": 0}, e.Erased)

	rep, err := w.reporter().Build(ctx, "user-42", at(12, 1, 0))
	require.NoError(t, err)
	assert.Empty(t, rep.Claims)
	assert.Empty(t, rep.Requests)
	assert.Empty(t, rep.Breaches)
	others, err := w.breaches.BySubject(ctx, "someone-else")
	require.NoError(t, err)
	assert.Len(t, others, 1, "another subject of the incident was touched")

	_, err = subject.Forget(ctx, "", regs)
	assert.ErrorIs(t, err, subject.ErrInvalid)
	_, err = subject.Forget(ctx, "user-42", regs, "ledger")
	assert.ErrorIs(t, err, subject.ErrInvalid)
	boom := errors.New("store down")
	_, err = subject.Forget(ctx, "user-42", map[string]subject.Register{"x": failing{boom}})
	assert.ErrorIs(t, err, boom)
	assert.NotErrorIs(t, err, subject.ErrRetained)
	_, err = subject.Forget(ctx, "user-42", map[string]subject.Register{"host": failing{subject.ErrRetained}})
	assert.ErrorIs(t, err, subject.ErrRetained, "a host register refuses by wrapping ErrRetained")
}

type failing struct{ err error }

func (f failing) Forget(context.Context, string) (int, error) { return 0, f.err }
