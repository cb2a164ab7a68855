// Package report renders a fund's evaluation report: the few pages a
// sponsor circulates to say what the money bought. It lays out what was
// funded, reach against plan, the change in each measure per route with
// charts, cost per person, how targets fared, and the caveats that go with
// self-reported, small-number-suppressed figures. It reads only the
// outcome roll-up, so every figure in it is the one the dashboard, the JSON
// and the CSV show.
//
// The look follows the decision letters (internal/letters): the Go fonts,
// A4, the same ink, accent and rule colours. Fonts come straight from
// golang.org/x/image/font/gofont, as the letters' do; the metadata (title,
// author, language) are pdfmeta's, as theirs are.
//
// It imports domain packages, gofpdf and the Go fonts only; it never
// reads Redis or Temporal itself.
package report

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/money"
	"github.com/fundflow/fundflow/internal/outcome"
	"github.com/fundflow/fundflow/internal/pdfmeta"
)

// Input is what the report is made from.
type Input struct {
	Fund   fund.Definition
	Rollup outcome.Rollup
	// At is when the figures were read; the report is dated by it, and the
	// same input gives the same bytes.
	At time.Time
}

// MaxListed bounds the awards listed by name; the CSV has them all.
const MaxListed = 40

// Page geometry in millimetres, type sizes in points.
const (
	pageW, pageH = 210.0, 297.0
	marginX      = 18.0
	marginTop    = 16.0
	bodyBottom   = pageH - 22
	contentW     = pageW - 2*marginX
	family       = "go"
	bodySize     = 10.0
	bodyLead     = 5.0
	smallSize    = 8.5
	smallLead    = 4.3
	rowH         = 6.2
)

type rgb struct{ r, g, b int }

var (
	ink      = rgb{33, 37, 41}
	muted    = rgb{96, 103, 110}
	accent   = rgb{20, 92, 90}
	tint     = rgb{236, 243, 242}
	rule     = rgb{200, 206, 210}
	blue     = rgb{0, 94, 184}
	darkBlue = rgb{0, 48, 135}
	green    = rgb{0, 127, 59}
	white    = rgb{255, 255, 255}
)

// Render lays the report out as a PDF.
func Render(in Input) ([]byte, error) {
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdfmeta.Set(pdf, pdfmeta.Meta{Title: "Evaluation report: " + in.Fund.Name, Author: in.Fund.Sponsor, At: in.At})
	pdf.SetMargins(marginX, marginTop, marginX)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCellMargin(0)
	// Each document its own copy of the fonts: gofpdf's subsetter writes
	// into the bytes it is given.
	pdf.AddUTF8FontFromBytes(family, "", bytes.Clone(goregular.TTF))
	pdf.AddUTF8FontFromBytes(family, "B", bytes.Clone(gobold.TTF))
	p := &pager{pdf: pdf, in: in}
	pdf.AddPage()
	p.y = marginTop
	p.cover()
	p.funded()
	p.reach()
	p.results()
	p.targets()
	p.caveats()
	pages := pdf.PageNo()
	for i := 1; i <= pages; i++ {
		pdf.SetPage(i)
		p.footer(i, pages)
	}
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("report: write pdf: %w", err)
	}
	return out.Bytes(), nil
}

type pager struct {
	pdf *gofpdf.Fpdf
	in  Input
	y   float64
}

func (p *pager) style(size float64, style string, c rgb) {
	p.pdf.SetFont(family, style, size)
	p.pdf.SetTextColor(c.r, c.g, c.b)
}

// ensure starts a new page unless h more millimetres fit.
func (p *pager) ensure(h float64) {
	if p.y+h > bodyBottom {
		p.pdf.AddPage()
		p.y = marginTop
	}
}

func (p *pager) text(s string, size float64, style string, c rgb, lead float64) {
	p.style(size, style, c)
	lines := p.pdf.SplitText(s, contentW)
	p.ensure(float64(len(lines)) * lead)
	for _, l := range lines {
		p.pdf.SetXY(marginX, p.y)
		p.pdf.CellFormat(contentW, lead, l, "", 0, "L", false, 0, "")
		p.y += lead
	}
}

func (p *pager) para(s string) { p.text(s, bodySize, "", ink, bodyLead); p.y += 2 }

// heading keeps room for keep millimetres of what follows.
func (p *pager) heading(s string, keep float64) {
	p.ensure(12 + keep)
	p.y += 3
	p.style(14, "B", accent)
	p.pdf.SetXY(marginX, p.y)
	p.pdf.CellFormat(contentW, 7, s, "", 0, "L", false, 0, "")
	p.y += 9
}

