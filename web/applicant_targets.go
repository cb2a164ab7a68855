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

// targetPair is one outcome measure on one of the draft's chosen routes:
// the evaluation section asks for its baseline and target. Inputs are
// named targets.<measure>.<route>.baseline and .target, which are also
// their ids.
type targetPair struct {
	Measure, Route          string
	Title, Unit, RouteTitle string
	Hint                    string
	// Places is how many decimal places the fund shows the measure's
	// figures to.
	Places int
}

func (t targetPair) Key() string          { return "targets." + t.Measure + "." + t.Route }
func (t targetPair) BaselineName() string { return t.Key() + ".baseline" }
func (t targetPair) TargetName() string   { return t.Key() + ".target" }
func (t targetPair) Legend() string       { return t.Title + ", " + lowerFirst(t.RouteTitle) }
func (t targetPair) InputLabel(what string) string {
	if t.Unit == "" {
		return what
	}
	return what + " (" + t.Unit + ")"
}

// targetsForm is the targets part of the evaluation section. NoRoutes
// says that none have been chosen yet, so there is nothing to ask.
type targetsForm struct {
	Pairs    []targetPair
	NoRoutes bool
	// RoutesAt is the section that asks for the routes.
	RoutesAt string
}

// newTargetsForm lists the pairs the fund's measures make on routes, in
// the fund's measure and route order (the order the API lists required
// figures in). A fund without measures asks for no targets: nil.
func newTargetsForm(def apiclient.FundDefinition, routes []string) *targetsForm {
	if len(def.Measures) == 0 {
		return nil
	}
	f := &targetsForm{NoRoutes: len(routes) == 0}
	for _, m := range def.Measures {
		for _, r := range def.DeploymentRoutes {
			if !slices.Contains(routes, r.ID) || (len(m.Routes) > 0 && !slices.Contains(m.Routes, r.ID)) {
				continue
			}
			f.Pairs = append(f.Pairs, targetPair{Measure: m.ID, Route: r.ID, Title: m.Title, Unit: m.Unit,
				RouteTitle: r.Title, Hint: targetHint(m), Places: m.DecimalPlaces})
		}
	}
	return f
}

// targetHint tells the applicant what the fund's definition says of the
// measure: its range, its places and which way is better.
func targetHint(m apiclient.OutcomeMeasure) string {
	var parts []string
	switch {
	case m.Kind == "proportion":
		parts = append(parts, "A percentage, from 0 to 100")
	case m.Kind == "count":
		parts = append(parts, "A number of people")
	case m.Min != "" || m.Max != "":
		// The API leaves out a bound of 0.
		parts = append(parts, "From "+cmp.Or(m.Min, "0")+" to "+cmp.Or(m.Max, "0")+" "+m.Unit)
	}
	if m.DecimalPlaces > 0 {
		parts = append(parts, "to "+strconv.Itoa(m.DecimalPlaces)+" decimal place"+plural(m.DecimalPlaces))
	}
	hint := strings.Join(parts, ", ")
	switch m.Direction {
	case "higher":
		hint += ". Higher is better."
	case "lower":
		hint += ". Lower is better."
	default:
		hint += "."
	}
	return strings.TrimPrefix(hint, ". ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func lowerFirst(s string) string {
	if len(s) > 1 && strings.ToUpper(s[:2]) != s[:2] {
		return strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

// parse reads the pairs the applicant filled in, as the API's targets,
// the figures as typed for the API to check against the measure. A pair
// left blank is no target; half a pair, or a figure that is not a
// number, is the form's error.
func (f *targetsForm) parse(form url.Values) ([]apiclient.OutcomeTarget, []fieldError) {
	var out []apiclient.OutcomeTarget
	var errs []fieldError
	clean := func(name string) string { return typedDecimal(form.Get(name)) }
	for _, p := range f.Pairs {
		b, t := clean(p.BaselineName()), clean(p.TargetName())
		if b == "" && t == "" {
			continue
		}
		bad := false
		for _, in := range []struct{ name, what, v string }{{p.BaselineName(), "baseline", b}, {p.TargetName(), "target", t}} {
			switch _, err := decimal.Parse(in.v); {
			case in.v == "":
				errs = append(errs, fieldError{Field: in.name, Message: "Enter a " + in.what + " for " + p.Legend() + ", or leave both blank"})
				bad = true
			case err != nil:
				errs = append(errs, fieldError{Field: in.name, Message: p.Legend() + ": " + in.what + " " + err.Error()})
				bad = true
			}
		}
		if !bad {
			out = append(out, apiclient.OutcomeTarget{Measure: p.Measure, Route: p.Route, Baseline: b, Target: t})
		}
	}
	return out, errs
}

// errors points the API's targets errors at the pairs' inputs: sent is
// the list the API checked, so targets[2].target is sent[2]'s target,
// and targets.<measure>.<route> (a required pair left out) is that
// pair's baseline. The other errors come back untouched.
func (f *targetsForm) errors(errs []fieldError, sent []apiclient.OutcomeTarget) (mine, rest []fieldError) {
	for _, e := range errs {
		if e.Field != "targets" && !strings.HasPrefix(e.Field, "targets.") && !strings.HasPrefix(e.Field, "targets[") {
			rest = append(rest, e)
			continue
		}
		i, member := -1, ""
		if idx, tail, ok := strings.Cut(strings.TrimPrefix(e.Field, "targets["), "]"); ok && strings.HasPrefix(e.Field, "targets[") {
			if n, err := strconv.Atoi(idx); err == nil && n < len(sent) {
				i = slices.IndexFunc(f.Pairs, func(p targetPair) bool { return p.Measure == sent[n].Measure && p.Route == sent[n].Route })
			}
			member = strings.TrimPrefix(tail, ".")
		} else {
			i = slices.IndexFunc(f.Pairs, func(p targetPair) bool { return p.Key() == e.Field })
		}
		if i < 0 {
			mine = append(mine, fieldError{Message: "Targets " + e.Message})
			continue
		}
		p := f.Pairs[i]
		name, msg := p.BaselineName(), p.Legend()+" "+e.Message
		switch member {
		case "baseline":
			msg = p.Legend() + ": baseline " + e.Message
		case "target":
			name, msg = p.TargetName(), p.Legend()+": target "+e.Message
		}
		mine = append(mine, fieldError{Field: name, Message: msg})
	}
	return mine, rest
}

// answers are the pairs on the check page, read back from vals, each
// with its baseline input's name so an error at submission links to it.
func (f *targetsForm) answers(vals url.Values) []answer {
	var out []answer
	for _, p := range f.Pairs {
		a := answer{Field: p.BaselineName(), Key: p.Legend()}
		if b, t := vals.Get(p.BaselineName()), vals.Get(p.TargetName()); b != "" || t != "" {
			a.Value = "Baseline " + p.show(b) + ", target " + p.show(t)
		}
		out = append(out, a)
	}
	return out
}

// show is a figure as the fund shows the measure's: to its places (the
// API gives 41 for 41.0), with its unit.
func (t targetPair) show(v string) string {
	if d, err := decimal.Parse(v); err == nil {
		v = d.Format(t.Places)
	}
	if t.Unit == "" {
		return v
	}
	return v + " " + t.Unit
}

// targetValues puts the draft's targets into the form's values.
func targetValues(vals url.Values, ts []apiclient.OutcomeTarget) {
	for _, t := range ts {
		p := targetPair{Measure: t.Measure, Route: t.Route}
		vals.Set(p.BaselineName(), t.Baseline)
		vals.Set(p.TargetName(), t.Target)
	}
}
