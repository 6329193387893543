package anonymize

import (
	"fmt"
	"time"
)

// An IIN and a BIN share their length and check digit but not their
// structure:
//
//	IIN  Y Y M M D D C S S S S K   C = century/sex 1-6, D D a valid day
//	BIN  Y Y M M T A S S S S S K   T = entity type 4/5/6, A = attribute 0-3
//
// Digit 5 (index 4) is the tens digit of the day in an IIN, so 0-3, and the
// entity type in a BIN, so 4-6. No 12-digit number can therefore have both
// structures, and classification is unambiguous: digit 5 decides which
// structure is checked, and a number that fails it is neither.

// iinBINChecksum reports whether the 12 digits in d (values 0-9) carry a
// valid check digit under the two-pass mod-11 scheme shared by IIN and BIN.
//
// The weights are written out: a loop of 11 here costs a mispredicted
// exit on most numbers the scanner checks.
func iinBINChecksum(d *[12]byte) bool {
	s := (int(d[0]) + 2*int(d[1]) + 3*int(d[2]) + 4*int(d[3]) + 5*int(d[4]) + 6*int(d[5]) +
		7*int(d[6]) + 8*int(d[7]) + 9*int(d[8]) + 10*int(d[9]) + 11*int(d[10])) % 11
	if s == 10 {
		// Second pass, weights 3 to 11, then 1 and 2.
		s = (3*int(d[0]) + 4*int(d[1]) + 5*int(d[2]) + 6*int(d[3]) + 7*int(d[4]) + 8*int(d[5]) +
			9*int(d[6]) + 10*int(d[7]) + 11*int(d[8]) + int(d[9]) + 2*int(d[10])) % 11
		if s == 10 {
			return false
		}
	}
	return s == int(d[11])
}

// classify12 returns KindIIN or KindBIN for 12 digit values that have a
// valid structure and check digit, and "" otherwise.
func classify12(d *[12]byte) Kind {
	month := int(d[2])*10 + int(d[3])
	if month < 1 || month > 12 {
		return ""
	}
	if d[4] >= 4 {
		// BIN: entity type 4-6, attribute 0-3.
		if d[4] > 6 || d[5] > 3 {
			return ""
		}
		if !iinBINChecksum(d) {
			return ""
		}
		return KindBIN
	}
	day := int(d[4])*10 + int(d[5])
	c := d[6]
	if c < 1 || c > 6 || day < 1 {
		return ""
	}
	year := 1800 + 100*int((c-1)/2) + int(d[0])*10 + int(d[1])
	if day > daysIn(month, year) {
		return ""
	}
	if !iinBINChecksum(d) {
		return ""
	}
	return KindIIN
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// digits12 converts s to digit values, reporting false unless s is exactly
// 12 ASCII digits.
func digits12(s string) (d [12]byte, ok bool) {
	if len(s) != 12 {
		return d, false
	}
	for i := 0; i < 12; i++ {
		c := s[i] - '0'
		if c > 9 {
			return d, false
		}
		d[i] = c
	}
	return d, true
}

// ValidIIN reports whether s is exactly 12 digits forming an individual
// identification number: a real date of birth, a century/sex digit 1-6 and
// a valid check digit.
func ValidIIN(s string) bool {
	d, ok := digits12(s)
	return ok && classify12(&d) == KindIIN
}

// ValidBIN reports whether s is exactly 12 digits forming a business
// identification number: month 01-12, entity type 4-6, attribute 0-3 and a
// valid check digit.
func ValidBIN(s string) bool {
	d, ok := digits12(s)
	return ok && classify12(&d) == KindBIN
}

// Sex is the sex encoded in an IIN's seventh digit.
type Sex uint8

// Sex values.
const (
	Male   Sex = 1
	Female Sex = 2
)

// String returns "male" or "female".
func (s Sex) String() string {
	switch s {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return "unknown"
}

// IIN is what an individual identification number says about its holder.
// Generalisation starts here: [IIN.BirthDate] truncated to a year, or an age
// band, reveals far less than the number.
type IIN struct {
	BirthDate time.Time // midnight UTC
	Sex       Sex
}

// ParseIIN decodes a valid IIN. The error wraps [ErrInvalidIdentifier] and does
// not quote s.
func ParseIIN(s string) (IIN, error) {
	d, ok := digits12(s)
	if !ok || classify12(&d) != KindIIN {
		return IIN{}, fmt.Errorf("%w: not a valid IIN", ErrInvalidIdentifier)
	}
	c := int(d[6])
	year := 1800 + 100*((c-1)/2) + int(d[0])*10 + int(d[1])
	month := time.Month(int(d[2])*10 + int(d[3]))
	day := int(d[4])*10 + int(d[5])
	sex := Male
	if c%2 == 0 {
		sex = Female
	}
	return IIN{BirthDate: time.Date(year, month, day, 0, 0, 0, 0, time.UTC), Sex: sex}, nil
}
