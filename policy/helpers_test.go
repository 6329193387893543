package policy_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func jsonRoundTrip(t testing.TB, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}
