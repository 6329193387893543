package claims

import (
	"testing"
	"time"
	_ "time/tzdata" // the DST cases must not depend on the system's zoneinfo

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var plus5 = time.FixedZone("UTC+5", 5*60*60)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// endOf is the last instant of a day in loc.
func endOf(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 999_999_999, loc)
}

func TestDueDate(t *testing.T) {
	t.Parallel()
	almaty := mustLoad(t, "Asia/Almaty")
	tests := []struct {
		name     string
		received time.Time
		loc      *time.Location
		want     time.Time
	}{
		{"30-day month", time.Date(2024, 6, 1, 10, 0, 0, 0, plus5), plus5, endOf(2024, 7, 1, plus5)},
		{"start of day", time.Date(2024, 6, 1, 0, 0, 0, 0, plus5), plus5, endOf(2024, 7, 1, plus5)},
		{"end of day", time.Date(2024, 6, 1, 23, 59, 59, 999_999_999, plus5), plus5, endOf(2024, 7, 1, plus5)},
		{"31-day month", time.Date(2024, 7, 1, 9, 0, 0, 0, plus5), plus5, endOf(2024, 7, 31, plus5)},
		{"month end into next", time.Date(2024, 5, 31, 9, 0, 0, 0, plus5), plus5, endOf(2024, 6, 30, plus5)},
		{"Jan 31 leap year: Feb 29 counts", time.Date(2024, 1, 31, 12, 0, 0, 0, plus5), plus5, endOf(2024, 3, 1, plus5)},
		{"Jan 31 common year", time.Date(2025, 1, 31, 12, 0, 0, 0, plus5), plus5, endOf(2025, 3, 2, plus5)},
		{"received Feb 29", time.Date(2024, 2, 29, 12, 0, 0, 0, plus5), plus5, endOf(2024, 3, 30, plus5)},
		{"Feb 28 leap year", time.Date(2024, 2, 28, 12, 0, 0, 0, plus5), plus5, endOf(2024, 3, 29, plus5)},
		{"Feb 28 common year", time.Date(2023, 2, 28, 12, 0, 0, 0, plus5), plus5, endOf(2023, 3, 30, plus5)},
		{"Feb 1 leap year", time.Date(2024, 2, 1, 12, 0, 0, 0, plus5), plus5, endOf(2024, 3, 2, plus5)},
		{"2100 is not a leap year", time.Date(2100, 2, 1, 12, 0, 0, 0, plus5), plus5, endOf(2100, 3, 3, plus5)},
		{"2000 is a leap year", time.Date(2000, 2, 1, 12, 0, 0, 0, plus5), plus5, endOf(2000, 3, 2, plus5)},
		{"year end", time.Date(2024, 12, 15, 12, 0, 0, 0, plus5), plus5, endOf(2025, 1, 14, plus5)},
		{"Dec 31", time.Date(2024, 12, 31, 12, 0, 0, 0, plus5), plus5, endOf(2025, 1, 30, plus5)},
		// The day of receipt is the operator's day, not the sender's.
		{"UTC evening is the next day in Almaty", time.Date(2024, 5, 31, 19, 30, 0, 0, time.UTC), plus5, endOf(2024, 7, 1, plus5)},
		{"UTC evening just before Almaty midnight", time.Date(2024, 5, 31, 18, 59, 59, 0, time.UTC), plus5, endOf(2024, 6, 30, plus5)},
		{"Asia/Almaty after 2024-03-01 is UTC+5", time.Date(2024, 5, 31, 19, 30, 0, 0, time.UTC), almaty, endOf(2024, 7, 1, almaty)},
		{"Asia/Almaty before 2024-03-01 was UTC+6", time.Date(2023, 5, 31, 18, 30, 0, 0, time.UTC), almaty, endOf(2023, 7, 1, almaty)},
		{"across the 2024-03-01 switch", time.Date(2024, 2, 10, 12, 0, 0, 0, almaty), almaty, time.Date(2024, 3, 11, 23, 59, 59, 999_999_999, plus5)},
		// Almaty's clock went from 00:00 UTC+6 on 1 March 2024 back to
		// 23:00 UTC+5 on 29 February: that day ends at 24:00 UTC+5.
		{"due on Almaty's 25-hour day", time.Date(2024, 1, 30, 12, 0, 0, 0, almaty), almaty, endOf(2024, 2, 29, plus5)},
		{"UTC operator", time.Date(2024, 5, 31, 19, 30, 0, 0, time.UTC), time.UTC, endOf(2024, 6, 30, time.UTC)},
		{"west of UTC", time.Date(2024, 6, 1, 2, 0, 0, 0, time.UTC), time.FixedZone("UTC-5", -5*60*60), endOf(2024, 6, 30, time.FixedZone("UTC-5", -5*60*60))},
		// Zones with daylight saving time: the due day is still whole.
		{"Berlin, summer into winter", time.Date(2024, 10, 1, 12, 0, 0, 0, mustLoad(t, "Europe/Berlin")), mustLoad(t, "Europe/Berlin"),
			endOf(2024, 10, 31, mustLoad(t, "Europe/Berlin"))},
		{"Berlin, winter into summer", time.Date(2024, 3, 15, 12, 0, 0, 0, mustLoad(t, "Europe/Berlin")), mustLoad(t, "Europe/Berlin"),
			endOf(2024, 4, 14, mustLoad(t, "Europe/Berlin"))},
		// Santiago turns its clock back from 24:00 to 23:00 on 2024-04-06,
		// so that day's last hour happens twice: the later one ends it.
		{"Santiago, last hour repeated", time.Date(2024, 3, 7, 12, 0, 0, 0, mustLoad(t, "America/Santiago")), mustLoad(t, "America/Santiago"),
			time.Date(2024, 4, 7, 3, 59, 59, 999_999_999, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := DueDate(tt.received, tt.loc)
			assert.True(t, got.Equal(tt.want), "DueDate(%v) = %v, want %v", tt.received, got, tt.want)
			assert.Equal(t, tt.loc, got.Location())
			y, m, d := got.Date()
			wy, wm, wd := tt.want.In(tt.loc).Date()
			assert.Equal(t, []int{wy, int(wm), wd}, []int{y, int(m), d}, "due day")
			// The next instant is the first of another day.
			assert.NotEqual(t, d, got.Add(time.Nanosecond).Day())
		})
	}
}

