// Package outcome rolls award outcome reports up into what a fund's sponsor
// asks first: how many people were reached against plan, what changed from
// baseline, which targets were met, and what it cost per person, per fund,
// route, nation and award, with small numbers suppressed. It is pure: the
// API feeds it what the application workflows recorded.
//
// It imports decimal and fund only.
package outcome

import (
	"cmp"
	"math/big"
	"slices"

	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/fund"
)

// SuppressionRule is stated with every shared view and export.
const SuppressionRule = "Small-number suppression: counts of 1 to 7 people are shown as <8 (0 is shown as 0), " +
	"and any figure derived from such a count (a mean, a change, a percentage, a cost per person or a target met) is suppressed too."

// Award is what one award has planned and reported. Reports are the
// verified milestones' figures in the fund's milestone order; the latest
// figure for a measure and route is the one that counts.
type Award struct {
	ApplicationID string `json:"application_id"`
	// Reference is the application's, which its rows are keyed by when
	// it has one.
	Reference    string        `json:"reference,omitempty"`
	OrgCode      string        `json:"org_code"`
	OrgName      string        `json:"org_name,omitempty"`
	Nation       string        `json:"nation,omitempty"`
	Routes       []string      `json:"routes"`
	PlannedReach int64         `json:"planned_reach"`
	DrawnPence   int64         `json:"drawn_pence"`
	Targets      []fund.Target `json:"targets,omitempty"`
	Reports      []Report      `json:"reports,omitempty"`
}

// Report is one milestone's outcome figures.
type Report struct {
	Milestone string        `json:"milestone"`
	Figures   []fund.Figure `json:"figures"`
}

// Rollup is the fund's outcomes, ready to show.
type Rollup struct {
	FundID      string        `json:"fund_id"`
	Suppression string        `json:"suppression"`
	Awards      int           `json:"awards"`
	Reporting   int           `json:"awards_reporting"`
	Fund        Group         `json:"fund"`
	Routes      []Group       `json:"routes"`
	Nations     []Group       `json:"nations"`
	PerAward    []AwardResult `json:"per_award"`
}

// Group is the roll-up over some awards' routes. Credit is drawn per award,
// not per route, so a route's group has no drawn credit, plan or cost.
type Group struct {
	Key              string          `json:"key"`
	Title            string          `json:"title"`
	Awards           int             `json:"awards"`
	PlannedReach     Cell            `json:"planned_reach"`
	Onboarded        Cell            `json:"people_onboarded"`
	Active           Cell            `json:"people_active"`
	ReachPercent     Cell            `json:"reach_percent_of_plan"`
	DrawnPence       Cell            `json:"drawn_pence"`
	CostPerOnboarded Cell            `json:"cost_per_person_onboarded_pence"`
	CostPerActive    Cell            `json:"cost_per_person_active_pence"`
	Measures         []MeasureResult `json:"measures"`
}

// MeasureResult is one measure over a group. Which cells mean anything
// depends on the kind, as with fund.Figure.
type MeasureResult struct {
	Measure      string           `json:"measure"`
	Title        string           `json:"title"`
	Unit         string           `json:"unit"`
	Kind         fund.MeasureKind `json:"kind"`
	Direction    fund.Direction   `json:"direction"`
	Count        Cell             `json:"count"`
	BaselineN    Cell             `json:"baseline_n"`
	BaselineMean Cell             `json:"baseline_mean"`
	FollowUpN    Cell             `json:"follow_up_n"`
	FollowUpMean Cell             `json:"follow_up_mean"`
	// Change is follow-up less baseline per award, weighted by each award's
	// follow-up n.
	Change      Cell `json:"change"`
	Numerator   Cell `json:"numerator"`
	Denominator Cell `json:"denominator"`
	Percent     Cell `json:"percent"`
}

// AwardResult is one award's roll-up and its targets.
type AwardResult struct {
	ApplicationID string         `json:"application_id"`
	Reference     string         `json:"reference,omitempty"`
	OrgCode       string         `json:"org_code"`
	OrgName       string         `json:"org_name"`
	Nation        string         `json:"nation"`
	Routes        []string       `json:"routes"`
	Reported      []string       `json:"milestones_reported"`
	Group         Group          `json:"totals"`
	Targets       []TargetResult `json:"targets"`
}

// TargetResult sets an award's latest figure against its target. Met is
// absent while nothing is reported or the figure is suppressed.
type TargetResult struct {
	Measure  string `json:"measure"`
	Title    string `json:"title"`
	Route    string `json:"route"`
	Unit     string `json:"unit"`
	Baseline Cell   `json:"baseline"`
	Target   Cell   `json:"target"`
	Achieved Cell   `json:"achieved"`
	Met      *bool  `json:"met,omitempty"`
}

// suppressBelow is the smallest count shown.
const suppressBelow = 8

