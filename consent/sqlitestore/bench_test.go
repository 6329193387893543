package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/consenttest"
	"github.com/yasam/privacy/consent/sqlitestore"
)

// BenchmarkStore runs the consent.Store benchmarks shared by every backend.
func BenchmarkStore(b *testing.B) {
	consenttest.Bench(b, func(b *testing.B, cached bool) consent.Store {
		var opts []sqlitestore.Option
		if !cached {
			opts = append(opts, sqlitestore.WithCacheSize(0))
		}
		return open(b, filepath.Join(b.TempDir(), "c.db"), opts...)
	})
}

// BenchmarkStoreSoleWriter is the same suite with WithSoleWriter: warm
// states need no database access.
func BenchmarkStoreSoleWriter(b *testing.B) {
	consenttest.Bench(b, func(b *testing.B, cached bool) consent.Store {
		opts := []sqlitestore.Option{sqlitestore.WithSoleWriter()}
		if !cached {
			opts = append(opts, sqlitestore.WithCacheSize(0))
		}
		return open(b, filepath.Join(b.TempDir(), "c.db"), opts...)
	})
}
