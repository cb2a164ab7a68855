package fund

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is an ISO-8601 duration limited to the forms a fund needs:
//
//	P[nW][nD][T[nH][nM][nS]]
//
// with non-negative whole numbers, e.g. P14D, P2W, PT30S, P1DT12H. Years and
// months (PnY, PnM) are rejected rather than approximated: their length
// varies, and a deadline that silently means 28 or 31 days is worse than
// asking the admin to write days.
//
// The date part and the time part stay separate because they mean different
// things to a deadline. Days and weeks are counted on the calendar the field
// names — working days for stage SLAs and query responses, calendar days for
// the offer window, milestone offsets and reminders — while the time part is
// always elapsed time, which is what lets a test fund run in seconds. A week
// is therefore not a fixed number of days: see WorkingDays and CalendarDays.
type Duration struct {
	weeks, days int
	clock       time.Duration
}

// maxDays bounds each part to about ten years, which no fund deadline
// approaches, so that arithmetic on the parts can never overflow.
const maxDays = 3660

// ParseDuration reads the ISO-8601 subset described on Duration.
func ParseDuration(s string) (Duration, error) {
	bad := func(why string) (Duration, error) {
		return Duration{}, fmt.Errorf("invalid duration %q: %s", s, why)
	}
	rest, ok := strings.CutPrefix(s, "P")
	if !ok {
		return bad("must start with P")
	}
	date, clock, hasT := strings.Cut(rest, "T")
	if date == "" && clock == "" {
		return bad("no parts")
	}
	if hasT && clock == "" {
		return bad("T must be followed by hours, minutes or seconds")
	}

	var d Duration
	if err := parts(date, "WD", &d.weeks, &d.days); err != nil {
		if strings.ContainsAny(date, "YM") {
			return bad("years and months are not supported because their length varies; use days or weeks")
		}
		return bad(err.Error())
	}
	var h, m, sec int
	if err := parts(clock, "HMS", &h, &m, &sec); err != nil {
		return bad(err.Error())
	}
	// Each part is bounded before it is scaled so nothing can overflow.
	const maxClock = maxDays * 24 * time.Hour
	if d.weeks*7 > maxDays || d.days > maxDays ||
		h > int(maxClock/time.Hour) || m > int(maxClock/time.Minute) || sec > int(maxClock/time.Second) {
		return bad("longer than ten years")
	}
	d.clock = time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second
	if d.clock > maxClock {
		return bad("longer than ten years")
	}
	return d, nil
}

// parts reads designated whole numbers such as "2W3D" into targets, which
// line up with designators; each designator may appear once, in order.
func parts(s, designators string, targets ...*int) error {
	next := 0
	for s != "" {
		i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 {
			return fmt.Errorf("expected a whole number before each designator")
		}
		pos := strings.IndexByte(designators[next:], s[i])
		if pos < 0 {
			return fmt.Errorf("unexpected, repeated or out-of-order %q", s[i])
		}
		// Nine digits already exceed every limit, and stop Atoi overflowing.
		if i > 9 {
			return fmt.Errorf("number too large")
		}
		next += pos + 1
		*targets[next-1], _ = strconv.Atoi(s[:i])
		s = s[i+1:]
	}
	return nil
}

// MustParseDuration is ParseDuration for literals in code, such as seeds.
func MustParseDuration(s string) Duration {
	d, err := ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

// WorkingDays is the date part counted in working days, a week being five
// of them, for fields whose days are working days.
func (d Duration) WorkingDays() int { return d.weeks*5 + d.days }

// CalendarDays is the date part counted in calendar days, a week being seven.
func (d Duration) CalendarDays() int { return d.weeks*7 + d.days }

// Clock is the time part, always elapsed time.
func (d Duration) Clock() time.Duration { return d.clock }

// IsZero reports whether d spans no time at all, which no deadline may.
func (d Duration) IsZero() bool { return d == Duration{} }

// AddCalendar moves t on by d read as calendar days then elapsed time. Days
// are added on the wall clock of t's location, so pass a Europe/London time
// for "14 days later" to keep its time of day across a clock change.
func (d Duration) AddCalendar(t time.Time) time.Time {
	return t.AddDate(0, 0, d.CalendarDays()).Add(d.clock)
}

// SubCalendar moves t back by d as AddCalendar moves it on, for a reminder
// d ahead of a deadline.
func (d Duration) SubCalendar(t time.Time) time.Time {
	return t.AddDate(0, 0, -d.CalendarDays()).Add(-d.clock)
}

// String renders d in canonical form: weeks and days as given, the time
// part normalised to hours, minutes and seconds (PT90M becomes PT1H30M), and
// PT0S for zero.
func (d Duration) String() string {
	if d.IsZero() {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteByte('P')
	part := func(n int, unit byte) {
		if n > 0 {
			b.WriteString(strconv.Itoa(n))
			b.WriteByte(unit)
		}
	}
	part(d.weeks, 'W')
	part(d.days, 'D')
	if d.clock > 0 {
		b.WriteByte('T')
		part(int(d.clock/time.Hour), 'H')
		part(int(d.clock%time.Hour/time.Minute), 'M')
		part(int(d.clock%time.Minute/time.Second), 'S')
	}
	return b.String()
}

// MarshalJSON writes d as its canonical ISO-8601 string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads an ISO-8601 string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be an ISO-8601 string such as \"P14D\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