func (p *pager) subheading(s, aside string, keep float64) {
	p.ensure(8 + keep)
	p.style(11, "B", ink)
	p.pdf.SetXY(marginX, p.y)
	w := p.pdf.GetStringWidth(s)
	p.pdf.CellFormat(w, 6, s, "", 0, "L", false, 0, "")
	if aside != "" {
		p.style(smallSize, "", muted)
		p.pdf.SetXY(marginX+w+2, p.y+0.6)
		p.pdf.CellFormat(contentW-w-2, 6, aside, "", 0, "L", false, 0, "")
	}
	p.y += 7
}

func (p *pager) cover() {
	pdf, in := p.pdf, p.in
	pdf.SetFillColor(accent.r, accent.g, accent.b)
	pdf.Rect(0, 0, pageW, 34, "F")
	p.style(9, "B", white)
	pdf.SetXY(marginX, 9)
	pdf.CellFormat(contentW, 5, strings.ToUpper(in.Fund.Sponsor), "", 0, "L", false, 0, "")
	p.style(20, "B", white)
	pdf.SetXY(marginX, 15)
	pdf.CellFormat(contentW, 10, "Evaluation report", "", 0, "L", false, 0, "")
	p.y = 42
	p.text(in.Fund.Name, 15, "B", ink, 7)
	p.text("Outcomes reported to "+calendar.LongDate(in.At)+". "+reportingLine(in.Rollup), bodySize, "", muted, bodyLead)
	p.y += 5

	// The figures a sponsor quotes, in a shaded box.
	f := in.Rollup.Fund
	drawn := pence(f.DrawnPence)
	reach := f.Onboarded.Text()
	if f.ReachPercent.State == outcome.Shown {
		reach += " (" + f.ReachPercent.Text() + "% of the " + f.PlannedReach.Text() + " planned)"
	}
	kv := [][2]string{
		{"Budget", money.Format(in.Fund.TotalPence)},
		{"Awards", fmt.Sprintf("%d made; %d reporting outcomes", in.Rollup.Awards, in.Rollup.Reporting)},
		{"Credit drawn", drawn},
		{"People onboarded", orDash(reach)},
		{"People active", orDash(f.Active.Text())},
		{"Cost per person onboarded", pence(f.CostPerOnboarded)},
		{"Cost per person active", pence(f.CostPerActive)},
	}
	h := float64(len(kv))*rowH + 4
	p.ensure(h)
	pdf.SetFillColor(tint.r, tint.g, tint.b)
	pdf.Rect(marginX, p.y, contentW, h, "F")
	y := p.y + 2
	for _, row := range kv {
		p.style(bodySize, "", muted)
		pdf.SetXY(marginX+4, y)
		pdf.CellFormat(60, rowH, row[0], "", 0, "L", false, 0, "")
		p.style(bodySize, "B", ink)
		pdf.SetXY(marginX+66, y)
		pdf.CellFormat(contentW-70, rowH, row[1], "", 0, "L", false, 0, "")
		y += rowH
	}
	p.y += h + 4
	if in.Fund.Description != "" {
		p.para(in.Fund.Description)
	}
}

func reportingLine(r outcome.Rollup) string {
	return fmt.Sprintf("%d of %d awards have verified outcome reports.", r.Reporting, r.Awards)
}

func (p *pager) funded() {
	in := p.in
	p.heading("What was funded", 3*rowH)
	if len(in.Rollup.PerAward) == 0 {
		p.para("The fund has made no awards yet.")
		return
	}
	p.para(fmt.Sprintf("%d awards were taken up. Each row is one award: where it is, the routes it deploys on, the credit it has drawn and the milestones it has reported outcomes at.", in.Rollup.Awards))
	t := table{cols: []column{{"Organisation", 60, "L"}, {"Nation", 18, "L"}, {"Routes", 58, "L"}, {"Drawn", 22, "R"}, {"Reports", 16, "R"}}}
	for i, a := range in.Rollup.PerAward {
		if i == MaxListed {
			break
		}
		t.rows = append(t.rows, []string{orDash(a.OrgName + " (" + a.OrgCode + ")"), orDash(a.Nation),
			p.routeTitles(a), pence(a.Group.DrawnPence), fmt.Sprintf("%d of %d", len(a.Reported), p.reportingMilestones())})
	}
	p.table(t)
	if n := len(in.Rollup.PerAward) - MaxListed; n > 0 {
		p.text(fmt.Sprintf("And %d more awards; the outcomes CSV lists every award.", n), smallSize, "", muted, smallLead)
	}
}

