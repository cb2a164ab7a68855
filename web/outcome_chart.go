package web

import (
	"fmt"
	"strings"

	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/outcome"
	"github.com/fundflow/fundflow/web/apiclient"
)

// The outcomes section's charts, drawn like the budget chart: geometry in
// Go, in integers, on the same axes (outcome.Axis) as the evaluation
// report's. Each chart's figures are also in the table that follows it.

const (
	ocWidth  = 1000
	ocLabelW = 260 // group or route names on the left
	ocRight  = 900 // room for the last bar's figure
	ocTop    = 10
)

// ocFigure is a figure from the API as a chart needs it.
type ocFigure struct {
	Value      decimal.Decimal
	Shown      bool
	Suppressed bool
	Text       string
}

func parseFigure(s *string) ocFigure {
	if s == nil {
		return ocFigure{Text: "no figure"}
	}
	if *s == outcome.SuppressedText {
		return ocFigure{Suppressed: true, Text: *s}
	}
	v, err := decimal.Parse(*s)
	if err != nil {
		return ocFigure{Text: *s}
	}
	return ocFigure{Value: v, Shown: true, Text: *s}
}

type ocTick struct {
	X    int
	Text string
}

// reachChart sets people onboarded and active against the plan, for the
// fund and each nation.
type reachChart struct {
	Width, Height int
	Rows          []reachRow
	AxisY         int
	Ticks         []ocTick
	Legend        []reachBar
	Label         string
}

type reachRow struct {
	Label string
	Y     int
	Bars  []reachBar
}

type reachBar struct {
	Key, Label string
	X, Y       int
	Width      int
	// Text is the figure written at the bar's end ("<8" with no bar when
	// suppressed).
	Text, TextAnchor string
	TextX            int
}

var reachKeys = []struct{ key, label string }{
	{"planned", "Planned reach"}, {"onboarded", "People onboarded"}, {"active", "People active"},
}

const reachBarH, reachRowGap = 22, 18

func newReachChart(o *apiclient.Outcomes) reachChart {
	groups := append([]apiclient.OutcomeGroup{o.Fund}, o.Nations...)
	var values []decimal.Decimal
	figs := make([][]ocFigure, len(groups))
	for i, g := range groups {
		figs[i] = []ocFigure{parseFigure(g.PlannedReach), parseFigure(g.PeopleOnboarded), parseFigure(g.PeopleActive)}
		for _, f := range figs[i] {
			if f.Shown {
				values = append(values, f.Value)
			}
		}
	}
	ax := outcome.NewAxis(values, true)
	plot := int64(ocRight - ocLabelW)
	c := reachChart{Width: ocWidth}
	y := ocTop
	var words []string
	for i, g := range groups {
		title := g.Title
		if i == 0 {
			title = "All awards"
		}
		row := reachRow{Label: clip(title, 24), Y: y + len(reachKeys)*reachBarH/2}
		var said []string
		for j, k := range reachKeys {
			f := figs[i][j]
			b := reachBar{Key: k.key, Label: k.label, X: ocLabelW, Y: y + j*reachBarH, Text: f.Text, TextAnchor: "start"}
			if f.Shown {
				b.Width = int(ax.Pos(f.Value, plot))
			}
			b.TextX = ocLabelW + b.Width + 6
			row.Bars = append(row.Bars, b)
			said = append(said, strings.ToLower(k.label)+" "+f.Text)
		}
		words = append(words, title+": "+strings.Join(said, ", "))
		c.Rows = append(c.Rows, row)
		y += len(reachKeys)*reachBarH + reachRowGap
	}
	c.AxisY = y
	for _, t := range ax.Ticks() {
		c.Ticks = append(c.Ticks, ocTick{X: ocLabelW + int(ax.Pos(t, plot)), Text: t.Format(0)})
	}
	for i, k := range reachKeys {
		c.Legend = append(c.Legend, reachBar{Key: k.key, Label: k.label, X: i * 260, Y: y + 44})
	}
	c.Height = y + 80
	c.Label = "People reached against plan. " + strings.Join(words, ". ") + "."
	return c
}

