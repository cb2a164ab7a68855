package fund

import (
	"slices"
	"strings"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/decimal"
)

// Figure is one aggregate figure an award reports for a measure on one of
// its routes. Which members mean anything depends on the measure's kind:
// Count for a count; the baseline and follow-up means and their head counts
// for a mean; Numerator out of Denominator for a proportion. A mean over
// nobody (n = 0) carries no mean.
type Figure struct {
	Measure string `json:"measure"`
	Route   string `json:"route"`

	Count int64 `json:"count,omitempty"`

	BaselineN    int64           `json:"baseline_n,omitempty"`
	BaselineMean decimal.Decimal `json:"baseline_mean,omitzero"`
	FollowUpN    int64           `json:"follow_up_n,omitempty"`
	FollowUpMean decimal.Decimal `json:"follow_up_mean,omitzero"`

	Numerator   int64 `json:"numerator,omitempty"`
	Denominator int64 `json:"denominator,omitempty"`
}

// Target is an award's baseline and target for a measure on one route. For
// a count the baseline is usually 0 and the target the people it plans to
// reach; for a proportion both are percentages.
type Target struct {
	Measure  string          `json:"measure"`
	Route    string          `json:"route"`
	Baseline decimal.Decimal `json:"baseline"`
	Target   decimal.Decimal `json:"target"`
}

// MeasureRoute is a measure on one deployment route.
type MeasureRoute struct {
	Measure string `json:"measure"`
	Route   string `json:"route"`
}

// Required lists the (measure, route) pairs milestone must report for an
// award deployed on routes, in the fund's measure order.
func (d Definition) Required(milestone string, routes []string) []MeasureRoute {
	return d.required(routes, func(m Measure) bool { return m.ReportedAt(milestone) })
}

// ReturnRequired lists the (measure, route) pairs a return asking measures
// must report for an award deployed on routes, in the fund's measure order.
func (d Definition) ReturnRequired(measures, routes []string) []MeasureRoute {
	return d.required(routes, func(m Measure) bool { return slices.Contains(measures, m.ID) })
}

func (d Definition) required(routes []string, asked func(Measure) bool) []MeasureRoute {
	var out []MeasureRoute
	for _, m := range d.Measures {
		if !asked(m) {
			continue
		}
		for _, r := range routes {
			if m.AppliesTo(r) {
				out = append(out, MeasureRoute{Measure: m.ID, Route: r})
			}
		}
	}
	return out
}

// ValidateFigures checks a milestone's outcome figures for an award deployed
// on routes and adds every problem to v under field (outcomes[2].follow_up_n):
// unknown measures or routes, repeats, figures of the wrong kind or out of
// range, a follow-up over more people than the baseline, and every measure
// the milestone requires that is missing (outcomes.<measure>.<route>).
func (d Definition) ValidateFigures(v *fundflow.Invalid, field, milestone string, routes []string, figs []Figure) {
	d.validateFigures(v, field, routes, figs, d.Required(milestone, routes),
		"is not reported at milestone "+milestone, "is required at this milestone")
}

// ValidateReturnFigures checks a monitoring return's outcome figures as
// ValidateFigures checks a milestone's, against the measures the return's
// template asks rather than those reported at a milestone.
func (d Definition) ValidateReturnFigures(v *fundflow.Invalid, field string, measures []string, routes []string, figs []Figure) {
	d.validateFigures(v, field, routes, figs, d.ReturnRequired(measures, routes),
		"is not asked for in this return", "is required in this return")
}

// validateFigures checks figures against the pairs a report requires:
// notAsked is the problem with a figure for a sound pair outside them, and
// missing starts the one with each of them left out.
func (d Definition) validateFigures(v *fundflow.Invalid, field string, routes []string, figs []Figure, required []MeasureRoute, notAsked, missing string) {
	unique(v, field, "", len(figs), func(i int) string { return figs[i].Measure + "/" + figs[i].Route })
	for i, f := range figs {
		p := path(field, i)
		m, ok := d.Measure(f.Measure)
		if !d.pair(v, p, m, ok, f.Route, routes) {
			continue
		}
		// A sound pair is outside required only when its measure is not asked.
		if !slices.Contains(required, MeasureRoute{Measure: m.ID, Route: f.Route}) {
			v.Add(p+".measure", "%s", notAsked)
			continue
		}
		m.validateFigure(v, p, f)
	}
	for _, r := range required {
		if !slices.ContainsFunc(figs, func(f Figure) bool { return f.Measure == r.Measure && f.Route == r.Route }) {
			m, _ := d.Measure(r.Measure)
			v.Add(field+"."+r.Measure+"."+r.Route, "%s: %s on route %s", missing, m.Title, r.Route)
		}
	}
}

// pair checks a figure's or target's measure and route.
func (d Definition) pair(v *fundflow.Invalid, p string, m Measure, known bool, route string, routes []string) bool {
	switch {
	case !known:
		v.Add(p+".measure", "is not a measure of this fund")
	case !slices.Contains(routes, route):
		v.Add(p+".route", "must be one of the award's deployment routes (%s)", strings.Join(routes, ", "))
	case !m.AppliesTo(route):
		v.Add(p+".route", "measure %s is not reported on this route", m.ID)
	default:
		return true
	}
	return false
}

