package web

import (
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// fundMeasure is an outcome measure of the fund, as its definition gives it.
type fundMeasure struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	Unit          string `json:"unit"`
	Kind          string `json:"kind"`
	DecimalPlaces int    `json:"decimal_places"`
	// Direction, Min and Max are for telling the applicant what a target
	// may be; the API does the checking.
	Direction string `json:"direction"`
	Min       string `json:"min"`
	Max       string `json:"max"`
	// Routes are the deployment routes it applies to; empty means all.
	Routes []string `json:"routes"`
}

// outcomeRow is one measure on one route that a milestone's evidence must
// report: the API names them (outcomes_required) and the form asks for
// exactly those, in that order, so outcomes[i] in an API error is row i.
type outcomeRow struct {
	Measure, Route string
	Title, Unit    string
	RouteTitle     string
	Inputs         []outcomeInput
}

type outcomeInput struct {
	Name, Label, Hint string
	// Member is the figure's JSON member; Whole ones are head counts.
	Member string
	Whole  bool
}

// outcomeMembers are the inputs each kind of measure asks for.
var outcomeMembers = map[string][]outcomeInput{
	"count": {{Member: "count", Label: "People", Whole: true}},
	"mean": {
		{Member: "baseline_n", Label: "People measured at baseline", Whole: true},
		{Member: "baseline_mean", Label: "Mean at baseline"},
		{Member: "follow_up_n", Label: "People measured at follow-up", Whole: true, Hint: "Of the people measured at baseline."},
		{Member: "follow_up_mean", Label: "Mean at follow-up"},
	},
	"proportion": {
		{Member: "numerator", Label: "People with the outcome", Whole: true},
		{Member: "denominator", Label: "People asked", Whole: true},
	},
}

func (p applicantApp) outcomeRows(m milestone) []outcomeRow {
	var out []outcomeRow
	for i, req := range m.OutcomesRequired {
		row := outcomeRow{Measure: req.Measure, Route: req.Route, Title: req.Measure, RouteTitle: req.Route}
		kind := "count"
		if j := slices.IndexFunc(p.Fund.Definition.Measures, func(x fundMeasure) bool { return x.ID == req.Measure }); j >= 0 {
			x := p.Fund.Definition.Measures[j]
			row.Title, row.Unit, kind = x.Title, x.Unit, x.Kind
		}
		if j := slices.IndexFunc(p.Fund.Definition.DeploymentRoutes, func(x route) bool { return x.ID == req.Route }); j >= 0 {
			row.RouteTitle = p.Fund.Definition.DeploymentRoutes[j].Title
		}
		for _, in := range outcomeMembers[kind] {
			in.Name = "outcome_" + strconv.Itoa(i) + "_" + in.Member
			if !in.Whole && row.Unit != "" {
				in.Label += " (" + row.Unit + ")"
			}
			row.Inputs = append(row.Inputs, in)
		}
		out = append(out, row)
	}
	return out
}

// parseOutcomes reads the rows into the API's figures. Head counts must be
// whole numbers; a blank one is 0. Means go as the decimal text typed, for
// the API to check exactly; a blank mean is left out (nobody measured).
func parseOutcomes(form url.Values, rows []outcomeRow) ([]map[string]any, []fieldError) {
	out := []map[string]any{}
	var errs []fieldError
	for _, row := range rows {
		f := map[string]any{"measure": row.Measure, "route": row.Route}
		for _, in := range row.Inputs {
			v := strings.TrimSpace(strings.ReplaceAll(form.Get(in.Name), ",", ""))
			switch {
			case v == "":
			case in.Whole:
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					errs = append(errs, fieldError{Field: in.Name, Message: row.Title + ", " + row.RouteTitle + ": " +
						strings.ToLower(in.Label) + " must be a whole number, like 250"})
					continue
				}
				f[in.Member] = n
			default:
				f[in.Member] = v
			}
		}
		out = append(out, f)
	}
	return out, errs
}

