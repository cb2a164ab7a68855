package fund

import (
	"slices"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/decimal"
)

// MeasureKind is the shape of figure a measure is reported as.
type MeasureKind string

const (
	// KindCount is a number of people (onboarded, active at 12 weeks).
	KindCount MeasureKind = "count"
	// KindMean is a mean at baseline and at follow-up, each with the number
	// of people it is taken over (minutes of activity, WEMWBS, weight).
	KindMean MeasureKind = "mean"
	// KindProportion is a numerator out of a denominator of people, shown
	// as a percentage (share still active).
	KindProportion MeasureKind = "proportion"
)

// Direction says which way a measure improves.
type Direction string

const (
	Higher Direction = "higher"
	Lower  Direction = "lower"
)

// Measure is an outcome a fund's awards report, as aggregate figures only:
// never data about a person.
type Measure struct {
	ID        string      `json:"id"`
	Title     string      `json:"title"`
	Unit      string      `json:"unit"`
	Direction Direction   `json:"direction"`
	Kind      MeasureKind `json:"kind"`
	// Min and Max bound a mean (and a baseline or target); counts are
	// bounded by head counts and proportions by 0–100%, so they leave them
	// zero.
	Min decimal.Decimal `json:"min,omitzero"`
	Max decimal.Decimal `json:"max,omitzero"`
	// DecimalPlaces is how many places figures are shown to (0–3).
	DecimalPlaces int `json:"decimal_places"`
	// ReportAt are the milestones whose evidence must carry this measure.
	ReportAt []string `json:"report_at"`
	// Routes are the deployment routes it applies to; empty means all.
	Routes []string `json:"routes,omitempty"`
	// Reach marks the count that measures reach (onboarded, against the
	// plan) or engagement (active); cost per person divides by these.
	Reach Reach `json:"reach,omitempty"`
	// TargetRequired makes a baseline and target for the measure, on each
	// route it applies to, part of a complete application. Funds defined
	// before it existed require none.
	TargetRequired bool `json:"target_required,omitempty"`
}

// Reach is what a count says about how far an award got.
type Reach string

const (
	ReachOnboarded Reach = "onboarded"
	ReachActive    Reach = "active"
)

// ReachMeasure is the fund's count marked r, if it has one.
func (d Definition) ReachMeasure(r Reach) (Measure, bool) {
	i := slices.IndexFunc(d.Measures, func(m Measure) bool { return m.Reach == r })
	if i < 0 {
		return Measure{}, false
	}
	return d.Measures[i], true
}

// MaxMeasures bounds a fund's measures.
const MaxMeasures = 30

// AppliesTo reports whether the measure is reported for route.
func (m Measure) AppliesTo(route string) bool {
	return len(m.Routes) == 0 || slices.Contains(m.Routes, route)
}

// ReportedAt reports whether milestone must carry the measure.
func (m Measure) ReportedAt(milestone string) bool { return slices.Contains(m.ReportAt, milestone) }

// Bounds is the range a figure of the measure may take: the stated range for
// a mean, 0–100 for a percentage, and 0 to a hundred million people for a
// count.
func (m Measure) Bounds() (lo, hi decimal.Decimal) {
	switch m.Kind {
	case KindMean:
		return m.Min, m.Max
	case KindProportion:
		return 0, decimal.FromInt(100)
	}
	return 0, decimal.FromInt(MaxPeople)
}

// MaxPeople bounds a reported head count: more than the UK's population.
const MaxPeople = 100_000_000

// Measure returns the fund's measure with the given id.
func (d Definition) Measure(id string) (Measure, bool) {
	i := slices.IndexFunc(d.Measures, func(m Measure) bool { return m.ID == id })
	if i < 0 {
		return Measure{}, false
	}
	return d.Measures[i], true
}

// Measures are optional: a fund may run without outcome reporting.
func (d Definition) validateMeasures(v *fundflow.Invalid) {
	if len(d.Measures) > MaxMeasures {
		v.Add("measures", "must have at most %d entries", MaxMeasures)
	}
	unique(v, "measures", ".id", len(d.Measures), func(i int) string { return d.Measures[i].ID })
	for i, m := range d.Measures {
		p := path("measures", i)
		key(v, p+".id", m.ID)
		v.Text(p+".title", m.Title, maxTitleLen, true)
		v.Text(p+".unit", m.Unit, maxLabelLen, true)
		if m.Direction != Higher && m.Direction != Lower {
			v.Add(p+".direction", "must be higher or lower")
		}
		switch m.Kind {
		case KindMean:
			if m.Min >= m.Max {
				v.Add(p+".max", "must be more than min")
			}
			if m.Min < -decimal.Max/2 || m.Max > decimal.Max/2 {
				v.Add(p+".max", "must be within ±%s", (decimal.Max / 2).String())
			}
		case KindCount, KindProportion:
			if m.Min != 0 || m.Max != 0 {
				v.Add(p+".min", "is only for means: counts and proportions have fixed ranges")
			}
		default:
			v.Add(p+".kind", "must be count, mean or proportion")
		}
		if m.DecimalPlaces < 0 || m.DecimalPlaces > decimal.Places {
			v.Add(p+".decimal_places", "must be between 0 and %d", decimal.Places)
		}
		switch {
		case m.Reach == "":
		case m.Reach != ReachOnboarded && m.Reach != ReachActive:
			v.Add(p+".reach", "must be onboarded or active")
		case m.Kind != KindCount:
			v.Add(p+".reach", "is only for counts")
		case slices.IndexFunc(d.Measures, func(x Measure) bool { return x.Reach == m.Reach }) < i:
			v.Add(p+".reach", "repeats another measure's reach %s", m.Reach)
		}
		if len(m.ReportAt) == 0 {
			v.Add(p+".report_at", "name at least one milestone that reports this measure")
		}
		unique(v, p+".report_at", "", len(m.ReportAt), func(j int) string { return m.ReportAt[j] })
		for j, id := range m.ReportAt {
			if _, ok := d.Milestone(id); !ok {
				v.Add(path(p+".report_at", j), "is not a milestone of this fund")
			}
		}
		unique(v, p+".routes", "", len(m.Routes), func(j int) string { return m.Routes[j] })
		for j, id := range m.Routes {
			if !slices.ContainsFunc(d.DeploymentRoutes, func(r Route) bool { return r.ID == id }) {
				v.Add(path(p+".routes", j), "is not a deployment route of this fund")
			}
		}
	}
}
