package report

import (
	"strings"

	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/outcome"
)

type column struct {
	title string
	w     float64
	align string
}

type table struct {
	cols []column
	rows [][]string
}

// table draws a header row and the rows, the header again after a page
// break; cells that do not fit are shortened, never wrapped.
func (p *pager) table(t table) {
	pdf := p.pdf
	header := func() {
		p.style(smallSize, "B", ink)
		x := marginX
		pdf.SetFillColor(tint.r, tint.g, tint.b)
		pdf.Rect(marginX, p.y, contentW, rowH, "F")
		for _, c := range t.cols {
			pdf.SetXY(x+1, p.y)
			pdf.CellFormat(c.w-2, rowH, c.title, "", 0, c.align, false, 0, "")
			x += c.w
		}
		p.y += rowH
	}
	p.ensure(2 * rowH)
	header()
	pdf.SetDrawColor(rule.r, rule.g, rule.b)
	pdf.SetLineWidth(0.2)
	for _, row := range t.rows {
		// A long name wraps to two lines at most, then is shortened.
		p.style(smallSize, "", ink)
		cells := make([][]string, len(t.cols))
		lines := 1
		for i, c := range t.cols {
			cells[i] = pdf.SplitText(row[i], c.w-2)
			if len(cells[i]) > 2 {
				cells[i] = []string{cells[i][0], fit(p, strings.Join(cells[i][1:], " "), c.w-2)}
			}
			lines = max(lines, len(cells[i]))
		}
		h := rowH + float64(lines-1)*smallLead
		if p.y+h > bodyBottom {
			pdf.AddPage()
			p.y = marginTop
			header()
			p.style(smallSize, "", ink)
		}
		x := marginX
		for i, c := range t.cols {
			for j, l := range cells[i] {
				pdf.SetXY(x+1, p.y+(rowH-smallLead)/2+float64(j)*smallLead)
				pdf.CellFormat(c.w-2, smallLead, l, "", 0, c.align, false, 0, "")
			}
			x += c.w
		}
		p.y += h
		pdf.Line(marginX, p.y, marginX+contentW, p.y)
	}
	p.y += 4
}