// reportingMilestones is how many milestones ask for outcome figures.
func (p *pager) reportingMilestones() int {
	n := 0
	for _, m := range p.in.Fund.Milestones {
		for _, ms := range p.in.Fund.Measures {
			if ms.ReportedAt(m.ID) {
				n++
				break
			}
		}
	}
	return n
}

func (p *pager) routeTitles(a outcome.AwardResult) string {
	var out []string
	for _, g := range p.in.Fund.DeploymentRoutes {
		if slices.Contains(a.Routes, g.ID) {
			out = append(out, g.Title)
		}
	}
	if len(out) == 0 {
		return "–"
	}
	return strings.Join(out, "; ")
}

func (p *pager) reach() {
	r := p.in.Rollup
	groups := append([]outcome.Group{r.Fund}, r.Nations...)
	p.heading("Reach and cost per person", 90)
	p.para("People onboarded and active against the reach each award planned, for the fund and for each nation. Cost per person is the credit drawn divided by the people onboarded or active.")
	var rows []barRow
	for i, g := range groups {
		label := g.Title
		if i == 0 {
			label = "All awards"
		}
		rows = append(rows, barRow{label: label, bars: []bar{
			{"Planned", g.PlannedReach, white, true}, {"Onboarded", g.Onboarded, blue, false}, {"Active", g.Active, green, false}}})
	}
	p.barChart(rows)
	t := table{cols: []column{{"Where", 46, "L"}, {"Planned", 20, "R"}, {"Onboarded", 22, "R"}, {"% of plan", 20, "R"}, {"Active", 20, "R"}, {"Per onboarded", 23, "R"}, {"Per active", 23, "R"}}}
	for _, g := range groups {
		t.rows = append(t.rows, []string{g.Title, text(g.PlannedReach), text(g.Onboarded), pct(g.ReachPercent), text(g.Active), pence(g.CostPerOnboarded), pence(g.CostPerActive)})
	}
	p.table(t)
	if len(r.Routes) > 0 {
		p.subheading("By deployment route", "credit is drawn per award, so routes have no plan or cost", 3*rowH)
		t := table{cols: []column{{"Route", 80, "L"}, {"Awards", 30, "R"}, {"Onboarded", 32, "R"}, {"Active", 32, "R"}}}
		for _, g := range r.Routes {
			t.rows = append(t.rows, []string{g.Title, strconv.Itoa(g.Awards), text(g.Onboarded), text(g.Active)})
		}
		p.table(t)
	}
}

// results charts each mean measure at baseline and follow-up per route, and
// tabulates proportions.
func (p *pager) results() {
	r := p.in.Rollup
	p.heading("Results per measure and route", 75)
	p.para("Each chart shows a measure's mean at baseline (hollow) and at follow-up (filled) for all routes and for each route, with the change from baseline. Means are weighted by the number of people measured; the change is taken over the people followed up.")
	any := false
	for i, m := range p.in.Fund.Measures {
		if m.Kind == fund.KindCount {
			continue
		}
		groups := []outcome.Group{r.Fund}
		titles := []string{"All routes"}
		for _, g := range r.Routes {
			if m.AppliesTo(g.Key) {
				groups, titles = append(groups, g), append(titles, g.Title)
			}
		}
		var res []outcome.MeasureResult
		for _, g := range groups {
			if i < len(g.Measures) {
				res = append(res, g.Measures[i])
			}
		}
		if res[0].BaselineN.State == outcome.None && res[0].Denominator.State == outcome.None {
			continue
		}
		any = true
		better := "higher is better"
		if m.Direction == fund.Lower {
			better = "lower is better"
		}
		switch m.Kind {
		case fund.KindMean:
			p.subheading(m.Title, m.Unit+"; "+better, 14*float64(len(res))+16+float64(len(res)+1)*rowH)
			p.dumbbell(m, titles, res)
			t := table{cols: []column{{"Where", 78, "L"}, {"Baseline (people)", 32, "R"}, {"Follow-up (people)", 32, "R"}, {"Change", 32, "R"}}}
			for j, x := range res {
				t.rows = append(t.rows, []string{titles[j], text(x.BaselineMean) + " (" + text(x.BaselineN) + ")",
					text(x.FollowUpMean) + " (" + text(x.FollowUpN) + ")", signed(x.Change)})
			}
			p.table(t)
		case fund.KindProportion:
			p.subheading(m.Title, better, float64(len(res)+1)*rowH)
			t := table{cols: []column{{"Where", 78, "L"}, {"People", 32, "R"}, {"Of", 32, "R"}, {"Per cent", 32, "R"}}}
			for j, x := range res {
				t.rows = append(t.rows, []string{titles[j], text(x.Numerator), text(x.Denominator), pct(x.Percent)})
			}
			p.table(t)
		}
	}
	if !any {
		p.para("No award has verified outcome figures yet.")
	}
}

