package anonymize_test

import (
	"bytes"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/yasam/privacy/anonymize"
)

// exponentJSON marshals identifiers as JSON numbers in exponent form.
type exponentJSON struct{}

func (exponentJSON) MarshalJSON() ([]byte, error) {
	return []byte(`{"iin":9.01123300258e11,"card":4.111111111111111e15}`), nil
}

// TestSlogNumbersAsTheHandlerPrintsThem: values whose text holds no run of
// digits but which the JSON handler prints in plain digits (a JSON number
// in exponent form from a MarshalJSON, a time.Duration of nanoseconds)
// are scanned in that form.
func TestSlogNumbersAsTheHandlerPrintsThem(t *testing.T) {
	tests := []struct {
		name string
		v    any
		ids  []string
	}{
		{"JSON numbers in exponent form", exponentJSON{}, []string{"901123300258", "4111111111111111"}},
		{"a Duration of nanoseconds", time.Duration(901123300258), []string{"901123300258"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			slog.New(anonymize.NewSlogHandler(slog.NewJSONHandler(&buf, untimed))).Info("m", "v", tt.v)
			for _, id := range tt.ids {
				assert.NotContains(t, buf.String(), id)
			}
		})
	}
}

// TestMaskHugeKeepCounts: keep counts whose sum overflows an int mask the
// whole value, as counts that cover it do; they never reveal it.
func TestMaskHugeKeepCounts(t *testing.T) {
	const card = "4111 1111 1111 1111"
	for _, m := range []anonymize.Mask{
		{KeepFirst: math.MaxInt, KeepLast: 1},
		{KeepFirst: 1, KeepLast: math.MaxInt},
		{KeepFirst: math.MaxInt, KeepLast: math.MaxInt},
	} {
		got := m.String(card)
		assert.Equal(t, strings.Repeat("*", 4)+" "+strings.Repeat("*", 4)+" "+strings.Repeat("*", 4)+" "+strings.Repeat("*", 4), got, "%+v", m)
	}
}
