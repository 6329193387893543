package keyedbench

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// Run compares a warm State and an Append on plain with the same through
// keyed, a KeyedStore over a store like plain (keys cached, as a host
// would). t0 dates the events.
func Run(b *testing.B, plain, keyed consent.Store, t0 time.Time) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		s    consent.Store
	}{{"plain", plain}, {"keyed", keyed}} {
		for i := range 8 {
			require.NoError(b, tc.s.Append(ctx, consent.Grant("user-b", purpose.Payments, "bank", t0.Add(time.Duration(i)*time.Minute), consent.WithEvidence("doc-1"))))
		}
		b.Run(tc.name+"/State", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.s.State(ctx, "user-b"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/Append", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := tc.s.Append(ctx, consent.Grant("user-a", purpose.Payments, "bank", t0.Add(time.Duration(i)*time.Microsecond))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
