package application

import (
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/fund"
)

var (
	ew  = calendar.EnglandAndWales
	sco = calendar.Scotland
	iso = fund.MustParseDuration
)

func TestDeadline(t *testing.T) {
	c := cal(t)
	tests := []struct {
		name, from, sla string
		div             calendar.Division
		want            string
	}{
		// Fri 1 May counts, Mon 4 May is a bank holiday, so the fifth
		// working day after Thu 30 April is Fri 8 May, same wall time.
		{"over a bank holiday", "2026-04-30T09:00:00Z", "P5D", ew, "2026-05-08T09:00:00Z"},
		{"a week is five working days", "2026-04-30T09:00:00Z", "P1W", ew, "2026-05-08T09:00:00Z"},
		// 2 January is a holiday in Scotland only.
		{"England and Wales at new year", "2025-12-31T10:00:00Z", "P5D", ew, "2026-01-08T10:00:00Z"},
		{"Scotland at new year", "2025-12-31T10:00:00Z", "P5D", sco, "2026-01-09T10:00:00Z"},
		{"time part is elapsed, after the days", "2026-04-30T09:00:00Z", "P1DT12H", ew, "2026-05-01T21:00:00Z"},
		{"time only", "2026-05-02T09:00:00Z", "PT30S", ew, "2026-05-02T09:00:30Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Deadline(c, tt.div, at(t, tt.from), iso(tt.sla))
			if !got.Equal(at(t, tt.want)) || got.Location() != time.UTC {
				t.Errorf("Deadline = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestStageClockDue(t *testing.T) {
	c := cal(t)
	type pause struct{ from, to string }
	tests := []struct {
		name   string
		start  string
		sla    string
		div    calendar.Division
		pauses []pause
		want   string
	}{
		{"no pause is the deadline", "2026-04-30T09:00:00Z", "P5D", ew, nil, "2026-05-08T09:00:00Z"},
		{
			// Two hours of a working day are given back.
			"pause inside a working day", "2026-04-30T09:00:00Z", "P5D", ew,
			[]pause{{"2026-05-05T10:00:00Z", "2026-05-05T12:00:00Z"}}, "2026-05-08T11:00:00Z",
		},
		{
			// Fri 16:00 BST to Tue 10:00 BST over a weekend and a bank
			// holiday gives back 8h + 10h = 18h: from Fri 8 May 10:00 BST,
			// 14h ends Friday, and the last 4h run to Mon 11 May 04:00 BST.
			"pause over a weekend and a bank holiday", "2026-04-30T09:00:00Z", "P5D", ew,
			[]pause{{"2026-05-01T15:00:00Z", "2026-05-05T09:00:00Z"}}, "2026-05-11T03:00:00Z",
		},
		{
			"pause only at the weekend gives nothing back", "2026-04-30T09:00:00Z", "P5D", ew,
			[]pause{{"2026-05-02T08:00:00Z", "2026-05-03T20:00:00Z"}}, "2026-05-08T09:00:00Z",
		},
		{
			"pauses add up", "2026-04-30T09:00:00Z", "P5D", ew,
			[]pause{{"2026-05-05T10:00:00Z", "2026-05-05T11:00:00Z"}, {"2026-05-06T10:00:00Z", "2026-05-06T12:00:00Z"}},
			"2026-05-08T12:00:00Z",
		},
		{
			// England and Wales: 12h on 31 Dec, all of 2 Jan, 12h on 5 Jan
			// is 48h back from Thu 8 Jan 10:00: 14h, 24h, then 10h on Mon.
			"England and Wales gives back 2 January", "2025-12-31T10:00:00Z", "P5D", ew,
			[]pause{{"2025-12-31T12:00:00Z", "2026-01-05T12:00:00Z"}}, "2026-01-12T10:00:00Z",
		},
		{
			// Scotland: only 24h back, from a deadline a day later.
			"Scotland does not", "2025-12-31T10:00:00Z", "P5D", sco,
			[]pause{{"2025-12-31T12:00:00Z", "2026-01-05T12:00:00Z"}}, "2026-01-12T10:00:00Z",
		},
		{
			"Scotland, same pause, shorter SLA", "2025-12-31T10:00:00Z", "P1D", sco,
			[]pause{{"2025-12-31T12:00:00Z", "2026-01-05T12:00:00Z"}}, "2026-01-06T10:00:00Z",
		},
		{
			// A time-only SLA runs in elapsed time, pauses too, even at
			// the weekend.
			"elapsed SLA, elapsed pause", "2026-05-02T09:00:00Z", "PT30S", ew,
			[]pause{{"2026-05-02T09:00:10Z", "2026-05-02T09:00:25Z"}}, "2026-05-02T09:00:45Z",
		},
		{
			"time part after the shifted days", "2026-04-30T09:00:00Z", "P1DT12H", ew,
			[]pause{{"2026-04-30T10:00:00Z", "2026-04-30T11:00:00Z"}}, "2026-05-01T22:00:00Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := NewStageClock(at(t, tt.start), iso(tt.sla), tt.div)
			for _, p := range tt.pauses {
				if err := clk.Pause(at(t, p.from)); err != nil {
					t.Fatal(err)
				}
				if _, ok := clk.Due(c); ok || !clk.Paused() {
					t.Error("a paused clock has a due time")
				}
				if err := clk.Resume(at(t, p.to)); err != nil {
					t.Fatal(err)
				}
			}
			got, ok := clk.Due(c)
			if !ok || !got.Equal(at(t, tt.want)) {
				t.Errorf("Due = %v, %v; want %s", got, ok, tt.want)
			}
		})
	}
}

func TestWorkingTime(t *testing.T) {
	c := cal(t)
	from, to := at(t, "2025-12-31T12:00:00Z"), at(t, "2026-01-05T12:00:00Z")
	if got := workingTime(c, ew, from, to); got != 48*time.Hour {
		t.Errorf("England and Wales: %v", got)
	}
	if got := workingTime(c, sco, from, to); got != 24*time.Hour {
		t.Errorf("Scotland: %v", got)
	}
	if got := workingTime(c, ew, to, from); got != 0 {
		t.Errorf("backwards: %v", got)
	}
}

func TestStageClockRefusals(t *testing.T) {
	start := at(t, "2026-05-05T09:00:00Z")
	clk := NewStageClock(start, iso("P5D"), ew)
	if err := clk.Resume(start); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("resumed a running clock: %v", err)
	}
	if err := clk.Pause(start.Add(-time.Second)); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("paused before the start: %v", err)
	}
	if err := clk.Pause(start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := clk.Pause(start.Add(2 * time.Hour)); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("paused twice: %v", err)
	}
	if err := clk.Resume(start.Add(time.Minute)); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("resumed before the pause: %v", err)
	}
	if err := clk.Resume(start.Add(3 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := clk.Pause(start.Add(2 * time.Hour)); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("paused before the last resume: %v", err)
	}
	if len(clk.Pauses) != 1 {
		t.Errorf("refusals changed the clock: %+v", clk.Pauses)
	}
}

func TestStageClockReminder(t *testing.T) {
	c := cal(t)
	tests := []struct {
		name, start, sla, before string
		want                     string // "" for no reminder
	}{
		{"two days before", "2026-04-30T09:00:00Z", "P5D", "P2D", "2026-05-06T09:00:00Z"},
		// Due Tue 31 March 09:00 BST (the start's 09:00 GMT wall time); two
		// days back is Sun 29 March, the day the clocks change, still at
		// 09:00 on the wall clock.
		{"across a clock change", "2026-03-24T09:00:00Z", "P5D", "P2D", "2026-03-29T08:00:00Z"},
		{"time part", "2026-05-02T09:00:00Z", "PT30S", "PT10S", "2026-05-02T09:00:20Z"},
		{"longer than the SLA", "2026-05-02T09:00:00Z", "PT30S", "P2D", ""},
		{"exactly the SLA", "2026-05-02T09:00:00Z", "PT30S", "PT30S", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := NewStageClock(at(t, tt.start), iso(tt.sla), ew)
			got, ok := clk.Reminder(c, iso(tt.before))
			switch {
			case tt.want == "" && ok:
				t.Errorf("Reminder = %v, want none", got)
			case tt.want != "" && (!ok || !got.Equal(at(t, tt.want))):
				t.Errorf("Reminder = %v, %v; want %s", got, ok, tt.want)
			}
		})
	}
	clk := NewStageClock(at(t, "2026-04-30T09:00:00Z"), iso("P5D"), ew)
	_ = clk.Pause(at(t, "2026-05-01T09:00:00Z"))
	if _, ok := clk.Reminder(c, iso("P2D")); ok {
		t.Error("a paused clock has a reminder")
	}
}

