package subject_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/subject"
	"github.com/yasam/privacy/subject/claims"
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

// TestForgetOrderIsAPrefix: order names the registers to erase first; a
// register it leaves out is still erased, after them, so Done never
// reports a subject erased while a register still holds them. A name that
// is unknown or comes twice is refused before anything is erased.
func TestForgetOrderIsAPrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	var calls []string
	cl := claims.New(claims.NewMemoryStore())
	rq := requests.New(requests.NewMemoryStore())
	c, err := cl.File(ctx, "user-1", t0)
	require.NoError(t, err)
	require.NoError(t, cl.Answer(ctx, c.ID, t0.Add(time.Hour), "edo://1"))
	r, err := rq.File(ctx, "user-1", requests.KindAccess, t0)
	require.NoError(t, err)
	require.NoError(t, rq.Answer(ctx, r.ID, t0.Add(time.Hour), "edo://2"))
	regs := map[string]subject.Register{
		"claims":   recording{cl, "claims", &calls},
		"requests": recording{rq, "requests", &calls},
		"a-host":   recording{failing{nil}, "a-host", &calls},
	}

	for _, bad := range [][]string{{"claims", "claims"}, {"ledger"}, {"claims", "nope"}} {
		_, err := subject.Forget(ctx, "user-1", regs, bad...)
		require.ErrorIs(t, err, subject.ErrInvalid, "order %q", bad)
		assert.Empty(t, calls, "order %q: a register was called before the order was refused", bad)
	}
	_, err = subject.Forget(ctx, "user-1", map[string]subject.Register{"claims": cl, "nil": nil}, "claims")
	require.ErrorIs(t, err, subject.ErrInvalid)
	left, err := cl.BySubject(ctx, "user-1")
	require.NoError(t, err)
	require.Len(t, left, 1, "a nil register was refused after erasure had begun")

	e, err := subject.Forget(ctx, "user-1", regs, "requests")
	require.NoError(t, err)
	assert.True(t, e.Done())
	assert.Equal(t, []string{"requests", "a-host", "claims"}, calls, "order first, the rest sorted")
	assert.Equal(t, map[string]int{"requests": 1, "claims": 1, "a-host": 0}, e.Erased)
	lc, err := cl.BySubject(ctx, "user-1")
	require.NoError(t, err)
	assert.Empty(t, lc, "claims left out of order still hold the subject")
	lr, err := rq.BySubject(ctx, "user-1")
	require.NoError(t, err)
	assert.Empty(t, lr)
}

// recording is a Register that notes its name when called.
type recording struct {
	subject.Register
	name  string
	calls *[]string
}

func (r recording) Forget(ctx context.Context, s string) (int, error) {
	*r.calls = append(*r.calls, r.name)
	return r.Register.Forget(ctx, s)
}
