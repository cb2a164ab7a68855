package web

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/web/apiclient"
)

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

func (p applicantApp) outcomeRows(m apiclient.Milestone) []outcomeRow {
	return newOutcomeRows(p.Fund.Definition, m.OutcomesRequired)
}

// newOutcomeRows are the rows for the figures a report requires, named as
// the fund names its measures and routes.
func newOutcomeRows(def apiclient.FundDefinition, required []apiclient.MeasureRoute) []outcomeRow {
	var out []outcomeRow
	for i, req := range required {
		row := outcomeRow{Measure: req.Measure, Route: req.Route, Title: req.Measure, RouteTitle: req.Route}
		kind := "count"
		if j := slices.IndexFunc(def.Measures, func(x apiclient.OutcomeMeasure) bool { return x.ID == req.Measure }); j >= 0 {
			x := def.Measures[j]
			row.Title, row.Unit, kind = x.Title, x.Unit, string(x.Kind)
		}
		if j := slices.IndexFunc(def.DeploymentRoutes, func(x apiclient.DeploymentRoute) bool { return x.ID == req.Route }); j >= 0 {
			row.RouteTitle = def.DeploymentRoutes[j].Title
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
func parseOutcomes(form url.Values, rows []outcomeRow) ([]apiclient.OutcomeFigure, []fieldError) {
	out := []apiclient.OutcomeFigure{}
	var errs []fieldError
	for _, row := range rows {
		f := apiclient.OutcomeFigure{Measure: row.Measure, Route: row.Route}
		for _, in := range row.Inputs {
			v := strings.TrimSpace(form.Get(in.Name))
			switch {
			case v == "":
			case in.Whole:
				n, err := wholeNumber(v)
				if err != nil {
					errs = append(errs, fieldError{Field: in.Name, Message: row.Title + ", " + row.RouteTitle + ": " +
						strings.ToLower(in.Label) + " must be a whole number, like 250"})
					continue
				}
				setFigure(&f, in.Member, n, "")
			default:
				v = typedDecimal(v)
				if _, err := decimal.Parse(v); err != nil {
					errs = append(errs, fieldError{Field: in.Name, Message: row.Title + ", " + row.RouteTitle + ": " +
						strings.ToLower(in.Label) + " " + err.Error()})
					continue
				}
				setFigure(&f, in.Member, 0, v)
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

// setFigure sets a figure's member by its JSON name: n for a head count,
// text for a mean.
func setFigure(f *apiclient.OutcomeFigure, member string, n int64, text string) {
	switch member {
	case "count":
		f.Count = n
	case "baseline_n":
		f.BaselineN = n
	case "follow_up_n":
		f.FollowUpN = n
	case "numerator":
		f.Numerator = n
	case "denominator":
		f.Denominator = n
	case "baseline_mean":
		f.BaselineMean = text
	case "follow_up_mean":
		f.FollowUpMean = text
	}
}

// figureMembers are a figure's members as the API sends them, by JSON
// name: a figure of zero or a mean of nobody is not among them.
func figureMembers(f apiclient.OutcomeFigure) map[string]string {
	out := map[string]string{}
	for k, n := range map[string]int64{"count": f.Count, "baseline_n": f.BaselineN, "follow_up_n": f.FollowUpN,
		"numerator": f.Numerator, "denominator": f.Denominator} {
		if n != 0 {
			out[k] = strconv.FormatInt(n, 10)
		}
	}
	for k, t := range map[string]string{"baseline_mean": f.BaselineMean, "follow_up_mean": f.FollowUpMean} {
		if t != "" {
			out[k] = t
		}
	}
	return out
}

// prefillOutcomes puts figures sent before back into the rows' inputs.
func prefillOutcomes(v url.Values, rows []outcomeRow, figs []apiclient.OutcomeFigure) {
	for _, f := range figs {
		i := slices.IndexFunc(rows, func(x outcomeRow) bool { return x.Measure == f.Measure && x.Route == f.Route })
		if i < 0 {
			continue
		}
		members := figureMembers(f)
		for _, in := range rows[i].Inputs {
			if t, ok := members[in.Member]; ok {
				v.Set(in.Name, t)
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
func newTargetRow(t apiclient.OutcomeTarget, def apiclient.FundDefinition) targetRow {
	row := targetRow{Title: t.Measure, Route: t.Route, Baseline: t.Baseline, Target: t.Target}
	if j := slices.IndexFunc(def.Measures, func(x apiclient.OutcomeMeasure) bool { return x.ID == t.Measure }); j >= 0 {
		row.Title, row.Unit = def.Measures[j].Title, def.Measures[j].Unit
	}
	if j := slices.IndexFunc(def.DeploymentRoutes, func(x apiclient.DeploymentRoute) bool { return x.ID == t.Route }); j >= 0 {
		row.Route = def.DeploymentRoutes[j].Title
	}
	return row
}

func targetRows(app *apiclient.Application, def apiclient.FundDefinition) []targetRow {
	var out []targetRow
	for _, t := range contentTargets(app.Content) {
		row := newTargetRow(t, def)
		for _, m := range app.Milestones {
			if m.Evidence == nil {
				continue
			}
			for _, f := range m.Evidence.Outcomes {
				if f.Measure != t.Measure || f.Route != t.Route {
					continue
				}
				text := figureMembers(f)
				switch {
				case f.FollowUpMean != "":
					row.Latest = text["follow_up_mean"] + " (" + text["follow_up_n"] + " people)"
				case f.Denominator != 0:
					row.Latest = text["numerator"] + " of " + text["denominator"]
				default:
					row.Latest = cmp.Or(text["count"], "0")
				}
				row.From = m.Title
			}
		}
		out = append(out, row)
	}
	return out
}