// changeChart is one mean measure at baseline and follow-up, for all
// routes and each route: a hollow circle at baseline, a filled one at
// follow-up, and an arrow between.
type changeChart struct {
	Measure       apiclient.OutcomeMeasureFigures
	Better        string
	Width, Height int
	Rows          []changeRow
	AxisY         int
	Ticks         []ocTick
	Label         string
}

type changeRow struct {
	Label              string
	Y                  int
	Base, Follow       int
	HasBase, HasFollow bool
	// Arrow is the path from baseline to follow-up, with its head.
	Arrow string
	Text  string
}

const changeRowH = 40

// newChangeCharts draws every mean measure that has a figure.
func newChangeCharts(o *apiclient.Outcomes) []changeChart {
	var out []changeChart
	rows := outcomeMeans(o)
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].M.Measure == rows[i].M.Measure {
			j++
		}
		if c, ok := newChangeChart(rows[i:j]); ok {
			out = append(out, c)
		}
		i = j
	}
	return out
}

func newChangeChart(rows []outcomeMeanRow) (changeChart, bool) {
	m := rows[0].M
	c := changeChart{Measure: m, Width: ocWidth, Better: "higher is better"}
	if m.Direction == "lower" {
		c.Better = "lower is better"
	}
	var values []decimal.Decimal
	type pair struct{ b, f ocFigure }
	pairs := make([]pair, len(rows))
	for i, r := range rows {
		pairs[i] = pair{parseFigure(r.M.BaselineMean), parseFigure(r.M.FollowUpMean)}
		for _, f := range []ocFigure{pairs[i].b, pairs[i].f} {
			if f.Shown {
				values = append(values, f.Value)
			}
		}
	}
	if len(values) == 0 {
		return c, false
	}
	ax := outcome.NewAxis(values, false)
	plot := int64(ocRight - 40 - ocLabelW)
	x := func(v decimal.Decimal) int { return ocLabelW + 20 + int(ax.Pos(v, plot)) }
	var words []string
	for i, r := range rows {
		p := pairs[i]
		row := changeRow{Label: clip(r.Where, 28), Y: ocTop + 20 + i*changeRowH, HasBase: p.b.Shown, HasFollow: p.f.Shown}
		if p.b.Shown {
			row.Base = x(p.b.Value)
		}
		if p.f.Shown {
			row.Follow = x(p.f.Value)
		}
		change := parseFigure(r.M.Change)
		row.Text = fmt.Sprintf("%s → %s", p.b.Text, p.f.Text)
		if change.Shown {
			row.Text += " (" + signed(change) + ")"
		}
		if p.b.Shown && p.f.Shown && abs(row.Follow-row.Base) > 12 {
			dir := 1
			if row.Follow < row.Base {
				dir = -1
			}
			tip := row.Follow - dir*10
			row.Arrow = fmt.Sprintf("M%d %dH%dM%d %dL%d %dL%d %d", row.Base+dir*9, row.Y, tip, tip-dir*8, row.Y-6, tip, row.Y, tip-dir*8, row.Y+6)
		}
		c.Rows = append(c.Rows, row)
		words = append(words, fmt.Sprintf("%s: baseline %s, follow-up %s, change %s", r.Where, p.b.Text, p.f.Text, change.Text))
	}
	c.AxisY = ocTop + 20 + len(rows)*changeRowH - changeRowH/2 + 6
	for _, t := range ax.Ticks() {
		c.Ticks = append(c.Ticks, ocTick{X: x(t), Text: t.Format(ax.Places())})
	}
	c.Height = c.AxisY + 64
	c.Label = fmt.Sprintf("%s (%s; %s), baseline to follow-up. %s.", m.Title, m.Unit, c.Better, strings.Join(words, ". "))
	return c, true
}

// signed writes a change with its sign: +3.2, -1.5, 0.
func signed(f ocFigure) string {
	if f.Shown && f.Value > 0 {
		return "+" + f.Text
	}
	return f.Text
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
