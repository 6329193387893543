package kanon

import (
	"fmt"
	"math"
	"time"
)

// Granularity is how much of a date generalisation keeps.
type Granularity uint8

// Granularities, finest first.
const (
	Day Granularity = iota
	Month
	Year
	Decade
)

// TruncateDate returns t at the start of its day, month, year or decade, in
// t's location. The zero time stays zero.
func TruncateDate(t time.Time, g Granularity) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.Date()
	switch g {
	case Month:
		d = 1
	case Year:
		m, d = time.January, 1
	case Decade:
		y, m, d = y-mod(y, 10), time.January, 1
	}
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func mod(a, b int) int {
	r := a % b
	if r < 0 {
		r += b
	}
	return r
}

// AgeBand returns the band of width years an age falls in, as "30-39" for
// width 10; ages at or above top are reported as "top+" so that the oldest,
// rarest people do not stand out. A width below 1 is taken as 1, top ≤ 0
// means no top band. A negative age yields "".
func AgeBand(age, width, top int) string {
	if age < 0 {
		return ""
	}
	width = max(width, 1)
	if top > 0 && age >= top {
		return fmt.Sprintf("%d+", top)
	}
	lo := age - age%width
	if width == 1 {
		return fmt.Sprint(lo)
	}
	hi := lo + width - 1
	if top > 0 && hi >= top {
		hi = top - 1
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

// Age returns the age in whole years on day at of someone born on birth.
func Age(birth, at time.Time) int {
	by, bm, bd := birth.Date()
	ay, am, ad := at.Date()
	age := ay - by
	if am < bm || (am == bm && ad < bd) {
		age--
	}
	return age
}

// GridCell snaps a coordinate to the south-west corner of its cell on a grid
// of cell degrees (0.01° is about 1.1 km of latitude, 0.1° about 11 km), so
// every point in the cell becomes the same point. A cell ≤ 0 or a NaN
// coordinate yields NaN.
func GridCell(lat, lon, cell float64) (float64, float64) {
	if !(cell > 0) || math.IsNaN(lat) || math.IsNaN(lon) {
		return math.NaN(), math.NaN()
	}
	snap := func(x float64) float64 {
		// Round the quotient first so 0.3/0.1 lands in cell 3, not 2.
		q := math.Floor(math.Round(x/cell*1e9) / 1e9)
		return math.Round(q*cell*1e9) / 1e9
	}
	return snap(lat), snap(lon)
}
