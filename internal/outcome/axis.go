package outcome

import "github.com/fundflow/fundflow/internal/decimal"

// Axis is a chart's scale: round numbers from Lo to Hi in steps of Step
// that take in every value charted. The dashboard's SVG and the evaluation
// report's PDF both draw on it, so their charts agree.
type Axis struct {
	Lo, Hi, Step decimal.Decimal
}

// NewAxis fits about four steps around values; fromZero starts it at 0
// (a count of people), else it hugs the values, so a change of 2 mmHg on a
// reading of 130 can be seen.
func NewAxis(values []decimal.Decimal, fromZero bool) Axis {
	if len(values) == 0 {
		return Axis{Lo: 0, Hi: decimal.FromInt(1), Step: decimal.FromInt(1)}
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	if fromZero {
		lo = min(lo, 0)
	}
	span := hi - lo
	if span <= 0 {
		span = max(abs(hi)/10, 1)
	}
	step := niceStep(span / 4)
	if fromZero {
		// Whole people (or points of a percentage) at least.
		step = max(step, decimal.Scale)
	}
	a := Axis{Lo: floorTo(lo, step), Hi: ceilTo(hi, step), Step: step}
	switch {
	case fromZero:
		if a.Hi == a.Lo {
			a.Hi += step
		}
	case hi == lo:
		a.Lo, a.Hi = a.Lo-step, a.Hi+step
	default:
		// A value on the edge of the plot is hard to see.
		if a.Lo == lo {
			a.Lo -= step
		}
		if a.Hi == hi {
			a.Hi += step
		}
	}
	return a
}

// Pos is where v falls on a length of size, from Lo at 0.
func (a Axis) Pos(v decimal.Decimal, size int64) int64 {
	if a.Hi <= a.Lo {
		return 0
	}
	return int64(v-a.Lo) * size / int64(a.Hi-a.Lo)
}

// Ticks are the axis's round numbers, Lo to Hi.
func (a Axis) Ticks() []decimal.Decimal {
	var out []decimal.Decimal
	for v := a.Lo; v <= a.Hi && len(out) < 20; v += a.Step {
		out = append(out, v)
	}
	return out
}

// Places is how many decimal places the ticks need.
func (a Axis) Places() int { return max(a.Lo.Places(), a.Step.Places()) }

// niceStep is the smallest 1, 2 or 5 × 10ⁿ (in thousandths, at least one
// thousandth) not below x.
func niceStep(x decimal.Decimal) decimal.Decimal {
	for p := decimal.Decimal(1); ; p *= 10 {
		for _, m := range []decimal.Decimal{1, 2, 5} {
			if m*p >= x {
				return m * p
			}
		}
	}
}

func floorTo(v, step decimal.Decimal) decimal.Decimal {
	q := v / step
	if v%step != 0 && v < 0 {
		q--
	}
	return q * step
}

func ceilTo(v, step decimal.Decimal) decimal.Decimal {
	q := v / step
	if v%step != 0 && v > 0 {
		q++
	}
	return q * step
}

func abs(v decimal.Decimal) decimal.Decimal {
	if v < 0 {
		return -v
	}
	return v
}
