// Package workday counts working days in Kazakhstan, for the deadlines of
// Law 94-V "On personal data and their protection", which run in working
// days (see the digest LAW-94-V.md: 3 working days to answer a request for
// information, 1 for a breach notice to the authorised body).
//
// A day is a working day when it is Monday to Friday, not a public holiday
// that is a day off, not a day off moved to it, and not a weekday to which
// a day off was moved; a Saturday or Sunday is a working day only when a
// transfer makes it one. The five-day week is assumed (a six-day week is
// not modelled).
//
// # What the calendar knows
//
// Fixed holidays that are days off (Law "On holidays in the Republic of
// Kazakhstan"; list as read in the secondary sources cited in
// holidays.go): 1-2 January, 7 January (Orthodox Christmas), 8 March,
// 21-23 March (Nauryz), 1 May, 7 May, 9 May, 6 July, 30 August,
// 25 October, 16 December. When one of them other than a religious one
// falls on a Saturday or Sunday, the next working day after it is a day
// off (Labour Code art. 85; paragraph not confirmed against the code's
// text). The first day of Kurban Ait is a day off too; it follows the
// lunar calendar, is set each year with the Spiritual Administration of
// Muslims of Kazakhstan, and is never moved.
//
// Transfers of days off are made each year by an order of the Minister of
// Labour (formerly a Government decree, Labour Code art. 85 p.3): the
// calendar takes them as data, per year. [Year] bundles the two yearly
// facts; the package ships them for the years in [KnownYears], each with
// its sources, and a host adds or replaces years with [WithYear]. A date
// in a year the calendar has no data for is an error wrapping
// [ErrUnknownYear]: the calendar never guesses a lunar date or a decree.
//
// # Usage
//
//	cal, err := workday.Kazakhstan()
//	due, err := cal.Due(received, 3) // end of the 3rd working day after receipt
//
// # Concurrency
//
// A [Calendar] is immutable after [Kazakhstan] returns it and safe for
// concurrent use by multiple goroutines.
package workday