// outcomeErrors points the API's outcomes errors at the row's inputs
// (outcomes[2].follow_up_n, or outcomes.<measure>.<route> for a missing
// one) and returns the other errors untouched.
func outcomeErrors(errs []fieldError, rows []outcomeRow) (mine, rest []fieldError) {
	for _, e := range errs {
		if !strings.HasPrefix(e.Field, "outcomes") {
			rest = append(rest, e)
			continue
		}
		i, member := -1, ""
		if idx, tail, ok := strings.Cut(strings.TrimPrefix(e.Field, "outcomes["), "]"); ok && strings.HasPrefix(e.Field, "outcomes[") {
			i, _ = strconv.Atoi(idx)
			member = strings.TrimPrefix(tail, ".")
		} else {
			i = slices.IndexFunc(rows, func(r outcomeRow) bool { return "outcomes."+r.Measure+"."+r.Route == e.Field })
		}
		if i < 0 || i >= len(rows) {
			mine = append(mine, fieldError{Message: "Outcome figures " + e.Message})
			continue
		}
		row := rows[i]
		in := row.Inputs[0]
		if j := slices.IndexFunc(row.Inputs, func(x outcomeInput) bool { return x.Member == member }); j >= 0 {
			in = row.Inputs[j]
		}
		mine = append(mine, fieldError{Field: in.Name, Message: row.Title + ", " + row.RouteTitle + ": " + strings.ToLower(in.Label) + " " + e.Message})
	}
	return mine, rest
}

// prefillOutcomes puts figures sent before back into the rows' inputs.
func prefillOutcomes(v url.Values, rows []outcomeRow, figs []map[string]json.RawMessage) {
	for _, f := range figs {
		var m, r string
		_ = json.Unmarshal(f["measure"], &m)
		_ = json.Unmarshal(f["route"], &r)
		i := slices.IndexFunc(rows, func(x outcomeRow) bool { return x.Measure == m && x.Route == r })
		if i < 0 {
			continue
		}
		for _, in := range rows[i].Inputs {
			if raw, ok := f[in.Member]; ok {
				v.Set(in.Name, strings.Trim(string(raw), `"`))
			}
		}
	}
}

// targetRow is one of an award's targets beside its latest reported figure
// (the follow-up mean, the count, or numerator of denominator).
type targetRow struct {
	Title, Unit, Route, Baseline, Target, Latest, From string
}

// newTargetRow names a target's measure and route as the fund does.
func newTargetRow(t target, def fundDefinition) targetRow {
	row := targetRow{Title: t.Measure, Route: t.Route, Baseline: t.Baseline, Target: t.Target}
	if j := slices.IndexFunc(def.Measures, func(x fundMeasure) bool { return x.ID == t.Measure }); j >= 0 {
		row.Title, row.Unit = def.Measures[j].Title, def.Measures[j].Unit
	}
	if j := slices.IndexFunc(def.DeploymentRoutes, func(x route) bool { return x.ID == t.Route }); j >= 0 {
		row.Route = def.DeploymentRoutes[j].Title
	}
	return row
}

func targetRows(app *application, def fundDefinition) []targetRow {
	var out []targetRow
	for _, t := range app.Content.Targets {
		row := newTargetRow(t, def)
		for _, m := range app.Milestones {
			if m.Evidence == nil {
				continue
			}
			for _, f := range m.Evidence.Outcomes {
				var id, r string
				_ = json.Unmarshal(f["measure"], &id)
				_ = json.Unmarshal(f["route"], &r)
				if id != t.Measure || r != t.Route {
					continue
				}
				text := func(k string) string { return strings.Trim(string(f[k]), `"`) }
				switch {
				case f["follow_up_mean"] != nil:
					row.Latest = text("follow_up_mean") + " (" + text("follow_up_n") + " people)"
				case f["denominator"] != nil:
					row.Latest = text("numerator") + " of " + text("denominator")
				default:
					row.Latest = cmp.Or(text("count"), "0")
				}
				row.From = m.Title
			}
		}
		out = append(out, row)
	}
	return out
}