// fit shortens s with an ellipsis until it is at most w wide.
func fit(p *pager, s string, w float64) string {
	if p.pdf.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && p.pdf.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

type bar struct {
	label   string
	cell    outcome.Cell
	fill    rgb
	outline bool
}

type barRow struct {
	label string
	bars  []bar
}

const (
	chartLabelW = 50.0
	chartRight  = 22.0 // room for the last figure
	barH        = 4.2
)

// gridlines draws a chart's axis: a faint line at each of ax's ticks from
// top to bottom, its figure to places decimal places beneath.
func (p *pager) gridlines(ax outcome.Axis, xOf func(decimal.Decimal) float64, top, bottom float64, places int) {
	pdf := p.pdf
	pdf.SetLineWidth(0.15)
	pdf.SetDrawColor(rule.r, rule.g, rule.b)
	p.style(7, "", muted)
	for _, t := range ax.Ticks() {
		x := xOf(t)
		pdf.Line(x, top, x, bottom)
		pdf.SetXY(x-10, bottom+1)
		pdf.CellFormat(20, 4, t.Format(places), "", 0, "C", false, 0, "")
	}
}

// barChart draws horizontal bars per row on one axis from zero, each
// figure written at its bar's end; a suppressed figure is written, not
// drawn.
func (p *pager) barChart(rows []barRow) {
	pdf := p.pdf
	var values []decimal.Decimal
	for _, r := range rows {
		for _, b := range r.bars {
			if b.cell.State == outcome.Shown {
				values = append(values, b.cell.Value)
			}
		}
	}
	ax := outcome.NewAxis(values, true)
	rowHeight := float64(len(rows[0].bars))*barH + 4
	h := float64(len(rows))*rowHeight + 16
	p.ensure(h)
	x0 := marginX + chartLabelW
	plot := contentW - chartLabelW - chartRight
	top := p.y
	bottom := top + float64(len(rows))*rowHeight
	xOf := func(v decimal.Decimal) float64 { return x0 + float64(ax.Pos(v, 1_000_000))*plot/1_000_000 }
	p.gridlines(ax, xOf, top, bottom, 0)
	y := top
	for _, r := range rows {
		p.style(8.5, "B", ink)
		pdf.SetXY(marginX, y+rowHeight/2-2.5)
		pdf.CellFormat(chartLabelW-2, 4, fit(p, r.label, chartLabelW-3), "", 0, "L", false, 0, "")
		for j, b := range r.bars {
			by := y + 1 + float64(j)*barH
			end := x0
			if b.cell.State == outcome.Shown {
				end = xOf(b.cell.Value)
				pdf.SetFillColor(b.fill.r, b.fill.g, b.fill.b)
				pdf.SetDrawColor(ink.r, ink.g, ink.b)
				pdf.SetLineWidth(0.25)
				style := "F"
				if b.outline {
					style = "FD"
				}
				if end > x0 {
					pdf.Rect(x0, by+0.3, end-x0, barH-0.8, style)
				}
			}
			p.style(7, "", ink)
			pdf.SetXY(end+1, by)
			pdf.CellFormat(30, barH, orDash(b.cell.Text()), "", 0, "L", false, 0, "")
		}
		y += rowHeight
	}
	pdf.SetDrawColor(ink.r, ink.g, ink.b)
	pdf.SetLineWidth(0.3)
	pdf.Line(x0, bottom, x0+plot, bottom)
	// Legend.
	lx := marginX + chartLabelW
	for _, b := range rows[0].bars {
		pdf.SetFillColor(b.fill.r, b.fill.g, b.fill.b)
		pdf.SetDrawColor(ink.r, ink.g, ink.b)
		pdf.SetLineWidth(0.25)
		pdf.Rect(lx, bottom+7, 5, 3, "FD")
		p.style(8, "", ink)
		pdf.SetXY(lx+6.5, bottom+6.5)
		pdf.CellFormat(30, 4, b.label, "", 0, "L", false, 0, "")
		lx += 34
	}
	p.y = bottom + 16
}

// dumbbell draws one mean measure: per row a hollow circle at baseline, a
// filled one at follow-up and an arrow between, on an axis that hugs the
// values so a small change shows.
func (p *pager) dumbbell(m fund.Measure, titles []string, res []outcome.MeasureResult) {
	pdf := p.pdf
	var values []decimal.Decimal
	for _, r := range res {
		for _, c := range []outcome.Cell{r.BaselineMean, r.FollowUpMean} {
			if c.State == outcome.Shown {
				values = append(values, c.Value)
			}
		}
	}
	if len(values) == 0 {
		p.text("Suppressed: too few people measured to show.", smallSize, "", muted, smallLead)
		p.y += 2
		return
	}
	ax := outcome.NewAxis(values, false)
	const lineH = 9.0
	x0 := marginX + chartLabelW + 4
	plot := contentW - chartLabelW - 8 - 38
	p.ensure(float64(len(res))*lineH + 10)
	top := p.y
	bottom := top + float64(len(res))*lineH
	xOf := func(v decimal.Decimal) float64 { return x0 + float64(ax.Pos(v, 1_000_000))*plot/1_000_000 }
	p.gridlines(ax, xOf, top, bottom, ax.Places())
	for i, r := range res {
		y := top + float64(i)*lineH + lineH/2
		p.style(7.5, "", ink)
		label := pdf.SplitText(titles[i], chartLabelW-1)
		if len(label) > 2 {
			label = []string{label[0], fit(p, strings.Join(label[1:], " "), chartLabelW-1)}
		}
		for j, l := range label {
			pdf.SetXY(marginX, y-float64(len(label))*1.6+float64(j)*3.2)
			pdf.CellFormat(chartLabelW, 3.2, l, "", 0, "L", false, 0, "")
		}
		b, f := r.BaselineMean, r.FollowUpMean
		if b.State == outcome.Shown && f.State == outcome.Shown {
			bx, fx := xOf(b.Value), xOf(f.Value)
			pdf.SetDrawColor(ink.r, ink.g, ink.b)
			pdf.SetLineWidth(0.35)
			if d := fx - bx; d > 3 || d < -3 {
				dir := 1.0
				if d < 0 {
					dir = -1
				}
				tip := fx - dir*1.8
				pdf.Line(bx+dir*1.6, y, tip, y)
				pdf.Line(tip-dir*1.4, y-1.1, tip, y)
				pdf.Line(tip-dir*1.4, y+1.1, tip, y)
			}
		}
		if b.State == outcome.Shown {
			pdf.SetDrawColor(blue.r, blue.g, blue.b)
			pdf.SetFillColor(white.r, white.g, white.b)
			pdf.SetLineWidth(0.5)
			pdf.Circle(xOf(b.Value), y, 1.4, "FD")
		}
		if f.State == outcome.Shown {
			pdf.SetDrawColor(darkBlue.r, darkBlue.g, darkBlue.b)
			pdf.SetFillColor(blue.r, blue.g, blue.b)
			pdf.SetLineWidth(0.3)
			pdf.Circle(xOf(f.Value), y, 1.4, "FD")
		}
		p.style(8, "B", ink)
		pdf.SetXY(marginX+contentW-36, y-2)
		pdf.CellFormat(36, 4, text(b)+" → "+text(f)+"  ("+signed(r.Change)+")", "", 0, "R", false, 0, "")
	}
	pdf.SetDrawColor(ink.r, ink.g, ink.b)
	pdf.SetLineWidth(0.3)
	pdf.Line(x0, bottom, x0+plot, bottom)
	p.y = bottom + 8
}
