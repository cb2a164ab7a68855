package calendar_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/calendar"
)

var (
	ew = calendar.EnglandAndWales
	sc = calendar.Scotland
	ni = calendar.NorthernIreland
)

func defaultCalendar(t *testing.T) *calendar.Calendar {
	t.Helper()
	c, err := calendar.Default()
	if err != nil {
		t.Fatalf("embedded calendar does not load: %v", err)
	}
	return c
}

func instant(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestDivisionFor(t *testing.T) {
	tests := []struct {
		nation string
		want   calendar.Division
		ok     bool
	}{
		{"England", ew, true},
		{"Wales", ew, true},
		{"Scotland", sc, true},
		{"Northern Ireland", ni, true},
		{"", "", false},
		{"england", "", false},
		{"Isle of Man", "", false},
	}
	for _, tt := range tests {
		got, ok := calendar.DivisionFor(tt.nation)
		if got != tt.want || ok != tt.ok {
			t.Errorf("DivisionFor(%q) = %q, %v; want %q, %v", tt.nation, got, ok, tt.want, tt.ok)
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		name string
		at   string
		want map[calendar.Division]bool
	}{
		{"ordinary Wednesday", "2026-06-10T12:00:00+01:00", map[calendar.Division]bool{ew: true, sc: true, ni: true}},
		{"Saturday", "2026-06-13T12:00:00+01:00", map[calendar.Division]bool{ew: false, sc: false, ni: false}},
		{"Sunday", "2026-06-14T12:00:00+01:00", map[calendar.Division]bool{ew: false, sc: false, ni: false}},
		{"Scotland's one-off World Cup holiday", "2026-06-15T09:00:00+01:00", map[calendar.Division]bool{ew: true, sc: false, ni: true}},
		{"Sunday 23:30 UTC is Monday in London", "2026-06-14T23:30:00Z", map[calendar.Division]bool{ew: true, sc: false, ni: true}},
		{"Monday 23:30 UTC is Tuesday in London", "2026-06-15T23:30:00Z", map[calendar.Division]bool{ew: true, sc: true, ni: true}},
		{"Good Friday", "2026-04-03T12:00:00+01:00", map[calendar.Division]bool{ew: false, sc: false, ni: false}},
		{"Easter Monday is not a Scottish holiday", "2026-04-06T12:00:00+01:00", map[calendar.Division]bool{ew: false, sc: true, ni: false}},
		{"Christmas Day", "2026-12-25T12:00:00Z", map[calendar.Division]bool{ew: false, sc: false, ni: false}},
		{"Boxing Day substitute", "2026-12-28T12:00:00Z", map[calendar.Division]bool{ew: false, sc: false, ni: false}},
		{"Christmas substitute", "2027-12-27T12:00:00Z", map[calendar.Division]bool{ew: false, sc: false, ni: false}},
		{"2nd January substitute", "2027-01-04T12:00:00Z", map[calendar.Division]bool{ew: true, sc: false, ni: true}},
		{"St Patrick's Day", "2026-03-17T12:00:00Z", map[calendar.Division]bool{ew: true, sc: true, ni: false}},
		{"Battle of the Boyne substitute", "2026-07-13T12:00:00+01:00", map[calendar.Division]bool{ew: true, sc: true, ni: false}},
		{"St Andrew's Day substitute", "2025-12-01T12:00:00Z", map[calendar.Division]bool{ew: true, sc: false, ni: true}},
		{"Scottish summer holiday is early August", "2026-08-03T12:00:00+01:00", map[calendar.Division]bool{ew: true, sc: false, ni: true}},
		{"English summer holiday is late August", "2026-08-31T12:00:00+01:00", map[calendar.Division]bool{ew: false, sc: true, ni: false}},
		{"beyond the data only weekends count", "2029-01-01T12:00:00Z", map[calendar.Division]bool{ew: true, sc: true, ni: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := instant(t, tt.at)
			for div, want := range tt.want {
				if got := c.IsWorkingDay(div, at); got != want {
					t.Errorf("%s: IsWorkingDay(%s) = %v, want %v", div, tt.at, got, want)
				}
			}
		})
	}
	if !c.IsWorkingDay(calendar.Division("atlantis"), instant(t, "2026-12-25T12:00:00Z")) {
		t.Error("an unknown division should have no holidays")
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		name string
		div  calendar.Division
		from string
		n    int
		want string // UTC
	}{
		{"Friday + 1 is Monday, same London time", ew, "2026-06-05T15:00:00+01:00", 1, "2026-06-08T14:00:00Z"},
		{"Friday + 1 skips a Monday holiday", ew, "2026-05-22T15:00:00+01:00", 1, "2026-05-26T14:00:00Z"},
		{"World Cup holiday skipped in Scotland", sc, "2026-06-12T15:00:00+01:00", 1, "2026-06-16T14:00:00Z"},
		{"World Cup holiday not skipped in England and Wales", ew, "2026-06-12T15:00:00+01:00", 1, "2026-06-15T14:00:00Z"},
		{"World Cup holiday not skipped in Northern Ireland", ni, "2026-06-12T15:00:00+01:00", 1, "2026-06-15T14:00:00Z"},
		{"spring clock change keeps 15:00 London", ew, "2026-03-27T15:00:00Z", 1, "2026-03-30T14:00:00Z"},
		{"autumn clock change keeps 15:00 London", ew, "2026-10-23T15:00:00+01:00", 1, "2026-10-26T15:00:00Z"},
		{"midnight-ish across the autumn change", sc, "2026-10-24T00:30:00+01:00", 1, "2026-10-26T00:30:00Z"},
		{"Easter: Good Friday and Monday skipped", ew, "2026-03-27T15:00:00Z", 5, "2026-04-07T14:00:00Z"},
		{"Easter Monday works in Scotland", sc, "2026-03-27T15:00:00Z", 5, "2026-04-06T14:00:00Z"},
		{"Easter Monday skipped in Northern Ireland", ni, "2026-04-02T10:00:00+01:00", 1, "2026-04-07T09:00:00Z"},
		{"Christmas and Boxing Day substitute 2026", ew, "2026-12-24T09:00:00Z", 1, "2026-12-29T09:00:00Z"},
		{"both Christmas substitutes 2027", ew, "2027-12-24T09:00:00Z", 1, "2027-12-29T09:00:00Z"},
		{"New Year substitute 2028", ew, "2027-12-31T09:00:00Z", 1, "2028-01-04T09:00:00Z"},
		{"New Year and 2nd January substitutes in Scotland", sc, "2027-12-31T09:00:00Z", 1, "2028-01-05T09:00:00Z"},
		{"2nd January substitute 2027 in Scotland only", sc, "2026-12-31T09:00:00Z", 1, "2027-01-05T09:00:00Z"},
		{"…but not in England and Wales", ew, "2026-12-31T09:00:00Z", 1, "2027-01-04T09:00:00Z"},
		{"St Patrick's Day", ni, "2026-03-16T09:00:00Z", 1, "2026-03-18T09:00:00Z"},
		{"from a Saturday counts from Monday", ew, "2026-06-13T10:00:00+01:00", 1, "2026-06-15T09:00:00Z"},
		{"from a Saturday in Scotland skips the holiday", sc, "2026-06-13T10:00:00+01:00", 1, "2026-06-16T09:00:00Z"},
		{"from a holiday counts from the next day", ew, "2026-04-06T10:00:00+01:00", 1, "2026-04-07T09:00:00Z"},
		{"the day is London's, not UTC's", ew, "2026-06-05T23:30:00Z", 1, "2026-06-07T23:30:00Z"},
		{"a whole year in England and Wales: 253 working days", ew, "2025-12-31T12:00:00Z", 253, "2026-12-31T12:00:00Z"},
		{"a whole year in Scotland: 251", sc, "2025-12-31T12:00:00Z", 251, "2026-12-31T12:00:00Z"},
		{"a whole year in Northern Ireland: 251", ni, "2025-12-31T12:00:00Z", 251, "2026-12-31T12:00:00Z"},
		{"sub-second precision kept", ew, "2026-06-05T15:00:00.123456789+01:00", 1, "2026-06-08T14:00:00.123456789Z"},
		{"beyond the data: New Year's Day 2029 not known", ew, "2028-12-29T12:00:00Z", 1, "2029-01-01T12:00:00Z"},
		{"n = 0 returns from", sc, "2026-06-15T09:00:00+01:00", 0, "2026-06-15T08:00:00Z"},
		{"negative n returns from", sc, "2026-06-15T09:00:00+01:00", -3, "2026-06-15T08:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingDays(tt.div, instant(t, tt.from), tt.n)
			if want := instant(t, tt.want); !got.Equal(want) {
				t.Errorf("AddWorkingDays(%s, %s, %d) = %s, want %s", tt.div, tt.from, tt.n, got, want)
			}
			if got.Location() != time.UTC {
				t.Errorf("result in %s, want UTC", got.Location())
			}
		})
	}
}

// TestAddWorkingDaysInvariants walks start times across the covered years,
// every 7 hours so that every hour of the day and both clock changes are hit.
func TestAddWorkingDaysInvariants(t *testing.T) {
	c := defaultCalendar(t)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2028, 12, 1, 0, 0, 0, 0, time.UTC)
	for from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC); from.Before(end); from = from.Add(7 * time.Hour) {
		for _, div := range []calendar.Division{ew, sc, ni} {
			n := 1 + from.YearDay()%15
			got := c.AddWorkingDays(div, from, n)
			if !c.IsWorkingDay(div, got) {
				t.Fatalf("%s %s + %d = %s, not a working day", div, from, n, got)
			}
			fl, gl := from.In(london), got.In(london)
			if fl.Hour() != gl.Hour() || fl.Minute() != gl.Minute() {
				t.Fatalf("%s %s + %d = %s: London time of day changed", div, fl, n, gl)
			}
			counted := 0
			fy, fm, fd := fl.Date()
			gy, gm, gd := gl.Date()
			last := time.Date(gy, gm, gd, 12, 0, 0, 0, london)
			for d := time.Date(fy, fm, fd+1, 12, 0, 0, 0, london); !d.After(last); d = d.AddDate(0, 0, 1) {
				if c.IsWorkingDay(div, d) {
					counted++
				}
			}
			if counted != n {
				t.Fatalf("%s %s + %d = %s spans %d working days", div, fl, n, gl, counted)
			}
		}
	}
}