func (m Measure) validateFigure(v *fundflow.Invalid, p string, f Figure) {
	unused := func(name string, x int64) {
		if x != 0 {
			v.Add(p+"."+name, "is not part of a %s figure", m.Kind)
		}
	}
	switch m.Kind {
	case KindCount:
		people(v, p+".count", f.Count)
		unused("baseline_n", f.BaselineN)
		unused("follow_up_n", f.FollowUpN)
		unused("baseline_mean", int64(f.BaselineMean))
		unused("follow_up_mean", int64(f.FollowUpMean))
		unused("numerator", f.Numerator)
		unused("denominator", f.Denominator)
	case KindMean:
		people(v, p+".baseline_n", f.BaselineN)
		people(v, p+".follow_up_n", f.FollowUpN)
		if f.FollowUpN > f.BaselineN {
			v.Add(p+".follow_up_n", "must not exceed baseline_n: follow-up is among the people measured at baseline")
		}
		m.mean(v, p+".baseline_mean", f.BaselineN, f.BaselineMean)
		m.mean(v, p+".follow_up_mean", f.FollowUpN, f.FollowUpMean)
		unused("count", f.Count)
		unused("numerator", f.Numerator)
		unused("denominator", f.Denominator)
	case KindProportion:
		people(v, p+".numerator", f.Numerator)
		people(v, p+".denominator", f.Denominator)
		if f.Numerator > f.Denominator {
			v.Add(p+".numerator", "must not exceed denominator")
		}
		unused("count", f.Count)
		unused("baseline_n", f.BaselineN)
		unused("follow_up_n", f.FollowUpN)
		unused("baseline_mean", int64(f.BaselineMean))
		unused("follow_up_mean", int64(f.FollowUpMean))
	}
}

func (m Measure) mean(v *fundflow.Invalid, field string, n int64, x decimal.Decimal) {
	switch {
	case n == 0 && x != 0:
		v.Add(field, "must be left out when nobody was measured (n = 0)")
	case n > 0:
		m.value(v, field, x)
	}
}

// value checks one figure against the measure's range and places.
func (m Measure) value(v *fundflow.Invalid, field string, x decimal.Decimal) {
	lo, hi := m.Bounds()
	switch {
	case x < lo || x > hi:
		v.Add(field, "must be between %s and %s %s", lo.Format(m.DecimalPlaces), hi.Format(m.DecimalPlaces), m.Unit)
	case x.Places() > m.DecimalPlaces:
		v.Add(field, "must have at most %d decimal places", m.DecimalPlaces)
	}
}

func people(v *fundflow.Invalid, field string, n int64) {
	if n < 0 || n > MaxPeople {
		v.Add(field, "must be between 0 and %d people", int64(MaxPeople))
	}
}

// ValidateTargets checks an application's targets against the fund's
// measures and the routes it has chosen, adding problems under field.
// Targets are optional; each one given must be sound.
func (d Definition) ValidateTargets(v *fundflow.Invalid, field string, routes []string, ts []Target) {
	unique(v, field, "", len(ts), func(i int) string { return ts[i].Measure + "/" + ts[i].Route })
	for i, t := range ts {
		p := path(field, i)
		m, ok := d.Measure(t.Measure)
		if !d.pair(v, p, m, ok, t.Route, routes) {
			continue
		}
		m.value(v, p+".baseline", t.Baseline)
		m.value(v, p+".target", t.Target)
	}
}

// RequireTargets adds a problem under field.<measure>.<route> for every
// measure that requires a target on one of routes and has none in ts.
func (d Definition) RequireTargets(v *fundflow.Invalid, field string, routes []string, ts []Target) {
	for _, m := range d.Measures {
		if !m.TargetRequired {
			continue
		}
		for _, r := range routes {
			if m.AppliesTo(r) && !slices.ContainsFunc(ts, func(t Target) bool { return t.Measure == m.ID && t.Route == r }) {
				v.Add(field+"."+m.ID+"."+r, "needs a baseline and a target: %s on route %s", m.Title, r)
			}
		}
	}
}

// Met reports whether achieved reaches target in the measure's direction.
func (m Measure) Met(achieved, target decimal.Decimal) bool {
	if m.Direction == Lower {
		return achieved <= target
	}
	return achieved >= target
}

// Achieved is the figure a target is read against: the count, the
// follow-up mean, or the percentage (in thousandths of a point, rounded
// half up). It is false when there is nothing to read: a mean over nobody
// or a proportion of nobody.
func (m Measure) Achieved(f Figure) (decimal.Decimal, bool) {
	switch m.Kind {
	case KindCount:
		return decimal.FromInt(f.Count), true
	case KindMean:
		return f.FollowUpMean, f.FollowUpN > 0
	case KindProportion:
		if f.Denominator == 0 {
			return 0, false
		}
		// Both are at most MaxPeople, so 2·n·10⁵ stays inside int64.
		return decimal.Decimal((2*f.Numerator*100*decimal.Scale + f.Denominator) / (2 * f.Denominator)), true
	}
	return 0, false
}
