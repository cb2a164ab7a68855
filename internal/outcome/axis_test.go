package outcome

import (
	"testing"

	"github.com/fundflow/fundflow/internal/decimal"
)

func TestAxis(t *testing.T) {
	for _, tc := range []struct {
		values       []string
		fromZero     bool
		lo, hi, step string
	}{
		{[]string{"0", "900", "1200"}, true, "0", "1500", "500"},
		{[]string{"41.2", "44.6"}, false, "41", "45", "1"},
		{[]string{"138", "134"}, false, "133", "139", "1"},
		{[]string{"5", "5"}, false, "4.8", "5.2", "0.2"},
		{[]string{"0"}, true, "0", "1", "1"},
		{[]string{"-3.5", "2"}, false, "-4", "4", "2"},
	} {
		var vs []decimal.Decimal
		for _, s := range tc.values {
			vs = append(vs, d(s))
		}
		a := NewAxis(vs, tc.fromZero)
		if a.Lo != d(tc.lo) || a.Hi != d(tc.hi) || a.Step != d(tc.step) {
			t.Errorf("NewAxis(%v) = %s..%s by %s, want %s..%s by %s", tc.values, a.Lo, a.Hi, a.Step, tc.lo, tc.hi, tc.step)
		}
		for _, v := range vs {
			if v < a.Lo || v > a.Hi {
				t.Errorf("NewAxis(%v) leaves out %s", tc.values, v)
			}
		}
	}
	a := Axis{Lo: 0, Hi: d("100"), Step: d("25")}
	if got := a.Pos(d("50"), 800); got != 400 {
		t.Errorf("Pos = %d", got)
	}
	if got := len(a.Ticks()); got != 5 {
		t.Errorf("ticks %v", a.Ticks())
	}
}