// Roll computes the roll-up. Nations and routes are listed in the order
// first met (routes in the fund's order); awards in the order given.
func Roll(def fund.Definition, awards []Award) Rollup {
	out := Rollup{FundID: def.ID, Suppression: SuppressionRule, Awards: len(awards)}
	latest := make([]map[key]fund.Figure, len(awards))
	for i, a := range awards {
		latest[i] = latestFigures(a)
		if len(a.Reports) > 0 {
			out.Reporting++
		}
	}
	every := make([]int, len(awards))
	for i := range awards {
		every[i] = i
	}
	out.Fund = group(def, awards, latest, def.ID, def.Name, every, "")
	for _, r := range def.DeploymentRoutes {
		out.Routes = append(out.Routes, group(def, awards, latest, r.ID, r.Title, every, r.ID))
	}
	var nations []string
	byNation := map[string][]int{}
	for i, a := range awards {
		if _, ok := byNation[a.Nation]; !ok {
			nations = append(nations, a.Nation)
		}
		byNation[a.Nation] = append(byNation[a.Nation], i)
	}
	for _, n := range nations {
		out.Nations = append(out.Nations, group(def, awards, latest, n, n, byNation[n], ""))
	}
	for i, a := range awards {
		res := AwardResult{ApplicationID: a.ApplicationID, Reference: a.Reference, OrgCode: a.OrgCode, OrgName: a.OrgName, Nation: a.Nation,
			Routes: append([]string{}, a.Routes...), Reported: []string{}}
		for _, r := range a.Reports {
			res.Reported = append(res.Reported, r.Milestone)
		}
		res.Group = group(def, awards, latest, cmp.Or(a.Reference, a.ApplicationID), a.OrgName, []int{i}, "")
		for _, t := range a.Targets {
			m, ok := def.Measure(t.Measure)
			if !ok {
				continue
			}
			res.Targets = append(res.Targets, target(m, t, latest[i]))
		}
		out.PerAward = append(out.PerAward, res)
	}
	return out
}

type key struct{ measure, route string }

func latestFigures(a Award) map[key]fund.Figure {
	out := map[key]fund.Figure{}
	for _, r := range a.Reports {
		for _, f := range r.Figures {
			out[key{f.Measure, f.Route}] = f
		}
	}
	return out
}

// group sums the figures of the awards at idx, on every route or only on
// route. Credit is drawn per award, so a route's group has no money.
func group(def fund.Definition, awards []Award, latest []map[key]fund.Figure, k, title string, idx []int, route string) Group {
	g := Group{Key: k, Title: title, Measures: []MeasureResult{}}
	in := func(r string) bool { return route == "" || r == route }
	var planned, drawn int64
	for _, i := range idx {
		if a := awards[i]; slices.ContainsFunc(a.Routes, in) {
			g.Awards++
			planned += a.PlannedReach
			drawn += a.DrawnPence
		}
	}
	onboarded, active := int64(-1), int64(-1)
	for _, m := range def.Measures {
		var acc accumulator
		for _, i := range idx {
			for _, r := range awards[i].Routes {
				if f, ok := latest[i][key{m.ID, r}]; ok && in(r) {
					acc.add(f)
				}
			}
		}
		res := acc.result(m)
		g.Measures = append(g.Measures, res)
		if m.Kind == fund.KindCount && acc.figures > 0 {
			switch m.Reach {
			case fund.ReachOnboarded:
				onboarded = acc.count
			case fund.ReachActive:
				active = acc.count
			}
		}
	}
	g.Onboarded, g.Active = people(onboarded), people(active)
	if route == "" {
		g.PlannedReach = Cell{State: Shown, Value: decimal.FromInt(planned)}
		g.DrawnPence = Cell{State: Shown, Value: decimal.FromInt(drawn)}
		g.ReachPercent = percent(onboarded, planned)
		g.CostPerOnboarded = perPerson(drawn, onboarded)
		g.CostPerActive = perPerson(drawn, active)
	}
	return g
}

// accumulator sums one measure's figures exactly; weighted sums of means
// can pass 2⁶³, so they are big integers.
type accumulator struct {
	figures          int
	count            int64
	nb, nf           int64
	sumB, sumF, sumD big.Int
	num, den         int64
	// x and y are scratch for the products, so adding a figure allocates
	// nothing once the sums have grown.
	x, y big.Int
}

func (a *accumulator) add(f fund.Figure) {
	a.figures++
	a.count += f.Count
	a.nb += f.BaselineN
	a.mulAdd(&a.sumB, f.BaselineN, int64(f.BaselineMean))
	if f.FollowUpN > 0 {
		a.nf += f.FollowUpN
		a.mulAdd(&a.sumF, f.FollowUpN, int64(f.FollowUpMean))
		a.mulAdd(&a.sumD, f.FollowUpN, int64(f.FollowUpMean-f.BaselineMean))
	}
	a.num += f.Numerator
	a.den += f.Denominator
}