func TestStageClockJSON(t *testing.T) {
	clk := NewStageClock(at(t, "2026-04-30T09:00:00Z"), iso("P1DT12H"), sco)
	_ = clk.Pause(at(t, "2026-05-01T09:00:00Z"))
	var back StageClock
	roundTrip(t, clk, &back)
	if back.SLA != clk.SLA || !back.Start.Equal(clk.Start) || back.Division != sco || !back.Paused() {
		t.Errorf("round trip: %+v", back)
	}
}

// TestPauseGivesBackWorkingTime checks the rule StageClock documents: the
// working time left when the clock stops is the working time left when it
// restarts, whatever weekends, holidays and clock changes lie between.
func TestPauseGivesBackWorkingTime(t *testing.T) {
	c := cal(t)
	year := at(t, "2026-01-01T00:00:00Z")
	minutes := func(max int) *rapid.Generator[time.Duration] {
		return rapid.Custom(func(t *rapid.T) time.Duration {
			return time.Duration(rapid.IntRange(0, max).Draw(t, "minutes")) * time.Minute
		})
	}
	rapid.Check(t, func(t *rapid.T) {
		div := rapid.SampledFrom([]calendar.Division{ew, sco, calendar.NorthernIreland}).Draw(t, "division")
		start := year.Add(minutes(360*24*60).Draw(t, "start"))
		days := rapid.IntRange(1, 20).Draw(t, "days")
		clk := NewStageClock(start, iso("P"+strconv.Itoa(days)+"D"), div)
		due, _ := clk.Due(c)

		pause := start.Add(minutes(30*24*60).Draw(t, "pause_after"))
		if pause.After(due) {
			t.Skip("paused after the deadline")
		}
		resume := pause.Add(minutes(20*24*60).Draw(t, "paused_for"))
		left := workingTime(c, div, pause, due)
		if err := clk.Pause(pause); err != nil {
			t.Fatal(err)
		}
		if err := clk.Resume(resume); err != nil {
			t.Fatal(err)
		}
		newDue, _ := clk.Due(c)
		if got := workingTime(c, div, resume, newDue); got != left {
			t.Fatalf("%v working time left at the pause, %v at the resume (due %v -> %v)", left, got, due, newDue)
		}
		if newDue.Before(due) {
			t.Fatalf("a pause brought the deadline forward: %v -> %v", due, newDue)
		}
	})
}

func TestAddWorkingTimeInvertsWorkingTime(t *testing.T) {
	c := cal(t)
	year := at(t, "2026-01-01T00:00:00Z")
	rapid.Check(t, func(t *rapid.T) {
		from := year.Add(time.Duration(rapid.IntRange(0, 360*24*60).Draw(t, "from")) * time.Minute)
		w := time.Duration(rapid.IntRange(0, 20*24*60).Draw(t, "w")) * time.Minute
		to := addWorkingTime(c, ew, from, w)
		if got := workingTime(c, ew, from, to); got != w {
			t.Fatalf("workingTime(%v, addWorkingTime(%v)) = %v", from, w, got)
		}
	})
}