// TestDueDateProperties checks, for every day of four years (a leap year
// among them) and several hours of receipt, that the due moment is the
// last instant of the day 30 calendar days after the day of receipt.
func TestDueDateProperties(t *testing.T) {
	t.Parallel()
	for _, loc := range []*time.Location{plus5, time.UTC, mustLoad(t, "Asia/Almaty")} {
		for d := time.Date(2023, 1, 1, 0, 0, 0, 0, loc); d.Year() < 2027; d = d.AddDate(0, 0, 1) {
			for _, h := range []int{0, 9, 23} {
				received := time.Date(d.Year(), d.Month(), d.Day(), h, 30, 0, 0, loc)
				due := DueDate(received, loc)
				wantDay := time.Date(d.Year(), d.Month(), d.Day()+30, 12, 0, 0, 0, loc)
				require.True(t, sameDay(due, wantDay), "%v: due %v", received, due)
				require.True(t, sameDay(due.Add(-23*time.Hour), due), "%v: due not at end of day", received)
				require.False(t, sameDay(due.Add(time.Nanosecond), due), "%v: due not at end of day", received)
				if loc != plus5 && loc != time.UTC && h == 0 {
					continue // within an hour of midnight, a 25-hour day may count one more (see daysLeft)
				}
				require.Equal(t, 30, daysLeft(due, received), "%v: days left on the day of receipt", received)
			}
		}
	}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.In(a.Location()).Date()
	return ay == by && am == bm && ad == bd
}

func TestDueDateNilLocation(t *testing.T) {
	t.Parallel()
	received := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
	assert.Equal(t, DueDate(received, DefaultLocation()), DueDate(received, nil))
}

func TestDefaultLocation(t *testing.T) {
	t.Parallel()
	loc := DefaultLocation()
	_, off := time.Date(2025, 6, 1, 0, 0, 0, 0, loc).Zone()
	assert.Equal(t, 5*60*60, off, "Kazakhstan is UTC+5 since 2024-03-01")
	assert.Same(t, loc, DefaultLocation())
	assert.Equal(t, fallbackZone, loadLocation("Nowhere/Atlantis"), "missing zone falls back to UTC+5")
}

func TestDaysLeft(t *testing.T) {
	t.Parallel()
	received := time.Date(2024, 6, 1, 10, 0, 0, 0, plus5)
	due := DueDate(received, plus5) // end of 1 July
	tests := []struct {
		name string
		now  time.Time
		want int
	}{
		{"moment of receipt", received, 30},
		{"start of day of receipt", time.Date(2024, 6, 1, 0, 0, 0, 0, plus5), 30},
		{"next day", time.Date(2024, 6, 2, 23, 0, 0, 0, plus5), 29},
		{"day before due", time.Date(2024, 6, 30, 0, 0, 0, 0, plus5), 1},
		{"start of due day", time.Date(2024, 7, 1, 0, 0, 0, 0, plus5), 0},
		{"last instant of due day", due, 0},
		{"first instant after", due.Add(time.Nanosecond), -1},
		{"end of the day after", time.Date(2024, 7, 2, 23, 59, 0, 0, plus5), -1},
		{"two days after", time.Date(2024, 7, 3, 0, 0, 0, 0, plus5), -2},
		{"any location", time.Date(2024, 6, 30, 19, 0, 0, 0, time.UTC), 0}, // 1 July 00:00 UTC+5
		{"before receipt", time.Date(2024, 5, 30, 12, 0, 0, 0, plus5), 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Claim{Received: received, Due: due, Status: StatusReceived}
			assert.Equal(t, tt.want, c.DaysLeft(tt.now))
			assert.Equal(t, tt.want < 0, c.Overdue(tt.now))
		})
	}
	assert.Zero(t, Claim{}.DaysLeft(received))
}
