// Package calendar counts UK working days, for deadlines the product states
// in working days (stage SLAs, query responses). Bank holidays differ between
// the three GOV.UK divisions, so a deadline depends on the applicant's nation.
//
// All dates are UK civil dates: an instant is placed on a day by its
// Europe/London wall clock, because that is the day the people involved
// experience, and UTC is an hour off for half the year.
//
// A Calendar is immutable once loaded and safe for concurrent use.
//
// It is pure domain: it imports csvfile and the standard library only, never
// Temporal, Redis or an adapter, since workflows count deadlines with it.
package calendar

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the UK zone must resolve on hosts without a zoneinfo database

	"github.com/fundflow/fundflow/internal/csvfile"
)

//go:embed uk_bank_holidays.csv
var defaultCSV []byte

// Division is a GOV.UK bank-holiday division, spelt as in the CSV.
type Division string

const (
	EnglandAndWales Division = "england-and-wales"
	Scotland        Division = "scotland"
	NorthernIreland Division = "northern-ireland"
)

var divisions = []Division{EnglandAndWales, Scotland, NorthernIreland}

// DivisionFor maps a registry nation ("England", "Wales", "Scotland",
// "Northern Ireland") to its division. It takes a plain string so that this
// package stays independent of the registry. ok is false for anything else,
// rather than defaulting to England and Wales and getting Scotland and
// Northern Ireland's holidays wrong.
func DivisionFor(nation string) (div Division, ok bool) {
	switch nation {
	case "England", "Wales":
		return EnglandAndWales, true
	case "Scotland":
		return Scotland, true
	case "Northern Ireland":
		return NorthernIreland, true
	}
	return "", false
}

// London is Europe/London, the wall clock every date is shown on and
// every deadline counted on: the one zone the engine loads.
var London = mustLoadLondon()

func mustLoadLondon() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		// Unreachable: time/tzdata is embedded above.
		panic(err)
	}
	return loc
}

// LongDate and LongTime are how the record, messages, letters and reports
// write an instant: on the London wall clock, which is what everyone
// involved works to, as "2 January 2006" and "15:04 on 2 January 2006".
func LongDate(t time.Time) string { return t.In(London).Format("2 January 2006") }

// LongTime: see LongDate.
func LongTime(t time.Time) string { return t.In(London).Format("15:04 on 2 January 2006") }

// day is a civil date, used as a map key and for stepping through days
// without the 23- and 25-hour days that DST gives instants.
type day struct {
	y int
	m time.Month
	d int
}

func dayOf(t time.Time) day {
	y, m, d := t.In(London).Date()
	return day{y, m, d}
}

func (d day) next() day {
	y, m, dd := time.Date(d.y, d.m, d.d+1, 0, 0, 0, 0, time.UTC).Date()
	return day{y, m, dd}
}

func (d day) prev() day {
	y, m, dd := time.Date(d.y, d.m, d.d-1, 0, 0, 0, 0, time.UTC).Date()
	return day{y, m, dd}
}

func (d day) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.y, int(d.m), d.d) }

func (d day) weekend() bool {
	wd := time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC).Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// Calendar holds the bank holidays of each division for a contiguous range
// of years.
type Calendar struct {
	holidays    map[Division]map[day]bool
	first, last int // covered years, inclusive
}

var loadDefault = sync.OnceValues(func() (*Calendar, error) {
	return Load(bytes.NewReader(defaultCSV))
})

// Default returns the calendar embedded in the binary, parsed once.
func Default() (*Calendar, error) { return loadDefault() }

var columns = []string{"division", "date", "title", "substitute"}

