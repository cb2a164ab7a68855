package application

import (
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/fund"
)

// Deadline is d after from, read as a stage SLA or query response time: its
// days are working days in div (calendar.AddWorkingDays) and its time part
// is elapsed time added after them.
func Deadline(cal *calendar.Calendar, div calendar.Division, from time.Time, d fund.Duration) time.Time {
	return cal.AddWorkingDays(div, from, d.WorkingDays()).Add(d.Clock()).UTC()
}

// Pause is a span when a stage clock stood still, such as while a query was
// open. To is zero while the pause lasts.
type Pause struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// StageClock times one stage (eligibility, assessment, panel) against its
// SLA, stopping while the stage waits on the applicant.
//
// A pause gives back exactly the time it took from the stage, measured in
// the SLA's own currency:
//
//   - An SLA with days is working time. Every working day in div counts in
//     full, 00:00 to 24:00 UK time, and weekends and bank holidays count
//     nothing. The due time is Deadline(start) moved on by the working
//     time spent paused, so the working time left when the clock stopped
//     is the working time left when it restarts. A query open from Friday
//     16:00 to Monday 10:00 gives back 18 hours, not 66: the weekend would
//     not have counted anyway.
//   - An SLA with no days (PT30S, for short test funds) is elapsed time,
//     and so is its pause; it has no working days to count.
//
// The zero StageClock is not usable; start one with NewStageClock.
type StageClock struct {
	Start    time.Time         `json:"start"`
	SLA      fund.Duration     `json:"sla"`
	Division calendar.Division `json:"division"`
	Pauses   []Pause           `json:"pauses,omitempty"`
}

// NewStageClock starts a clock at start for an applicant whose bank
// holidays are div's (see calendar.DivisionFor).
func NewStageClock(start time.Time, sla fund.Duration, div calendar.Division) StageClock {
	return StageClock{Start: start.UTC(), SLA: sla, Division: div}
}

// Paused reports whether the clock is stopped.
func (c StageClock) Paused() bool {
	return len(c.Pauses) > 0 && c.Pauses[len(c.Pauses)-1].To.IsZero()
}

// Pause stops the clock at at.
func (c *StageClock) Pause(at time.Time) error {
	since := c.Start
	if n := len(c.Pauses); n > 0 {
		since = c.Pauses[n-1].To
	}
	switch {
	case c.Paused():
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "the stage clock is already paused")
	case at.Before(since):
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "cannot pause the stage clock at %s, before it last started at %s",
			at.UTC().Format(time.RFC3339), since.Format(time.RFC3339))
	}
	c.Pauses = append(c.Pauses, Pause{From: at.UTC()})
	return nil
}

// Resume restarts the clock at at.
func (c *StageClock) Resume(at time.Time) error {
	if !c.Paused() {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "the stage clock is not paused")
	}
	p := &c.Pauses[len(c.Pauses)-1]
	if at.Before(p.From) {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "cannot resume the stage clock at %s, before it was paused at %s",
			at.UTC().Format(time.RFC3339), p.From.Format(time.RFC3339))
	}
	p.To = at.UTC()
	return nil
}

// Due is when the stage's SLA runs out, or false while the clock is paused,
// when there is no due time to wait for.
func (c StageClock) Due(cal *calendar.Calendar) (time.Time, bool) {
	if c.Paused() {
		return time.Time{}, false
	}
	if c.SLA.WorkingDays() == 0 {
		due := c.Start.Add(c.SLA.Clock())
		for _, p := range c.Pauses {
			due = due.Add(p.To.Sub(p.From))
		}
		return due.UTC(), true
	}
	var paused time.Duration
	for _, p := range c.Pauses {
		paused += workingTime(cal, c.Division, p.From, p.To)
	}
	base := cal.AddWorkingDays(c.Division, c.Start, c.SLA.WorkingDays())
	return addWorkingTime(cal, c.Division, base, paused).Add(c.SLA.Clock()).UTC(), true
}

// Reminder is before ahead of Due, before's days being calendar days as
// fund.Definition.ReminderBefore says. It is false while paused, and when
// the reminder would not fall after the stage started: an SLA shorter than
// its reminder would otherwise remind at once.
func (c StageClock) Reminder(cal *calendar.Calendar, before fund.Duration) (time.Time, bool) {
	due, ok := c.Due(cal)
	if !ok {
		return time.Time{}, false
	}
	// Days back on the UK wall clock keep the time of day across a clock change.
	at := before.SubCalendar(due.In(calendar.London)).UTC()
	return at, at.After(c.Start)
}

// nextMidnight is the start of the UK day after t's.
func nextMidnight(t time.Time) time.Time {
	y, m, d := t.In(calendar.London).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, calendar.London)
}

// workingTime is how much of [from, to) falls on working days in div. UK
// clocks change on Sundays, so every working day is 24 hours long.
func workingTime(cal *calendar.Calendar, div calendar.Division, from, to time.Time) time.Duration {
	var w time.Duration
	for t := from; t.Before(to); {
		next := nextMidnight(t)
		if cal.IsWorkingDay(div, t) {
			end := next
			if to.Before(end) {
				end = to
			}
			w += end.Sub(t)
		}
		t = next
	}
	return w
}

// addWorkingTime moves t on by w of working time, so that
// workingTime(t, result) == w.
func addWorkingTime(cal *calendar.Calendar, div calendar.Division, t time.Time, w time.Duration) time.Time {
	for w > 0 {
		next := nextMidnight(t)
		if cal.IsWorkingDay(div, t) {
			if left := next.Sub(t); w <= left {
				return t.Add(w)
			}
			w -= next.Sub(t)
		}
		t = next
	}
	return t
}