// mulAdd adds n·m to sum.
func (a *accumulator) mulAdd(sum *big.Int, n, m int64) {
	a.x.SetInt64(n)
	a.y.SetInt64(m)
	sum.Add(sum, a.x.Mul(&a.x, &a.y))
}

func mul(a, b int64) *big.Int { return new(big.Int).Mul(big.NewInt(a), big.NewInt(b)) }

func (a *accumulator) result(m fund.Measure) MeasureResult {
	r := MeasureResult{Measure: m.ID, Title: m.Title, Unit: m.Unit, Kind: m.Kind, Direction: m.Direction}
	if a.figures == 0 {
		return r
	}
	switch m.Kind {
	case fund.KindCount:
		r.Count = people(a.count)
	case fund.KindMean:
		r.BaselineN, r.FollowUpN = people(a.nb), people(a.nf)
		r.BaselineMean = mean(&a.sumB, a.nb, m.DecimalPlaces)
		r.FollowUpMean = mean(&a.sumF, a.nf, m.DecimalPlaces)
		r.Change = mean(&a.sumD, a.nf, m.DecimalPlaces)
	case fund.KindProportion:
		r.Numerator, r.Denominator = people(a.num), people(a.den)
		r.Percent = percent(a.num, a.den)
	}
	return r
}

func target(m fund.Measure, t fund.Target, latest map[key]fund.Figure) TargetResult {
	tr := TargetResult{Measure: m.ID, Title: m.Title, Route: t.Route, Unit: m.Unit,
		Baseline: Cell{State: Shown, Value: t.Baseline, Places: m.DecimalPlaces},
		Target:   Cell{State: Shown, Value: t.Target, Places: m.DecimalPlaces}}
	f, ok := latest[key{m.ID, t.Route}]
	if !ok {
		return tr
	}
	var acc accumulator
	acc.add(f)
	res := acc.result(m)
	switch m.Kind {
	case fund.KindCount:
		tr.Achieved = res.Count
	case fund.KindMean:
		tr.Achieved = res.FollowUpMean
	case fund.KindProportion:
		tr.Achieved = res.Percent
	}
	if tr.Achieved.State == Shown {
		met := m.Met(tr.Achieved.Value, t.Target)
		tr.Met = &met
	}
	return tr
}

// people is a head count under the suppression rule; negative means "no
// figure".
func people(n int64) Cell {
	switch {
	case n < 0:
		return Cell{}
	case n > 0 && n < suppressBelow:
		return Cell{State: Suppressed}
	}
	return Cell{State: Shown, Value: decimal.FromInt(n)}
}

// mean is sum ÷ n in thousandths, rounded half away from zero, suppressed
// when n is.
func mean(sum *big.Int, n int64, places int) Cell {
	switch c := people(n); {
	case n == 0:
		return Cell{}
	case c.State == Suppressed:
		return c
	}
	q := divRound(sum, big.NewInt(n))
	return Cell{State: Shown, Value: q, Places: places}
}

// percent is part of whole to one decimal place; suppressed when either is.
func percent(part, whole int64) Cell {
	switch {
	case part < 0 || whole <= 0:
		return Cell{}
	case people(whole).State == Suppressed || people(part).State == Suppressed:
		return Cell{State: Suppressed}
	}
	q := divRound(mul(part, 100*decimal.Scale), big.NewInt(whole))
	return Cell{State: Shown, Value: q, Places: 1}
}

// perPerson is drawn ÷ people in whole pence, rounded half up; nothing for
// nobody, suppressed for few.
func perPerson(drawn, n int64) Cell {
	switch c := people(n); {
	case n <= 0:
		return Cell{}
	case c.State == Suppressed:
		return c
	}
	q := (2*drawn + n) / (2 * n)
	return Cell{State: Shown, Value: decimal.FromInt(q)}
}

// divRound is num ÷ den rounded half away from zero, den > 0, as a Decimal
// (num is in thousandths).
func divRound(num, den *big.Int) decimal.Decimal {
	abs := new(big.Int).Abs(num)
	abs.Mul(abs, big.NewInt(2)).Add(abs, den)
	abs.Quo(abs, new(big.Int).Mul(den, big.NewInt(2)))
	if num.Sign() < 0 {
		abs.Neg(abs)
	}
	return decimal.Decimal(abs.Int64())
}

// Compact keeps only the figures Roll reads: each measure and route's
// latest. Every milestone reported stays listed, with no figures where a
// later report superseded all of them, so an award's projection stays small
// however many times it reports.
func Compact(a Award) Award {
	later := map[key]bool{}
	reports := make([]Report, len(a.Reports))
	for i := len(a.Reports) - 1; i >= 0; i-- {
		r := a.Reports[i]
		kept := []fund.Figure{}
		for _, f := range r.Figures {
			k := key{f.Measure, f.Route}
			if !later[k] {
				later[k] = true
				kept = append(kept, f)
			}
		}
		reports[i] = Report{Milestone: r.Milestone, Figures: kept}
	}
	a.Reports = reports
	return a
}
