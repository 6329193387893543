package claims_test

import (
	"testing"

	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/claims/claimstest"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	claimstest.Run(t, func(*testing.T) claims.Store { return claims.NewMemoryStore() })
}
