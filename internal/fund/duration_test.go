package fund

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in                string
		working, calendar int
		clock             time.Duration
		canonical         string
	}{
		{"P14D", 14, 14, 0, "P14D"},
		{"P2W", 10, 14, 0, "P2W"},
		{"P1W2D", 7, 9, 0, "P1W2D"},
		{"PT30S", 0, 0, 30 * time.Second, "PT30S"},
		{"PT90M", 0, 0, 90 * time.Minute, "PT1H30M"},
		{"P1DT12H", 1, 1, 12 * time.Hour, "P1DT12H"},
		{"PT1H0M5S", 0, 0, time.Hour + 5*time.Second, "PT1H5S"},
		{"P0D", 0, 0, 0, "PT0S"},
		{"P007D", 7, 7, 0, "P7D"},
		{"P3660D", 3660, 3660, 0, "P3660D"},
	}
	for _, tt := range tests {
		d, err := ParseDuration(tt.in)
		if err != nil {
			t.Errorf("ParseDuration(%q): %v", tt.in, err)
			continue
		}
		if d.WorkingDays() != tt.working || d.CalendarDays() != tt.calendar || d.Clock() != tt.clock {
			t.Errorf("ParseDuration(%q) = %d working, %d calendar, %v; want %d, %d, %v",
				tt.in, d.WorkingDays(), d.CalendarDays(), d.Clock(), tt.working, tt.calendar, tt.clock)
		}
		if got := d.String(); got != tt.canonical {
			t.Errorf("ParseDuration(%q).String() = %q, want %q", tt.in, got, tt.canonical)
		}
	}
}

func TestParseDurationRejects(t *testing.T) {
	for _, in := range []string{
		"", "P", "PT", "P1DT", "14D", "p14d", "P1Y", "P2M", "P1Y2M3D", "P-1D", "P+1D", "P1.5D",
		"PT0.5S", "P1D2W", "P1D1D", "PT1S1M", "P1H", "PT1D", "P1DT1H1M1S1", "P1 D", "PT1W",
		"P3661D", "P523W", "PT87841H", "PT9999999999S", "P1000000000D",
	} {
		if d, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	var v struct {
		D Duration `json:"d"`
	}
	if err := json.Unmarshal([]byte(`{"d":"PT90M"}`), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"d":"PT1H30M"}` {
		t.Errorf("marshalled %s", b)
	}
	for _, bad := range []string{`{"d":14}`, `{"d":"P1M"}`, `{"d":null}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}

func TestAddCalendarKeepsWallClockAcrossClockChange(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	// The clocks go back on 25 October 2026.
	start := time.Date(2026, 10, 20, 17, 0, 0, 0, london)
	got := MustParseDuration("P14DT30M").AddCalendar(start)
	want := time.Date(2026, 11, 3, 17, 30, 0, 0, london)
	if !got.Equal(want) {
		t.Errorf("AddCalendar = %v, want %v", got, want)
	}
}

// A reminder d ahead of a deadline keeps the deadline's time of day, as
// AddCalendar does going forwards.
func TestSubCalendarKeepsWallClockAcrossClockChange(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	// The clocks go back on 25 October 2026.
	due := time.Date(2026, 10, 27, 9, 0, 0, 0, london)
	if got, want := MustParseDuration("P3D").SubCalendar(due), time.Date(2026, 10, 24, 9, 0, 0, 0, london); !got.Equal(want) {
		t.Errorf("SubCalendar = %v, want %v", got, want)
	}
	if got, want := MustParseDuration("P1WT30M").SubCalendar(due), time.Date(2026, 10, 20, 8, 30, 0, 0, london); !got.Equal(want) {
		t.Errorf("SubCalendar = %v, want %v", got, want)
	}
	start := time.Date(2026, 10, 20, 17, 0, 0, 0, london)
	if d := MustParseDuration("P14D"); !d.SubCalendar(d.AddCalendar(start)).Equal(start) {
		t.Error("SubCalendar does not undo AddCalendar")
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"P14D", "P2W3DT4H5M6S", "PT30S", "P1Y", "PT", "P00W0DT0H0M0S", "PT9999S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		canon := d.String()
		again, err := ParseDuration(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if again != d || again.String() != canon {
			t.Fatalf("%q → %q → %v, want %v", s, canon, again, d)
		}
		if d.WorkingDays() < 0 || d.CalendarDays() < d.WorkingDays() || d.Clock() < 0 {
			t.Fatalf("%q has impossible parts %d/%d/%v", s, d.WorkingDays(), d.CalendarDays(), d.Clock())
		}
	})
}
