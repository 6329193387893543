package workday

import "time"

// Holiday is a public holiday that is a day off.
type Holiday struct {
	Month time.Month
	Day   int
	// Name is the holiday's name in Russian, as the law names it.
	Name string
	// Religious holidays are not moved when they fall on a weekend.
	Religious bool
}

// FixedHolidays returns the public holidays with fixed dates that are
// days off in Kazakhstan, in calendar order. Sources (secondary, read
// 2026): the list of days off in kokshetau.online's 2019 calendar, less
// 1 December and 17 December (removed in 2022, newtimes.kz), plus
// 25 October (Republic Day, a national holiday since 2022, ortcom.kz,
// alau.kz); 7 January and the first day of Kurban Ait are the religious
// days off (mgorod.kz, kapital.kz).
func FixedHolidays() []Holiday {
	return []Holiday{
		{time.January, 1, "Новый год", false},
		{time.January, 2, "Новый год", false},
		{time.January, 7, "Православное Рождество", true},
		{time.March, 8, "Международный женский день", false},
		{time.March, 21, "Наурыз мейрамы", false},
		{time.March, 22, "Наурыз мейрамы", false},
		{time.March, 23, "Наурыз мейрамы", false},
		{time.May, 1, "Праздник единства народа Казахстана", false},
		{time.May, 7, "День защитника Отечества", false},
		{time.May, 9, "День Победы", false},
		{time.July, 6, "День Столицы", false},
		{time.August, 30, "День Конституции", false},
		{time.October, 25, "День Республики", false},
		{time.December, 16, "День Независимости", false},
	}
}

// Transfer moves a day off: Off, a weekday, becomes a day off, and Work,
// a Saturday or Sunday, becomes a working day.
type Transfer struct {
	Off, Work time.Time // dates; the clock and location are ignored
	// Source names the order or decree, or where it was read.
	Source string
}

// Year holds the facts of one year that no rule can compute.
type Year struct {
	Year int
	// KurbanAit is the first day of Kurban Ait, a day off.
	KurbanAit time.Time
	// Transfers are the year's transfers of days off; none is a valid
	// answer once the year's orders are known.
	Transfers []Transfer
	// Source says where KurbanAit and the transfers were read.
	Source string
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// KnownYears returns the years the package ships, with their sources. A
// year is shipped only when both its Kurban Ait date and its transfers
// were found in a published source; add others with [WithYear].
func KnownYears() []Year {
	return []Year{
		{
			Year:      2025,
			KurbanAit: date(2025, time.June, 6),
			Transfers: []Transfer{{
				Off:    date(2025, time.January, 3),
				Work:   date(2025, time.January, 5),
				Source: "order of the Minister of Labour and Social Protection: the day off of Sunday 5 January 2025 moved to Friday 3 January 2025 (energy-city.kz; kz.kursiv.media 2024-12-23)",
			}},
			Source: "Kurban Ait 6 June 2025 (mgorod.kz); no other transfer for 2025 found",
		},
		{
			Year:      2026,
			KurbanAit: date(2026, time.May, 27),
			Source:    "Kurban Ait 27 May 2026 per the calendar of the Spiritual Administration of Muslims of Kazakhstan (zakon.kz 2025-11-06, rus.baq.kz 2025-11-07; may move a day with the moon); no transfer for 2026 announced (alau.kz 2025-11-19, inform.kz 2025-11-28: 1-4 January off without one)",
		},
	}
}
