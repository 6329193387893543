package regval

import (
	"testing"
	"time"
)

func TestClamp(t *testing.T) {
	almaty := time.FixedZone("ALMT", 5*3600)
	for _, tt := range []struct {
		in, want time.Time
	}{
		{time.Date(295000, 1, 1, 0, 0, 0, 0, time.UTC), Last.Add(time.Nanosecond)},
		{time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC), First},
		{Last, Last},
		{First, First},
		{time.Date(2026, 3, 1, 10, 0, 0, 7, almaty), time.Date(2026, 3, 1, 10, 0, 0, 7, almaty)},
	} {
		if got := Clamp(tt.in); !got.Equal(tt.want) {
			t.Errorf("Clamp(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestInYearsAndStorable(t *testing.T) {
	if !InYears(Last) || !InYears(First) || InYears(Last.Add(1)) || InYears(First.Add(-1)) {
		t.Error("InYears does not hold exactly years 1 to 9999")
	}
	if !Storable("Иванов") || Storable("a\x00b") || Storable("\xff") {
		t.Error("Storable")
	}
	if !HasPrefixFold("ERASED:x", "erased:") || HasPrefixFold("erase", "erased:") {
		t.Error("HasPrefixFold")
	}
}
