package breaches_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/breaches/breachestest"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	breachestest.Run(t, func(*testing.T) breaches.Store { return breaches.NewMemoryStore() })
}

func TestZeroRegisterFailsClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	for name, reg := range map[string]*breaches.Register{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			_, err := reg.Record(ctx, now, []string{"user-1"})
			assert.ErrorIs(t, err, breaches.ErrNotConfigured)
			assert.ErrorIs(t, reg.NotifyAuthority(ctx, "x", now, "r"), breaches.ErrNotConfigured)
			assert.ErrorIs(t, reg.NotifySubjects(ctx, "x", now, "r"), breaches.ErrNotConfigured)
			_, err = reg.Overdue(ctx, now)
			assert.ErrorIs(t, err, breaches.ErrNotConfigured)
			_, err = reg.BySubject(ctx, "user-1")
			assert.ErrorIs(t, err, breaches.ErrNotConfigured)
			_, err = reg.Get(ctx, "x")
			assert.ErrorIs(t, err, breaches.ErrNotConfigured)
			_, err = reg.Forget(ctx, "user-1")
			assert.ErrorIs(t, err, breaches.ErrNotConfigured)
		})
	}
}

func TestLogValueHidesSubjects(t *testing.T) {
	t.Parallel()
	i := breaches.Incident{ID: "brc_1", Subjects: []string{"secret-user"}}
	v := slog.AnyValue(i).Resolve().String()
	assert.NotContains(t, v, "secret-user")
	assert.Contains(t, v, "subjects=1")
}
