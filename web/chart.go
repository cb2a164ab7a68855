package web

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fundflow/fundflow/internal/money"
	"github.com/fundflow/fundflow/web/apiclient"
)

// The dashboard's charts are inline SVG drawn by the templates from the
// small structs here: no script, no chart library, nothing for the
// Content-Security-Policy to allow. The geometry is worked out in Go, in
// integers, so it can be tested and no float ever touches money.

// barWidth is the budget bar's width in SVG units: a part's width is its
// share of the total in thousandths.
const barWidth = 1000

// barPart is one part of the fund's budget on the stacked bar, with its
// legend entry below the bar.
type barPart struct {
	Key, Label string
	Pence      int64
	X, Width   int
	// LegendX and LegendY place the part's legend entry.
	LegendX, LegendY int
}

type budgetChart struct {
	Width, Height int
	TotalPence    int64
	Parts         []barPart
	// Label is the chart's accessible name: every figure, in words.
	Label string
}

// newBudgetChart splits the fund into what is drawn, committed, reserved
// and available. The ledger keeps those four adding up to the total; the
// bar is scaled to their sum all the same, so it is always exactly full.
func newBudgetChart(b apiclient.Budget) budgetChart {
	c := budgetChart{Width: barWidth, Height: 150, TotalPence: b.TotalPence, Parts: []barPart{
		{Key: "drawn", Label: "Drawn", Pence: b.DrawnPence},
		{Key: "committed", Label: "Committed but not yet drawn", Pence: b.CommittedPence},
		{Key: "reserved", Label: "Reserved for offers", Pence: b.ReservedPence},
		{Key: "available", Label: "Available", Pence: b.AvailablePence},
	}}
	var sum int64
	for _, p := range c.Parts {
		sum += max(p.Pence, 0)
	}
	// Each edge is placed from the running total, so rounding never adds
	// up: the last edge lands on the bar's end whatever the amounts.
	var upTo int64
	words := make([]string, len(c.Parts))
	for i := range c.Parts {
		p := &c.Parts[i]
		x := share(upTo, sum, barWidth)
		upTo += max(p.Pence, 0)
		p.X, p.Width = x, share(upTo, sum, barWidth)-x
		p.LegendX, p.LegendY = i%2*barWidth/2, 90+i/2*34
		words[i] = money.Short(p.Pence) + " " + strings.ToLower(p.Label)
	}
	c.Label = fmt.Sprintf("Budget of %s: %s.", money.Short(b.TotalPence), strings.Join(words, ", "))
	return c
}

// share is part/whole of width, rounded down; nothing of nothing is 0.
func share(part, whole int64, width int) int {
	if whole <= 0 {
		return 0
	}
	return int(part * int64(width) / whole)
}

// Timeline layout, in SVG units.
const (
	timelineWidth  = 1000
	timelineLabelW = 250 // the organisation names on the left
	timelineRight  = 980
	timelineTop    = 40 // room for the "Today" label
	timelineRowH   = 36
	markerR        = 8
)

// awardMilestones is one award and its milestones.
type awardMilestones struct {
	Deployment apiclient.Deployment
	Milestones []apiclient.Milestone
}

type timelineChart struct {
	Width, Height int
	Rows          []timelineRow
	// AxisY is the date axis; Start and End label its ends.
	AxisY      int
	Start, End axisLabel
	// Today marks the current date when it falls on the axis.
	Today  *axisLabel
	Legend []timelineMarker
	Label  string
}

type axisLabel struct {
	X    int
	Text string
}

type timelineRow struct {
	Label   string
	Y       int
	Markers []timelineMarker
}

// timelineMarker is a milestone on the axis. Its shape as well as its
// colour says its status, so the chart does not rely on colour alone.
type timelineMarker struct {
	X, Y   int
	Path   string
	Fill   string
	Status string
	// Title is the marker's tooltip and, in the legend, its text.
	Title string
}

