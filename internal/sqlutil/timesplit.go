package sqlutil

import "time"

// SplitTime splits t into the instant truncated to the microsecond, which
// SQL timestamps keep, and the nanoseconds below it (0 to 999), which they
// drop. Stores keep both so that times round-trip exactly: an event read
// back must equal the one appended, or re-appending it would look like a
// conflict.
func SplitTime(t time.Time) (time.Time, int16) {
	t = t.UTC()
	us := t.Truncate(time.Microsecond)
	return us, int16(t.Sub(us))
}

// JoinTime is the inverse of [SplitTime], in UTC.
func JoinTime(us time.Time, ns int16) time.Time {
	return us.Add(time.Duration(ns)).UTC()
}