// Load parses and validates a bank-holiday CSV (division,date,title,substitute).
// Besides per-line checks it requires every division to have holidays in
// every year the file spans: Covers promises the whole range, and a year
// missing for one division would otherwise read as "no holidays".
func Load(r io.Reader) (*Calendar, error) {
	c := &Calendar{holidays: map[Division]map[day]bool{}}
	lineOf := map[Division]map[day]int{}
	for _, div := range divisions {
		c.holidays[div] = map[day]bool{}
		lineOf[div] = map[day]int{}
	}
	rows := 0
	err := csvfile.Rows(r, "calendar", columns, func(line int, rec []string) error {
		div, d, err := parseRow(rec)
		if err != nil {
			return err
		}
		if prev, dup := lineOf[div][d]; dup {
			return fmt.Errorf("%s %s already listed on line %d", div, d, prev)
		}
		lineOf[div][d] = line
		c.holidays[div][d] = true
		if rows == 0 {
			c.first, c.last = d.y, d.y
		}
		c.first, c.last = min(c.first, d.y), max(c.last, d.y)
		rows++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rows == 0 {
		return nil, errors.New("calendar: no holidays after the header")
	}

	for _, div := range divisions {
		years := map[int]bool{}
		for d := range c.holidays[div] {
			years[d.y] = true
		}
		for y := c.first; y <= c.last; y++ {
			if !years[y] {
				return nil, fmt.Errorf("calendar: %s has no holidays in %d, but the file covers %d-%d", div, y, c.first, c.last)
			}
		}
	}
	return c, nil
}

func parseRow(rec []string) (Division, day, error) {
	div := Division(strings.TrimSpace(rec[0]))
	if !slices.Contains(divisions, div) {
		return "", day{}, fmt.Errorf("unknown division %q", rec[0])
	}
	t, err := time.Parse("2006-01-02", strings.TrimSpace(rec[1]))
	if err != nil {
		return "", day{}, fmt.Errorf("invalid date %q: want a real date as YYYY-MM-DD", rec[1])
	}
	if strings.TrimSpace(rec[2]) == "" {
		return "", day{}, errors.New("title is blank")
	}
	// The flag is not used (a substitute day is a holiday like any other),
	// but a stray value suggests the columns have shifted.
	if s := strings.TrimSpace(rec[3]); s != "true" && s != "false" {
		return "", day{}, fmt.Errorf("substitute %q: want true or false", rec[3])
	}
	y, m, d := t.Date()
	return div, day{y, m, d}, nil
}

// Covers reports whether the UK date of t falls in a year the holiday data
// covers. Outside it, only weekends are known to be non-working days.
func (c *Calendar) Covers(t time.Time) bool {
	y := dayOf(t).y
	return c.first <= y && y <= c.last
}

// IsWorkingDay reports whether t falls, in London, on a weekday that is not a
// bank holiday in div. An unknown division has no holidays; use the
// constants or DivisionFor.
func (c *Calendar) IsWorkingDay(div Division, t time.Time) bool {
	return c.working(div, dayOf(t))
}

func (c *Calendar) working(div Division, d day) bool {
	return !d.weekend() && !c.holidays[div][d]
}

// AddWorkingDays returns the deadline n working days after from: the n-th
// working day after from's London date, at from's London wall-clock time,
// as a UTC instant. So Friday 15:00 plus one is Monday 15:00 London time, or
// Tuesday if Monday is a bank holiday, whichever side of a clock change.
// A from on a weekend or holiday counts from the next working day. For
// n <= 0 it returns from, in UTC.
//
// Beyond the covered years (see Covers) it skips weekends only instead of
// failing: a workflow deadline must always be computable, and the error is
// one-sided, since a missing holiday can only make the deadline earlier,
// never later. The result is exact when Covers(from) and Covers(result);
// callers storing a deadline should check that and raise an alert so the
// holiday CSV gets extended.
func (c *Calendar) AddWorkingDays(div Division, from time.Time, n int) time.Time {
	return c.stepWorkingDays(div, from, n, day.next)
}

// stepWorkingDays moves n working days from t, a day at a time by step,
// keeping t's London wall-clock time.
func (c *Calendar) stepWorkingDays(div Division, t time.Time, n int, step func(day) day) time.Time {
	if n <= 0 {
		return t.UTC()
	}
	local := t.In(London)
	d := dayOf(local)
	for n > 0 {
		d = step(d)
		if c.working(div, d) {
			n--
		}
	}
	// d is a weekday and UK clocks change on Sundays, so this wall-clock
	// time exists exactly once on d: no DST gap or overlap to resolve.
	h, m, s := local.Clock()
	return time.Date(d.y, d.m, d.d, h, m, s, local.Nanosecond(), London).UTC()
}

// WorkingDaysBefore is the instant n working days in div before t, at t's
// London wall-clock time: a reminder "five working days before the
// close". Like AddWorkingDays it skips only weekends outside the data.
func (c *Calendar) WorkingDaysBefore(div Division, t time.Time, n int) time.Time {
	return c.stepWorkingDays(div, t, n, day.prev)
}
