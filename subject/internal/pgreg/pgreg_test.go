package pgreg_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/yasam/privacy/internal/sqlutil"
	"github.com/yasam/privacy/subject/internal/pgreg"
)

func TestNullTimeRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		t    time.Time
	}{
		{"zero is NULL", time.Time{}},
		{"nanoseconds survive", time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			us, ns := pgreg.NullTime(tt.t)
			assert.Equal(t, tt.t.IsZero(), us == nil)
			got := pgreg.JoinNull(us, ns)
			assert.True(t, tt.t.Equal(got), "%v != %v", tt.t, got)
		})
	}
}

func TestOpenPanicsOnNilPool(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "pgx: New with a nil pool", func() {
		_, _ = pgreg.Open(t.Context(), nil, pgreg.Spec{Errs: errsFor("pgx")}, pgreg.Config{})
	})
}

func errsFor(pkg string) sqlutil.Errs { return sqlutil.Errs{Pkg: pkg} }
