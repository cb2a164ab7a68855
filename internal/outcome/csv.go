package outcome

import "strconv"

// CSVHeader names the columns of CSVRows. Figures are as every view shows
// them: "<8" where suppressed, empty where there is none.
var CSVHeader = []string{
	"level", "key", "name", "awards", "planned_reach", "people_onboarded", "people_active", "reach_percent_of_plan",
	"drawn_pence", "cost_per_person_onboarded_pence", "cost_per_person_active_pence",
	"measure", "unit", "kind", "direction", "count", "baseline_n", "baseline_mean", "follow_up_n", "follow_up_mean",
	"change", "numerator", "denominator", "percent",
}

// CSVRows is the roll-up flattened: one row per group and measure, groups
// in the order fund, routes, nations, awards.
func CSVRows(r Rollup) [][]string {
	var out [][]string
	add := func(level string, g Group) {
		for _, m := range g.Measures {
			out = append(out, []string{level, g.Key, g.Title, strconv.Itoa(g.Awards), g.PlannedReach.Text(),
				g.Onboarded.Text(), g.Active.Text(), g.ReachPercent.Text(), g.DrawnPence.Text(),
				g.CostPerOnboarded.Text(), g.CostPerActive.Text(),
				m.Measure, m.Unit, string(m.Kind), string(m.Direction), m.Count.Text(), m.BaselineN.Text(),
				m.BaselineMean.Text(), m.FollowUpN.Text(), m.FollowUpMean.Text(), m.Change.Text(),
				m.Numerator.Text(), m.Denominator.Text(), m.Percent.Text()})
		}
	}
	add("fund", r.Fund)
	for _, g := range r.Routes {
		add("route", g)
	}
	for _, g := range r.Nations {
		add("nation", g)
	}
	for _, a := range r.PerAward {
		add("award", a.Group)
	}
	return out
}
