package claims

import (
	"sync"
	"time"
)

// AnswerDays is the period of clause 8.2 of the policy: the recipient of a
// claim notifies the claimant in writing of the result "в течение 30
// календарных дней" (within 30 calendar days).
const AnswerDays = 30

// DefaultZone is the operator's time zone by default: the operator, ТОО
// «Цифровые налоговые технологии», is in Kazakhstan.
const DefaultZone = "Asia/Almaty"

// fallbackZone is Kazakhstan's time since 2024-03-01, when the whole
// country moved to UTC+5.
var fallbackZone = time.FixedZone("UTC+5", 5*60*60)

// DefaultLocation returns the location deadlines are counted in unless a
// [Registry] is given another with [WithLocation]: [DefaultZone] from the
// system's time zone database, or, where that database is missing or
// predates Kazakhstan's move to UTC+5 on 2024-03-01 (tzdata older than
// 2024a still says UTC+6), a fixed UTC+5 zone. The fallback can only make
// a deadline earlier, never later: a claim received between midnight and
// 01:00 UTC+6 before 2024-03-01 counts from the day before.
func DefaultLocation() *time.Location { return defaultLocation() }

var defaultLocation = sync.OnceValue(func() *time.Location { return loadLocation(DefaultZone) })

func loadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return fallbackZone
	}
	if _, off := time.Date(2025, 1, 1, 12, 0, 0, 0, loc).Zone(); name == DefaultZone && off != 5*60*60 {
		return fallbackZone
	}
	return loc
}

// DueDate returns the moment by which a claim received at received must be
// answered, under clause 8.2: "within 30 calendar days".
//
// The reading: days are calendar days of the operator's location loc (nil
// means [DefaultLocation]); the day of receipt is not counted, the period
// starting on the next day, as periods of days customarily run; and the
// 30th day counts whole, to its last instant. So the answer is due by the
// end of the 30th calendar day after the day of receipt: a claim received
// at any hour of 1 June is due by 23:59:59.999999999 on 1 July, one
// received on 31 January 2024 by the end of 1 March (29 February counts),
// one received on 29 February 2024 by the end of 30 March. Weekends and
// public holidays count like any other day, and a due day that falls on
// one is not moved: that is what "calendar days" says, and it is the
// earlier of the two readings, so the safe one for the operator.
//
// The result is in loc. Where a clock change repeats the last hour of the
// due day, the later occurrence is taken, so the day is never cut short.
func DueDate(received time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = DefaultLocation()
	}
	y, m, d := received.In(loc).Date()
	due := time.Date(y, m, d+AnswerDays, 23, 59, 59, 999_999_999, loc)
	// time.Date picks one of two instants for a repeated wall-clock time;
	// if the clock is turned back within the next day, the later one is
	// the true end of the day.
	if _, end := due.ZoneBounds(); !end.IsZero() && end.Sub(due) <= 24*time.Hour {
		_, before := due.Zone()
		_, after := end.Zone()
		if before > after {
			later := due.Add(time.Duration(before-after) * time.Second)
			if sameWallClock(later, due) {
				due = later
			}
		}
	}
	return due
}

func sameWallClock(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	ah, amin, as := a.Clock()
	bh, bmin, bs := b.Clock()
	return ay == by && am == bm && ad == bd && ah == bh && amin == bmin && as == bs && a.Nanosecond() == b.Nanosecond()
}

// daysLeft counts whole calendar days from now to the day of due, the last
// instant of a day: 0 on that day, 1 on the day before, -1 on the day
// after. It counts 24-hour days back from the end of the due day, so it
// needs no location and is exact wherever days are 24 hours long, as in
// Kazakhstan; across a daylight-saving change it may be one off within an
// hour of midnight.
func daysLeft(due, now time.Time) int {
	const day = 24 * time.Hour
	d := due.Add(time.Nanosecond).Sub(now)
	q := d / day
	if d%day > 0 {
		q++
	}
	return int(q) - 1
}
