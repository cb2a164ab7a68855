package web

import (
	"strings"
	"testing"

	"github.com/fundflow/fundflow/web/apiclient"
)

func str(s string) *string { return &s }

func TestReachChartScalesBarsToOneAxisAndDrawsNoSuppressedBar(t *testing.T) {
	o := &apiclient.Outcomes{Fund: apiclient.OutcomeGroup{Title: "Fund", PlannedReach: str("3000"), PeopleOnboarded: str("1500"), PeopleActive: str("<8")},
		Nations: []apiclient.OutcomeGroup{{Title: "Wales", PlannedReach: str("1000"), PeopleOnboarded: nil, PeopleActive: nil}}}
	c := newReachChart(o)
	if len(c.Rows) != 2 || c.Rows[0].Label != "All awards" {
		t.Fatalf("rows %+v", c.Rows)
	}
	// The axis runs 0 to 3000 over the plot, so half the plan is half of it.
	plot := ocRight - ocLabelW
	if got := c.Rows[0].Bars; got[0].Width != plot || got[1].Width != plot/2 || got[2].Width != 0 || got[2].Text != "<8" {
		t.Errorf("fund bars %+v", got)
	}
	if got := c.Rows[1].Bars[1]; got.Width != 0 || got.Text != "no figure" {
		t.Errorf("Wales onboarded %+v", got)
	}
	if c.Ticks[0].Text != "0" || c.Ticks[len(c.Ticks)-1].X != ocRight {
		t.Errorf("ticks %+v", c.Ticks)
	}
	if !strings.Contains(c.Label, "people active <8") {
		t.Errorf("label %q", c.Label)
	}
}

func TestChangeChartPointsFromBaselineToFollowUp(t *testing.T) {
	m := func(b, f, ch string) apiclient.OutcomeMeasureFigures {
		return apiclient.OutcomeMeasureFigures{Measure: "sbp", Title: "Systolic", Unit: "mmHg", Kind: "mean", Direction: "lower",
			BaselineMean: str(b), FollowUpMean: str(f), Change: str(ch)}
	}
	o := &apiclient.Outcomes{Fund: apiclient.OutcomeGroup{Measures: []apiclient.OutcomeMeasureFigures{m("142", "136", "-6")}},
		Routes: []apiclient.OutcomeGroup{{Title: "NHS App", Measures: []apiclient.OutcomeMeasureFigures{m("<8", "<8", "<8")}}}}
	cs := newChangeCharts(o)
	if len(cs) != 1 || len(cs[0].Rows) != 2 || cs[0].Better != "lower is better" {
		t.Fatalf("charts %+v", cs)
	}
	r := cs[0].Rows[0]
	if !r.HasBase || !r.HasFollow || r.Follow >= r.Base || r.Arrow == "" || r.Text != "142 → 136 (-6)" {
		t.Errorf("all routes %+v", r)
	}
	if r := cs[0].Rows[1]; r.HasBase || r.HasFollow || r.Arrow != "" {
		t.Errorf("suppressed route drawn: %+v", r)
	}
	// Nothing reported: no chart at all.
	if cs := newChangeCharts(&apiclient.Outcomes{Fund: apiclient.OutcomeGroup{Measures: []apiclient.OutcomeMeasureFigures{{Measure: "x", Kind: "mean"}}}}); len(cs) != 0 {
		t.Errorf("chart of nothing: %+v", cs)
	}
}
