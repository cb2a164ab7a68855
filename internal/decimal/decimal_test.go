package decimal

import (
	"encoding/json"
	"testing"
)

func TestParseAndString(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Decimal
		out  string
	}{
		{"0", 0, "0"},
		{"72", 72000, "72"},
		{"72.5", 72500, "72.5"},
		{"72.50", 72500, "72.5"},
		{"-0.125", -125, "-0.125"},
		{"5.", 5000, "5"},
		{"0.001", 1, "0.001"},
		{"1000000000000", Max, "1000000000000"},
	} {
		got, err := Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", c.in, got, err, c.want)
			continue
		}
		if s := got.String(); s != c.out {
			t.Errorf("String(%d) = %q, want %q", got, s, c.out)
		}
	}
	for _, bad := range []string{"", "-", ".5", "1.2345", "1e3", "+1", "1,000", " 1", "1 ", "0x10", "NaN", "1000000000000.001", "99999999999999"} {
		if d, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %d, want an error", bad, d)
		}
	}
}

func TestFormatRoundsHalfAwayFromZero(t *testing.T) {
	for _, c := range []struct {
		d      Decimal
		places int
		want   string
	}{
		{72450, 1, "72.5"},
		{-72450, 1, "-72.5"},
		{72449, 1, "72.4"},
		{500, 0, "1"},
		{-499, 0, "0"},
		{-4, 2, "0.00"},
		{1234, 3, "1.234"},
		{1234, 2, "1.23"},
		{5, 2, "0.01"},
		{120000, 0, "120"},
		{7000, 2, "7.00"},
	} {
		if got := c.d.Format(c.places); got != c.want {
			t.Errorf("%d.Format(%d) = %q, want %q", c.d, c.places, got, c.want)
		}
	}
}

func TestPlaces(t *testing.T) {
	for d, want := range map[Decimal]int{0: 0, 72000: 0, 72500: 1, 72250: 2, -125: 3} {
		if got := d.Places(); got != want {
			t.Errorf("%d.Places() = %d, want %d", d, got, want)
		}
	}
}

func TestJSON(t *testing.T) {
	var v struct{ A, B Decimal }
	if err := json.Unmarshal([]byte(`{"A":"72.5","B":0.1}`), &v); err != nil || v.A != 72500 || v.B != 100 {
		t.Fatalf("got %+v, %v", v, err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"A":"72.5","B":"0.1"}` {
		t.Errorf("marshal = %s", b)
	}
	for _, bad := range []string{`{"A":1e2}`, `{"A":"x"}`, `{"A":true}`, `{"A":0.0001}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

func TestUngroup(t *testing.T) {
	for _, tc := range []struct {
		typed, want string
		ok          bool
	}{
		{"1234567.5", "1234567.5", true}, {"1,234,567.5", "1234567.5", true}, {"-1,234", "-1234", true}, {"12,345", "12345", true},
		{"1,00", "", false}, {"1,0000", "", false}, {",123", "", false}, {"1234,567", "", false}, {"1,,234", "", false}, {"a,234", "", false},
	} {
		if got, ok := Ungroup(tc.typed); got != tc.want || ok != tc.ok {
			t.Errorf("Ungroup(%q) = %q, %v; want %q, %v", tc.typed, got, ok, tc.want, tc.ok)
		}
	}
}
