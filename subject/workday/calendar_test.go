package workday_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/subject/workday"
)

var plus5 = time.FixedZone("UTC+5", 5*60*60)

func kz(t *testing.T, opts ...workday.Option) *workday.Calendar {
	t.Helper()
	c, err := workday.Kazakhstan(append([]workday.Option{workday.WithLocation(plus5)}, opts...)...)
	require.NoError(t, err)
	return c
}

func d(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 12, 0, 0, 0, plus5) }

// daysOff lists every Monday-to-Friday day off and every working
// Saturday or Sunday of a year, as the published production calendars
// give them for a five-day week.
func TestDaysOff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		year       int
		weekdayOff []time.Time
		weekendWrk []time.Time
	}{
		{
			name: "2025",
			year: 2025,
			weekdayOff: []time.Time{
				d(2025, 1, 1), d(2025, 1, 2), // Wed, Thu: New Year
				d(2025, 1, 3),                  // Fri: moved from Sunday 5 January by order
				d(2025, 1, 7),                  // Tue: Christmas
				d(2025, 3, 10),                 // Mon: 8 March fell on a Saturday
				d(2025, 3, 21),                 // Fri: Nauryz
				d(2025, 3, 24), d(2025, 3, 25), // Mon, Tue: Nauryz 22-23 fell on the weekend
				d(2025, 5, 1), d(2025, 5, 7), d(2025, 5, 9),
				d(2025, 6, 6),   // Fri: Kurban Ait
				d(2025, 7, 7),   // Mon: 6 July fell on a Sunday
				d(2025, 9, 1),   // Mon: 30 August fell on a Saturday
				d(2025, 10, 27), // Mon: 25 October fell on a Saturday
				d(2025, 12, 16),
			},
			weekendWrk: []time.Time{d(2025, 1, 5)},
		},
		{
			name: "2026",
			year: 2026,
			weekdayOff: []time.Time{
				d(2026, 1, 1), d(2026, 1, 2), // Thu, Fri
				d(2026, 1, 7),                  // Wed: Christmas
				d(2026, 3, 9),                  // Mon: 8 March fell on a Sunday
				d(2026, 3, 23),                 // Mon: Nauryz
				d(2026, 3, 24), d(2026, 3, 25), // Tue, Wed: Nauryz 21-22 fell on the weekend
				d(2026, 5, 1), d(2026, 5, 7),
				d(2026, 5, 11), // Mon: 9 May fell on a Saturday
				d(2026, 5, 27), // Wed: Kurban Ait
				d(2026, 7, 6),
				d(2026, 8, 31),  // Mon: 30 August fell on a Sunday
				d(2026, 10, 26), // Mon: 25 October fell on a Sunday
				d(2026, 12, 16),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cal := kz(t)
			off := map[string]bool{}
			for _, x := range tc.weekdayOff {
				off[x.Format(time.DateOnly)] = true
			}
			wrk := map[string]bool{}
			for _, x := range tc.weekendWrk {
				wrk[x.Format(time.DateOnly)] = true
			}
			for day := d(tc.year, 1, 1); day.Year() == tc.year; day = day.AddDate(0, 0, 1) {
				ok, err := cal.IsWorkingDay(day)
				require.NoError(t, err)
				k := day.Format(time.DateOnly)
				wd := day.Weekday()
				want := wd != time.Saturday && wd != time.Sunday && !off[k] || wrk[k]
				assert.Equal(t, want, ok, "%s (%s)", k, wd)
			}
		})
	}
}

func TestDue(t *testing.T) {
	t.Parallel()
	end := func(y int, m time.Month, day int) time.Time {
		return time.Date(y, m, day, 23, 59, 59, 999_999_999, plus5)
	}
	tests := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"plain week", d(2025, 2, 10), 3, end(2025, 2, 13)},
		{"over a weekend", d(2025, 2, 14), 3, end(2025, 2, 19)},
		{"received on a Saturday", d(2025, 2, 15), 1, end(2025, 2, 17)},
		{"received at 00:30 counts its own day", time.Date(2025, 2, 13, 19, 30, 0, 0, time.UTC), 1, end(2025, 2, 17)},
		{"Nauryz 2025", d(2025, 3, 20), 3, end(2025, 3, 28)},
		{"Nauryz 2026 and its moved days", d(2026, 3, 20), 1, end(2026, 3, 26)},
		{"Kurban Ait 2025", d(2025, 6, 5), 1, end(2025, 6, 9)},
		{"Kurban Ait 2026", d(2026, 5, 26), 1, end(2026, 5, 28)},
		{"May 2026: 7 May, weekend, 9 May moved to the 11th", d(2026, 5, 6), 2, end(2026, 5, 12)},
		{"transfer: Sunday 5 January 2025 works, Friday 3rd rests", d(2025, 1, 2), 1, end(2025, 1, 5)},
		{"year end 2025 into 2026", d(2025, 12, 30), 3, end(2026, 1, 6)},
		{"Independence Day", d(2025, 12, 15), 1, end(2025, 12, 17)},
		{"zero days on a day off", d(2026, 3, 21), 0, end(2026, 3, 26)},
		{"zero days on a working day", d(2026, 3, 26), 0, end(2026, 3, 26)},
		{"1 WD from a breach on the eve of a long weekend", d(2025, 10, 24), 1, end(2025, 10, 28)},
	}
	cal := kz(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := cal.Due(tc.from, tc.n)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			if tc.n == 0 {
				return
			}
			left, err := cal.WorkingDaysLeft(got, tc.from)
			require.NoError(t, err)
			assert.Equal(t, tc.n, left)
			back, err := cal.WorkingDaysLeft(tc.from, got)
			require.NoError(t, err)
			assert.Equal(t, -tc.n, back)
		})
	}
}

