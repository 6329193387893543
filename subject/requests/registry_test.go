package requests_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/subject/requests"
)

func TestZeroRegistryFailsClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	for name, reg := range map[string]*requests.Registry{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			_, err := reg.File(ctx, "user-1", requests.KindAccess, now)
			assert.ErrorIs(t, err, requests.ErrNotConfigured)
			assert.ErrorIs(t, reg.Answer(ctx, "x", now, "r"), requests.ErrNotConfigured)
			assert.ErrorIs(t, reg.Refuse(ctx, "x", now, requests.ReasonLaw, "r"), requests.ErrNotConfigured)
			assert.ErrorIs(t, reg.Withdraw(ctx, "x", now), requests.ErrNotConfigured)
			_, err = reg.Get(ctx, "x")
			assert.ErrorIs(t, err, requests.ErrNotConfigured)
			_, err = reg.BySubject(ctx, "user-1")
			assert.ErrorIs(t, err, requests.ErrNotConfigured)
			_, err = reg.Overdue(ctx, now)
			assert.ErrorIs(t, err, requests.ErrNotConfigured)
			_, err = reg.Forget(ctx, "user-1")
			assert.ErrorIs(t, err, requests.ErrNotConfigured)
			_, ok := reg.Rule(requests.KindAccess)
			assert.True(t, ok)
		})
	}
}

func TestDefaultRulesCoverEveryKind(t *testing.T) {
	t.Parallel()
	rules := requests.DefaultRules()
	for _, k := range requests.Kinds() {
		r, ok := rules[k]
		require.True(t, ok, k)
		assert.Equal(t, requests.WorkingDays, r.Unit, k)
		assert.Positive(t, r.Days, k)
		assert.NotEmpty(t, r.Basis, k)
		assert.False(t, r.Confirmed, "%s: no period of the Law was read in its text", k)
	}
	assert.Len(t, rules, len(requests.Kinds()))
}

func TestLogValueHidesSubject(t *testing.T) {
	t.Parallel()
	r := requests.Request{ID: "req_1", Subject: "secret-user", TextRef: "edo://secret-user", Kind: requests.KindAccess}
	assert.NotContains(t, r.LogValue().String(), "secret-user")
}

func FuzzParseKind(f *testing.F) {
	for _, s := range []string{"access", " Public-Removal ", "ACCESS", "", "\xff", strings.Repeat("a", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := requests.ParseKind(s)
		if err != nil {
			if len(err.Error()) > 200 {
				t.Fatalf("long error: %d bytes", len(err.Error()))
			}
			return
		}
		if !k.Valid() {
			t.Fatalf("ParseKind(%q) = invalid %q", s, k)
		}
		if again, err := requests.ParseKind(string(k)); err != nil || again != k {
			t.Fatalf("ParseKind(%q) = %q does not parse back", s, k)
		}
	})
}
