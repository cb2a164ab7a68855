package outcome

import (
	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/fund"
)

// Sample is a plausible report for everything milestone requires of an award
// on routes: size people onboarded, 60% of them active, and each mean moved
// a tenth of the way across its range in the improving direction, the
// follow-up over 70% of the baseline. Dev mode seeds awards with it and
// tests use it to build valid evidence; it is never a real figure.
func Sample(def fund.Definition, milestone string, routes []string, size int64) []fund.Figure {
	var out []fund.Figure
	for _, r := range def.Required(milestone, routes) {
		m, _ := def.Measure(r.Measure)
		f := fund.Figure{Measure: m.ID, Route: r.Route}
		switch m.Kind {
		case fund.KindCount:
			f.Count = size
			if m.ID != "people_onboarded" {
				f.Count = size * 6 / 10
			}
		case fund.KindProportion:
			f.Denominator, f.Numerator = size, size*6/10
		case fund.KindMean:
			span := int64(m.Max - m.Min)
			unit := int64(1)
			for range decimal.Places - m.DecimalPlaces {
				unit *= 10
			}
			round := func(x int64) decimal.Decimal { return decimal.Decimal(x / unit * unit) }
			base := int64(m.Min) + span*4/10
			step := span / 10
			if m.Direction == fund.Lower {
				base, step = int64(m.Min)+span*6/10, -step
			}
			f.BaselineN, f.FollowUpN = size, size*7/10
			f.BaselineMean, f.FollowUpMean = round(base), round(base+step)
		}
		out = append(out, f)
	}
	return out
}