// targets says, per measure and route, how many awards met the target they
// set at application, of those with a result to compare.
func (p *pager) targets() {
	type tally struct{ set, result, met int }
	type key struct{ measure, route string }
	var order []key
	tallies := map[key]*tally{}
	for _, a := range p.in.Rollup.PerAward {
		for _, t := range a.Targets {
			k := key{t.Measure, t.Route}
			if tallies[k] == nil {
				tallies[k] = &tally{}
				order = append(order, k)
			}
			x := tallies[k]
			x.set++
			if t.Met != nil {
				x.result++
				if *t.Met {
					x.met++
				}
			}
		}
	}
	p.heading("Targets", 30)
	if len(order) == 0 {
		p.para("No award has set targets.")
		return
	}
	p.para("Each award set a baseline and a target per measure and route when it applied. A target is met when the award's latest verified figure reaches it in the direction that counts as improvement; a suppressed figure is not compared.")
	t := table{cols: []column{{"Measure", 70, "L"}, {"Route", 44, "L"}, {"Targets set", 20, "R"}, {"With a result", 20, "R"}, {"Met", 20, "R"}}}
	for _, m := range p.in.Fund.Measures {
		for _, g := range p.in.Fund.DeploymentRoutes {
			x := tallies[key{m.ID, g.ID}]
			if x == nil {
				continue
			}
			t.rows = append(t.rows, []string{m.Title, g.Title, strconv.Itoa(x.set), strconv.Itoa(x.result), strconv.Itoa(x.met)})
		}
	}
	p.table(t)
}

func (p *pager) caveats() {
	r := p.in.Rollup
	p.heading("About these figures", 40)
	for _, s := range []string{
		r.Suppression,
		"Figures are self-reported by the awarded organisations as aggregates at each milestone, and checked by the programme team when they verify the milestone; they are not independently audited, and no data about any person is held.",
		fmt.Sprintf("%d of %d awards have reported; an award that has not reported adds to the plan and to the credit drawn but not to the people reached, so reach and cost per person move as reports arrive.", r.Reporting, r.Awards),
		"Only verified milestones count, and for each measure and route the latest verified figure of each award is the one used.",
		"Means are weighted by the number of people each award measured; a change from baseline is weighted by the people followed up, who are among those measured at baseline. Credit is drawn per award, not per route, so routes have no plan or cost per person.",
	} {
		p.bullet(s)
	}
}

func (p *pager) bullet(s string) {
	p.style(bodySize, "", ink)
	lines := p.pdf.SplitText(s, contentW-6)
	p.ensure(float64(len(lines)) * bodyLead)
	p.pdf.SetFillColor(accent.r, accent.g, accent.b)
	p.pdf.Circle(marginX+1.5, p.y+bodyLead/2, 0.8, "F")
	for _, l := range lines {
		p.pdf.SetXY(marginX+6, p.y)
		p.pdf.CellFormat(contentW-6, bodyLead, l, "", 0, "L", false, 0, "")
		p.y += bodyLead
	}
	p.y += 1.5
}

func (p *pager) footer(page, pages int) {
	pdf := p.pdf
	y := bodyBottom + 8
	pdf.SetDrawColor(rule.r, rule.g, rule.b)
	pdf.SetLineWidth(0.2)
	pdf.Line(marginX, y, pageW-marginX, y)
	p.style(7.5, "", muted)
	pdf.SetXY(marginX, y+1.5)
	pdf.CellFormat(contentW-30, 4, p.in.Fund.Name+" · evaluation report · figures to "+calendar.LongDate(p.in.At), "", 0, "L", false, 0, "")
	p.style(7.5, "B", muted)
	pdf.SetXY(pageW-marginX-30, y+1.5)
	pdf.CellFormat(30, 4, fmt.Sprintf("Page %d of %d", page, pages), "", 0, "R", false, 0, "")
}

// text is a cell as tables show it, a dash for no figure.
func text(c outcome.Cell) string { return orDash(c.Text()) }

func pct(c outcome.Cell) string {
	if c.State == outcome.Shown {
		return c.Text() + "%"
	}
	return text(c)
}

func signed(c outcome.Cell) string {
	if c.State == outcome.Shown && c.Value > 0 {
		return "+" + c.Text()
	}
	return text(c)
}

// pence is a cell of pence as money.
func pence(c outcome.Cell) string {
	if c.State != outcome.Shown {
		return text(c)
	}
	return money.Format(int64(c.Value / decimal.Scale))
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