// markerStyle is each status's shape and colour, from the NHS palette.
var markerStyle = map[string]struct {
	shape func(x, y int) string
	fill  string
}{
	"verified":  {circle, "#007f3b"},
	"submitted": {square, "#005eb8"},
	"overdue":   {triangle, "#d5281b"},
	"returned":  {diamond, "#ffb81c"},
	"pending":   {circle, "#ffffff"},
}

var legendOrder = []string{"verified", "submitted", "returned", "overdue", "pending"}

func circle(x, y int) string {
	return fmt.Sprintf("M%d %da%d %d 0 1 0 %d 0a%d %d 0 1 0 %d 0Z", x-markerR, y, markerR, markerR, 2*markerR, markerR, markerR, -2*markerR)
}

func square(x, y int) string {
	return fmt.Sprintf("M%d %dh%dv%dh%dZ", x-markerR, y-markerR, 2*markerR, 2*markerR, -2*markerR)
}

func triangle(x, y int) string {
	return fmt.Sprintf("M%d %dL%d %dL%d %dZ", x, y-markerR-1, x+markerR+1, y+markerR, x-markerR-1, y+markerR)
}

func diamond(x, y int) string {
	return fmt.Sprintf("M%d %dL%d %dL%d %dL%d %dZ", x, y-markerR-1, x+markerR+1, y, x, y+markerR+1, x-markerR-1, y)
}

func newMarker(status string, x, y int, title string) timelineMarker {
	st, ok := markerStyle[status]
	if !ok {
		status, st = "pending", markerStyle["pending"]
	}
	return timelineMarker{X: x, Y: y, Path: st.shape(x, y), Fill: st.fill, Status: status, Title: title}
}

// newTimeline puts every award's milestones on one date axis, from the
// earliest due date to the latest, a row per award.
func newTimeline(awards []awardMilestones, now time.Time) timelineChart {
	var start, end time.Time
	for _, a := range awards {
		for _, m := range a.Milestones {
			if start.IsZero() || m.DueAt.Before(start) {
				start = m.DueAt
			}
			if m.DueAt.After(end) {
				end = m.DueAt
			}
		}
	}
	axisY := timelineTop + len(awards)*timelineRowH
	c := timelineChart{
		Width: timelineWidth, Height: axisY + 80, AxisY: axisY,
		Start: axisLabel{X: timelineLabelW, Text: fmtTime(start, "2 Jan 2006")},
		End:   axisLabel{X: timelineRight, Text: fmtTime(end, "2 Jan 2006")},
		Label: fmt.Sprintf("Milestones of %d awards by due date, from %s to %s.", len(awards), fmtTime(start, "2 January 2006"), fmtTime(end, "2 January 2006")),
	}
	x := func(t time.Time) int {
		span := end.Sub(start) / time.Second
		if span <= 0 {
			return (timelineLabelW + timelineRight) / 2
		}
		return timelineLabelW + int(int64(t.Sub(start)/time.Second)*(timelineRight-timelineLabelW)/int64(span))
	}
	if !start.IsZero() && !now.Before(start) && !now.After(end) {
		c.Today = &axisLabel{X: x(now), Text: "Today"}
	}
	for i, a := range awards {
		row := timelineRow{Label: clip(orgLabel(a.Deployment), 30), Y: timelineTop + i*timelineRowH + timelineRowH/2}
		for _, m := range a.Milestones {
			title := fmt.Sprintf("%s: due %s, %s", m.Title, fmtTime(m.DueAt, "2 January 2006"), strings.ToLower(humanize(string(m.Status))))
			row.Markers = append(row.Markers, newMarker(string(m.Status), x(m.DueAt), row.Y, title))
		}
		c.Rows = append(c.Rows, row)
	}
	for i, st := range legendOrder {
		c.Legend = append(c.Legend, newMarker(st, 20+i*190, axisY+60, humanize(st)))
	}
	return c
}

func orgLabel(d apiclient.Deployment) string {
	if d.OrgName != "" {
		return d.OrgName
	}
	return d.OrgCode
}

// clip shortens a label that would run into the chart.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
