package consent_test

import (
	"testing"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/consenttest"
)

func TestMemoryStoreConformance(t *testing.T) {
	consenttest.Run(t, func(t *testing.T) consent.Store { return consent.NewMemoryStore() })
}

func BenchmarkMemoryStore(b *testing.B) {
	consenttest.Bench(b, func(*testing.B, bool) consent.Store { return consent.NewMemoryStore() })
}
