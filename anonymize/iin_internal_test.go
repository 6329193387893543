package anonymize

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestImpossibleDatesPassChecksum keeps the scanner's date tests honest:
// these numbers are rejected for their dates, not their check digits.
func TestImpossibleDatesPassChecksum(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"901323300255", "901132300257", "900229300251"} {
		d, ok := digits12(s)
		assert.True(t, ok, s)
		assert.True(t, iinBINChecksum(&d), s)
		assert.Empty(t, classify12(&d), s)
	}
}
