package workday

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Errors of the package; test with errors.Is.
var (
	// ErrUnknownYear: the calendar has no data (Kurban Ait, transfers) for
	// a year a computation needs. Add the year with [WithYear].
	ErrUnknownYear = errors.New("workday: year not in the calendar")
	// ErrInvalid: a bad argument (a zero time, a negative count, a
	// transfer that does not move a day off between a weekday and a
	// weekend).
	ErrInvalid = errors.New("workday: invalid argument")
	// ErrNotConfigured: a Calendar not made by [Kazakhstan] was used.
	ErrNotConfigured = errors.New("workday: calendar not configured: create it with workday.Kazakhstan")
)

// DefaultZone is where days are counted unless [WithLocation] says
// otherwise: Kazakhstan is on UTC+5 since 1 March 2024.
const DefaultZone = "Asia/Almaty"

// Option configures a [Calendar]; see [Kazakhstan].
type Option func(*config)

type config struct {
	loc     *time.Location
	years   map[int]Year
	extraHo []time.Time
}

// WithLocation sets the location whose calendar days are counted
// (default Asia/Almaty, or a fixed UTC+5 zone where the system has no
// time zone data). A nil loc keeps the default.
func WithLocation(loc *time.Location) Option {
	return func(c *config) {
		if loc != nil {
			c.loc = loc
		}
	}
}

// WithYear adds a year's data, or replaces the shipped data of that year:
// how an operator brings in a new year's Kurban Ait and transfer orders.
func WithYear(y Year) Option { return func(c *config) { c.years[y.Year] = y } }

// WithExtraDayOff makes a date a day off for this operator (a regional
// or company day off, say). It is not moved when it falls on a weekend.
func WithExtraDayOff(d time.Time) Option {
	return func(c *config) { c.extraHo = append(c.extraHo, d) }
}

// Calendar tells working days from days off. Create it with
// [Kazakhstan]; a zero Calendar fails every call with an error wrapping
// [ErrNotConfigured].
type Calendar struct {
	loc   *time.Location
	years map[int]Year
	extra map[int]bool // day keys
	mu    sync.Mutex
	off   map[int]map[int]bool // year → day keys that are days off on weekdays
	work  map[int]map[int]bool // year → weekend day keys that are working days
}

var fallbackZone = time.FixedZone("UTC+5", 5*60*60)

var defaultLocation = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		return fallbackZone
	}
	if _, off := time.Date(2025, 1, 1, 12, 0, 0, 0, loc).Zone(); off != 5*60*60 {
		return fallbackZone // tzdata older than 2024a
	}
	return loc
})

// Kazakhstan returns the calendar of Kazakhstan's working days with the
// years in [KnownYears] and those options add. The error wraps
// [ErrInvalid] for a year whose data do not hold together (a transfer
// from a weekday, a Kurban Ait in another year).
func Kazakhstan(opts ...Option) (*Calendar, error) {
	cfg := config{loc: defaultLocation(), years: make(map[int]Year)}
	for _, y := range KnownYears() {
		cfg.years[y.Year] = y
	}
	for _, o := range opts {
		o(&cfg)
	}
	for _, y := range cfg.years {
		if err := y.validate(); err != nil {
			return nil, err
		}
	}
	c := &Calendar{
		loc: cfg.loc, years: cfg.years, extra: make(map[int]bool),
		off: make(map[int]map[int]bool), work: make(map[int]map[int]bool),
	}
	for _, d := range cfg.extraHo {
		c.extra[key(d)] = true
	}
	return c, nil
}

func (y Year) validate() error {
	if y.KurbanAit.IsZero() || y.KurbanAit.Year() != y.Year {
		return fmt.Errorf("%w: year %d: Kurban Ait not in the year", ErrInvalid, y.Year)
	}
	for _, t := range y.Transfers {
		if weekend(t.Off) || !weekend(t.Work) {
			return fmt.Errorf("%w: year %d: a transfer moves a day off from a Saturday or Sunday to a weekday", ErrInvalid, y.Year)
		}
		if t.Off.Year() != y.Year && t.Work.Year() != y.Year {
			return fmt.Errorf("%w: year %d: transfer outside the year", ErrInvalid, y.Year)
		}
	}
	return nil
}

// Location returns the location whose days the calendar counts.
func (c *Calendar) Location() *time.Location {
	if c == nil || c.loc == nil {
		return defaultLocation()
	}
	return c.loc
}

// Years returns the years the calendar has data for, in order.
func (c *Calendar) Years() []int {
	if c == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(c.years))
}