func TestCovers(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		at   string
		want bool
	}{
		{"2024-12-31T23:59:59Z", false},
		{"2025-01-01T00:00:00Z", true},
		{"2026-11-24T12:00:00Z", true},
		{"2028-12-31T23:59:59Z", true},
		{"2029-01-01T00:00:00Z", false},
		{"2028-12-31T23:30:00-05:00", false}, // already 2029 in London
	}
	for _, tt := range tests {
		if got := c.Covers(instant(t, tt.at)); got != tt.want {
			t.Errorf("Covers(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

// TestEmbeddedData checks the shipped CSV against facts about UK bank
// holidays, independently of the parser: a typo in a date would otherwise
// move a deadline without any test noticing.
func TestEmbeddedData(t *testing.T) {
	c := defaultCalendar(t)
	f, err := os.Open("uk_bank_holidays.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	perYear := map[string]int{}
	for _, rec := range recs[1:] {
		div, date, title, substitute := calendar.Division(rec[0]), rec[1], rec[2], rec[3] == "true"
		d, err := time.Parse("2006-01-02", date)
		if err != nil {
			t.Fatal(err)
		}
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("%s %s %s falls on a %s", div, date, title, wd)
		}
		if substitute && d.Weekday() != time.Monday && d.Weekday() != time.Tuesday {
			t.Errorf("%s %s %s is a substitute on a %s", div, date, title, d.Weekday())
		}
		noonLondon := d.Add(11 * time.Hour) // 11:00 or 12:00 London: the same day either way
		if c.IsWorkingDay(div, noonLondon) {
			t.Errorf("%s %s %s is treated as a working day", div, date, title)
		}
		perYear[fmt.Sprintf("%s %d", div, d.Year())]++
	}
	for y := 2025; y <= 2028; y++ {
		wantScotland := 9
		if y == 2026 {
			wantScotland = 10 // World Cup bank holiday
		}
		for div, want := range map[calendar.Division]int{ew: 8, sc: wantScotland, ni: 10} {
			if got := perYear[fmt.Sprintf("%s %d", div, y)]; got != want {
				t.Errorf("%s has %d holidays in %d, want %d", div, got, y, want)
			}
		}
	}
}

func TestLoadRejects(t *testing.T) {
	const header = "division,date,title,substitute\n"
	const all = "england-and-wales,2026-01-01,New Year’s Day,false\n" +
		"scotland,2026-01-01,New Year’s Day,false\n" +
		"northern-ireland,2026-01-01,New Year’s Day,false\n"
	tests := []struct {
		name, csv, want string
	}{
		{"empty", "", "empty input"},
		{"wrong header", "division,day,title,substitute\n" + all, "line 1: header"},
		{"no rows", header, "no holidays"},
		{"field count", header + all + "scotland,2026-01-02\n", "line 5: wrong number of fields"},
		{"unknown division", header + all + "wales,2026-03-01,St David’s Day,false\n", `line 5: unknown division "wales"`},
		{"bad date", header + "scotland,02/01/2026,2nd January,false\n" + all, `line 2: invalid date "02/01/2026"`},
		{"impossible date", header + all + "scotland,2026-02-29,Leap,false\n", `line 5: invalid date "2026-02-29"`},
		{"blank title", header + all + "scotland,2026-01-02, ,false\n", "line 5: title is blank"},
		{"bad substitute", header + all + "scotland,2026-01-02,2nd January,yes\n", `line 5: substitute "yes"`},
		{"duplicate", header + all + "scotland,2026-01-01,Hogmanay,false\n", "line 5: scotland 2026-01-01 already listed on line 3"},
		{"division missing", header + "england-and-wales,2026-01-01,New Year’s Day,false\n", "scotland has no holidays in 2026"},
		{"year missing for one division", header + all +
			"england-and-wales,2027-01-01,New Year’s Day,false\n" +
			"scotland,2027-01-01,New Year’s Day,false\n", "northern-ireland has no holidays in 2027"},
		{"gap year", header + all +
			"england-and-wales,2028-01-03,New Year’s Day,true\n" +
			"scotland,2028-01-03,New Year’s Day,true\n" +
			"northern-ireland,2028-01-03,New Year’s Day,true\n", "england-and-wales has no holidays in 2027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := calendar.Load(strings.NewReader(tt.csv))
			if err == nil {
				t.Fatalf("loaded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadSmallFile(t *testing.T) {
	c, err := calendar.Load(strings.NewReader("\ufeffdivision,date,title,substitute\n" +
		"england-and-wales,2030-05-06,Early May bank holiday,false\n" +
		"scotland, 2030-05-06 ,Early May bank holiday,false\n" +
		"northern-ireland,2030-03-18,St Patrick’s Day,true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Covers(instant(t, "2030-06-01T00:00:00Z")) || c.Covers(instant(t, "2029-12-31T12:00:00Z")) {
		t.Error("coverage should be exactly 2030")
	}
	if c.IsWorkingDay(sc, instant(t, "2030-05-06T12:00:00+01:00")) {
		t.Error("padded date not loaded")
	}
	if got := c.AddWorkingDays(ni, instant(t, "2030-03-15T17:00:00Z"), 1); !got.Equal(instant(t, "2030-03-19T17:00:00Z")) {
		t.Errorf("got %s", got)
	}
}

func TestDefaultConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	cals := make([]*calendar.Calendar, 8)
	for i := range cals {
		wg.Go(func() {
			c, err := calendar.Default()
			if err != nil {
				t.Error(err)
				return
			}
			c.AddWorkingDays(sc, time.Date(2026, 6, 12, 15, 0, 0, 0, time.UTC), 3)
			cals[i] = c
		})
	}
	wg.Wait()
	for _, c := range cals[1:] {
		if c != cals[0] {
			t.Fatal("Default parsed the embedded data more than once")
		}
	}
}

// Every date the record, messages, letters and reports state is London's,
// in summer and in winter, whatever zone the instant came in.
func TestLongDateAndLongTimeAreLondons(t *testing.T) {
	for in, want := range map[string][2]string{
		"2026-06-05T23:30:00Z":      {"6 June 2026", "00:30 on 6 June 2026"},
		"2026-12-01T17:00:00Z":      {"1 December 2026", "17:00 on 1 December 2026"},
		"2026-03-29T00:59:00-05:00": {"29 March 2026", "06:59 on 29 March 2026"},
	} {
		at, err := time.Parse(time.RFC3339, in)
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]string{calendar.LongDate(at), calendar.LongTime(at)}; got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
	if calendar.London.String() != "Europe/London" {
		t.Errorf("London is %s", calendar.London)
	}
}

func TestWorkingDaysBeforeSkipsWeekendsAndHolidays(t *testing.T) {
	c, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	// Tuesday 29 December 2026, noon: the working days before it in
	// England are Thursday 24 (the 25th and the 28th, Boxing Day's
	// substitute, are bank holidays) and Wednesday 23.
	close := time.Date(2026, 12, 29, 12, 0, 0, 0, calendar.London)
	for n, want := range map[int]time.Time{
		0: close,
		1: time.Date(2026, 12, 24, 12, 0, 0, 0, calendar.London),
		2: time.Date(2026, 12, 23, 12, 0, 0, 0, calendar.London),
	} {
		if got := c.WorkingDaysBefore(calendar.EnglandAndWales, close, n); !got.Equal(want) {
			t.Errorf("%d working days before %v = %v, want %v", n, close, got, want)
		}
	}
}