func TestUnknownYearRefused(t *testing.T) {
	t.Parallel()
	cal := kz(t)
	_, err := cal.IsWorkingDay(d(2027, 3, 3))
	require.ErrorIs(t, err, workday.ErrUnknownYear)
	_, err = cal.Due(d(2026, 12, 29), 5) // runs into 2027
	require.ErrorIs(t, err, workday.ErrUnknownYear)
	_, err = cal.IsWorkingDay(d(2024, 6, 17))
	require.ErrorIs(t, err, workday.ErrUnknownYear)

	cal = kz(t, workday.WithYear(workday.Year{
		Year: 2027, KurbanAit: time.Date(2027, 5, 17, 0, 0, 0, 0, time.UTC),
		Transfers: []workday.Transfer{{Off: time.Date(2027, 1, 8, 0, 0, 0, 0, time.UTC), Work: time.Date(2027, 1, 9, 0, 0, 0, 0, time.UTC)}},
	}))
	got, err := cal.Due(d(2026, 12, 29), 5)
	require.NoError(t, err)
	// 30, 31 Dec; 1 Jan Fri and 2 Jan Sat off (4 Jan Mon moved); 5, 6; 7 off; 8 off (transfer); 9 Sat works.
	assert.Equal(t, time.Date(2027, 1, 9, 23, 59, 59, 999_999_999, plus5), got)
	ok, err := cal.IsWorkingDay(d(2027, 1, 4))
	require.NoError(t, err)
	assert.False(t, ok, "2 January 2027 is a Saturday: Monday the 4th is off")
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	_, err := workday.Kazakhstan(workday.WithYear(workday.Year{Year: 2027}))
	assert.ErrorIs(t, err, workday.ErrInvalid)
	_, err = workday.Kazakhstan(workday.WithYear(workday.Year{
		Year: 2027, KurbanAit: time.Date(2027, 5, 17, 0, 0, 0, 0, time.UTC),
		Transfers: []workday.Transfer{{Off: time.Date(2027, 1, 9, 0, 0, 0, 0, time.UTC), Work: time.Date(2027, 1, 8, 0, 0, 0, 0, time.UTC)}},
	}))
	assert.ErrorIs(t, err, workday.ErrInvalid)
	cal := kz(t)
	_, err = cal.Due(time.Time{}, 1)
	assert.ErrorIs(t, err, workday.ErrInvalid)
	_, err = cal.Due(d(2025, 1, 1), -1)
	assert.ErrorIs(t, err, workday.ErrInvalid)

	var zero workday.Calendar
	_, err = zero.Due(d(2025, 1, 1), 1)
	assert.ErrorIs(t, err, workday.ErrNotConfigured)
	_, err = zero.IsWorkingDay(d(2025, 1, 1))
	assert.ErrorIs(t, err, workday.ErrNotConfigured)
}

func TestExtraDayOff(t *testing.T) {
	t.Parallel()
	cal := kz(t, workday.WithExtraDayOff(time.Date(2025, 2, 11, 0, 0, 0, 0, time.UTC)))
	got, err := cal.Due(d(2025, 2, 10), 1)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 2, 12, 23, 59, 59, 999_999_999, plus5), got)
}

func TestConcurrent(t *testing.T) {
	t.Parallel()
	cal := kz(t)
	done := make(chan time.Time, 8)
	for range 8 {
		go func() {
			got, _ := cal.Due(d(2025, 12, 30), 3)
			done <- got
		}()
	}
	for range 8 {
		assert.Equal(t, 2026, (<-done).Year())
	}
}

func BenchmarkDue(b *testing.B) {
	cal, err := workday.Kazakhstan(workday.WithLocation(plus5))
	if err != nil {
		b.Fatal(err)
	}
	from := d(2025, 3, 20)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := cal.Due(from, 3); err != nil {
				b.Fatal(err)
			}
		}
	})
}