func key(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

func weekend(t time.Time) bool {
	wd := t.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// IsWorkingDay reports whether the calendar day of t, in the calendar's
// location, is a working day. The error wraps [ErrUnknownYear] when the
// calendar has no data for the day's year.
func (c *Calendar) IsWorkingDay(t time.Time) (bool, error) {
	if c == nil || c.years == nil {
		return false, ErrNotConfigured
	}
	y, m, d := t.In(c.loc).Date()
	return c.working(date(y, m, d))
}

// working reports whether the civil date d (UTC midnight) is a working day.
func (c *Calendar) working(d time.Time) (bool, error) {
	off, work, err := c.year(d.Year())
	if err != nil {
		return false, err
	}
	k := key(d)
	if weekend(d) {
		return work[k], nil
	}
	return !off[k] && !c.extra[k], nil
}

// year returns the weekday days off and the working weekend days of year
// y, computing them once.
func (c *Calendar) year(y int) (off, work map[int]bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if off, ok := c.off[y]; ok {
		return off, c.work[y], nil
	}
	data, ok := c.years[y]
	if !ok {
		return nil, nil, fmt.Errorf("%w: %d (known: %v); add it with workday.WithYear", ErrUnknownYear, y, slices.Sorted(maps.Keys(c.years)))
	}
	off, work = make(map[int]bool), make(map[int]bool)
	holiday := make(map[int]bool)
	var moved []time.Time // non-religious holidays on a weekend
	for _, h := range FixedHolidays() {
		d := date(y, h.Month, h.Day)
		holiday[key(d)] = true
		if weekend(d) {
			if !h.Religious {
				moved = append(moved, d)
			}
			continue
		}
		off[key(d)] = true
	}
	ka := data.KurbanAit
	holiday[key(ka)] = true
	if !weekend(ka) {
		off[key(ka)] = true
	}
	place := func(from time.Time) {
		for d := from.AddDate(0, 0, 1); ; d = d.AddDate(0, 0, 1) {
			if d.Year() > y {
				return // no holiday late enough in December to need it
			}
			k := key(d)
			if weekend(d) || holiday[k] || off[k] {
				continue
			}
			off[k] = true
			return
		}
	}
	for _, d := range moved {
		place(d)
	}
	for _, t := range data.Transfers {
		off[key(t.Off)] = true
		work[key(t.Work)] = true
	}
	// Transfers recorded under the previous year that reach into y.
	if prev, ok := c.years[y-1]; ok {
		for _, t := range prev.Transfers {
			if t.Off.Year() == y {
				off[key(t.Off)] = true
			}
			if t.Work.Year() == y {
				work[key(t.Work)] = true
			}
		}
	}
	c.off[y], c.work[y] = off, work
	return off, work, nil
}

// Due returns the end of the n-th working day after the day of from, in
// the calendar's location: the deadline of a period of n working days
// that starts on the day after the event, as periods of days
// customarily run. A request received on a Friday with 3 working days to
// answer is due by the end of Wednesday (Monday, Tuesday, Wednesday),
// whatever the hour it came in. n = 0 gives the end of the day of from
// itself if it is a working day, else of the next working day. The error
// wraps [ErrUnknownYear] if a year on the way is not in the calendar,
// [ErrInvalid] for a zero from or a negative n.
func (c *Calendar) Due(from time.Time, n int) (time.Time, error) {
	if c == nil || c.years == nil {
		return time.Time{}, ErrNotConfigured
	}
	if from.IsZero() || n < 0 {
		return time.Time{}, fmt.Errorf("%w: zero time or negative count", ErrInvalid)
	}
	y, m, d := from.In(c.loc).Date()
	day := date(y, m, d)
	if n == 0 {
		for {
			ok, err := c.working(day)
			if err != nil {
				return time.Time{}, err
			}
			if ok {
				break
			}
			day = day.AddDate(0, 0, 1)
		}
	}
	for left := n; left > 0; {
		day = day.AddDate(0, 0, 1)
		ok, err := c.working(day)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			left--
		}
	}
	y, m, d = day.Date()
	return time.Date(y, m, d, 23, 59, 59, 999_999_999, c.loc), nil
}

// WorkingDaysLeft counts the working days from the day of now to the day
// of due: 0 on the due day, 1 on the working day before, negative once it
// has passed (minus the working days since). Days off in between are not
// counted.
func (c *Calendar) WorkingDaysLeft(due, now time.Time) (int, error) {
	if c == nil || c.years == nil {
		return 0, ErrNotConfigured
	}
	dy, dm, dd := due.In(c.loc).Date()
	ny, nm, nd := now.In(c.loc).Date()
	a, b := date(ny, nm, nd), date(dy, dm, dd)
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a; d.Before(b); {
		d = d.AddDate(0, 0, 1)
		ok, err := c.working(d)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return sign * n, nil
}
