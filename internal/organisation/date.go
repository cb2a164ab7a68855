package organisation

import (
	"cmp"
	"fmt"
	"time"

	"github.com/fundflow/fundflow/internal/calendar"
)

// Date is a calendar date with no time of day or zone. Effective dates are
// legal dates ("abolished from 1 April 2026"), so comparing instants would
// make validity depend on the zone and hour a caller happened to use.
//
// The zero Date means "no date": an open start or end of validity.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

const dateLayout = "2006-01-02"

// ParseDate parses a YYYY-MM-DD calendar date, rejecting impossible dates
// such as 2026-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: want a real date as YYYY-MM-DD", s)
	}
	y, m, d := t.Date()
	return Date{y, m, d}, nil
}

// DateOf returns the UK calendar date of t. Registry dates are UK legal
// dates, and an instant such as 2026-03-31T23:30Z is already 1 April in
// London (BST), the day the 2026 ICB mergers took effect.
func DateOf(t time.Time) Date {
	y, m, d := t.In(calendar.London).Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date, i.e. an open-ended bound.
func (d Date) IsZero() bool { return d == Date{} }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	if c := cmp.Compare(d.Year, e.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.Month, e.Month); c != 0 {
		return c
	}
	return cmp.Compare(d.Day, e.Day)
}

// String formats d as YYYY-MM-DD, or "" for the zero Date so an open bound
// round-trips to the blank CSV cell it came from.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}
