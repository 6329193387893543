package consent_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

func TestMemoryStoreToken(t *testing.T) {
	ctx := t.Context()
	s := consent.NewMemoryStore()
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	tok, err := s.AppendToken(ctx, consent.Grant("u", purpose.Payments, "bank", now))
	require.NoError(t, err)
	require.NotEmpty(t, tok)
	st, err := s.StateAtLeast(ctx, "u", tok)
	require.NoError(t, err)
	require.True(t, st.Granted(purpose.Payments, "bank", now))
	_, err = s.StateAtLeast(ctx, "u", "sqlite:1:abc")
	require.ErrorIs(t, err, consent.ErrTokenInvalid)
	_, err = s.StateAtLeast(ctx, "u", "")
	require.NoError(t, err)
}
