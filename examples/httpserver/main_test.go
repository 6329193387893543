package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSelfTest runs what -selftest runs, so the example keeps working and
// keeps telling the truth about the policy.
func TestSelfTest(t *testing.T) {
	var out, logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	require.NoError(t, selfTest(context.Background(), &out, logger), out.String())
	got := out.String()
	t.Log(got)

	assert.Contains(t, got, "self-test passed")
	assert.Contains(t, got, "consent_required", "the 5.2 denial says why")
	assert.Contains(t, got, `"clause":"5.2"`)
	assert.Contains(t, got, "Privacy-Obligations: record_disclosure")
	assert.Contains(t, got, "Privacy-Obligations: exclude_commercial_secret, record_disclosure")
	assert.Contains(t, got, "Privacy-Policy-Version: 2023-ru-1")
	assert.Contains(t, got, "Нет принятия Политики пользователем", "Russian by default")
	assert.Contains(t, got, "Алушы табылмады", "Kazakh when asked")

	// Denial bodies and logs never carry the user: only request lines do.
	for _, line := range strings.Split(got, "\n") {
		if strings.Contains(line, `"type":`) {
			assert.NotContains(t, line, "user-1")
		}
	}
	assert.NotContains(t, logs.String(), "user-1")
	assert.Contains(t, logs.String(), "privacy denial")
}

func TestSelfTestFailsOnWrongStatus(t *testing.T) {
	saved := steps
	t.Cleanup(func() { steps = saved })
	steps = []step{{say: "expects the wrong status", method: "GET", path: "/profile", want: 200}}
	err := selfTest(context.Background(), io.Discard, slog.New(slog.DiscardHandler))
	require.ErrorIs(t, err, errSelfTest)
	assert.Contains(t, err.Error(), "got 401, want 200")
}
