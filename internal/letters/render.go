// Package letters renders decision letters to PDF from a frozen snapshot,
// and names the record a workflow keeps of each and the store that holds
// them by hash. It is pure domain: it imports money, pdfmeta, the templates
// and gofpdf with the Go fonts, never Temporal, Redis or the blob store
// itself. gofpdf is its only PDF writer.
//
// # Letter markup
//
// Wording lives in templates/letters/<kind>.tmpl (text/template). A template
// emits a small line-oriented markup that Render lays out on A4. Each line
// starts with a directive; cells within a line are separated by "|":
//
//	.letterhead SPONSOR | FUND     banner at the top of page one
//	.to TEXT                       addressee line (left of the heading block)
//	.meta LABEL | VALUE            reference row (right of the heading block)
//	.subject TEXT                  bold subject line; also the PDF title
//	.h TEXT                        section heading, kept with what follows
//	.p TEXT                        paragraph
//	.quote TEXT                    indented italic paragraph, for words quoted from a panel
//	.li TEXT                       bulleted item
//	.ol TEXT                       numbered item; numbering restarts after any other line
//	.kv LABEL | VALUE              shaded label/value row; consecutive rows form one box
//	.th CELL | CELL ...            table header, which opens a table; a leading ">"
//	                               right-aligns the column. The column with the most
//	                               text takes the spare width, the others fit their
//	                               widest cell.
//	.tr CELL | CELL ...            table row, repeated under the header after a page break
//	.tf CELL | CELL ...            table total row, bold and ruled
//	.sign CLOSING | NAME | ROLE | ORG   signature block, never split across pages
//	.footer LEFT | RIGHT           footer line on every page; {page} and {pages} are
//	                               replaced by the page number and page count
//
// A line that does not start with "." continues the previous line, so long
// prose can wrap in the template. Blank lines are ignored. "\|" is a literal
// bar and "\\" a literal backslash; every value reaches the template already
// escaped and flattened to one line, so data can never inject markup.
package letters

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/fundflow/fundflow/internal/pdfmeta"
)

// Renderers. A snapshot names the renderer that drew its letter, so a
// letter can be rendered again byte for byte however the renderer has moved
// on since; a renderer, once letters have been issued with it, never
// changes its output.
const (
	// RendererGofpdf (0, what snapshots without a renderer field mean)
	// draws with gofpdf and its UTF-8 font embedding, with the title and
	// author in the information dictionary.
	RendererGofpdf = 0
	// RendererSubset (1) drew the same layout through a PDF writer of this
	// package's own. It is retired and Render refuses it: its letters
	// were only ever issued from development data (ErrRetiredRenderer).
	RendererSubset = 1
	// RendererMetadata (2) draws as renderer 0 does, and adds the subject
	// and an XMP packet naming the title and the language (pdfmeta).
	RendererMetadata = 2
	// RendererLatest is what new letters are drawn with.
	RendererLatest = RendererMetadata
)

// ErrRetiredRenderer is what Render returns for a snapshot naming renderer
// 1. Drawing such a letter with another renderer would give it other
// bytes, which its recorded SHA-256 would then refuse, so it is not drawn
// at all.
var ErrRetiredRenderer = errors.New("letters: the letter was drawn by renderer 1, which is retired; " +
	"its letters only ever existed in development data, so start fundflow dev on a fresh data directory")

// Render lays out the letter for s as a PDF with the renderer s names. The
// same snapshot always gives the same bytes, which is what lets a stored
// SHA-256 prove a letter genuine.
func Render(s Snapshot) ([]byte, error) {
	if s.Renderer == RendererSubset {
		return nil, ErrRetiredRenderer
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	canon, err := canonical(s)
	if err != nil {
		return nil, err
	}
	var frozen Snapshot
	if err := json.Unmarshal(canon, &frozen); err != nil {
		return nil, fmt.Errorf("letters: decode snapshot: %w", err)
	}

	var src strings.Builder
	if err := letterTemplates.ExecuteTemplate(&src, string(s.Kind)+".tmpl", newView(frozen, hashHex(canon))); err != nil {
		return nil, fmt.Errorf("letters: %s template: %w", s.Kind, err)
	}
	lines, err := parse(src.String())
	if err != nil {
		return nil, fmt.Errorf("letters: %s template: %w", s.Kind, err)
	}

	title, author := "", ""
	for _, l := range lines {
		switch l.kind {
		case "subject":
			title = l.cells[0]
		case "letterhead":
			author = l.cells[0]
		}
	}
	pdf := newGofpdf(lines, frozen.Renderer, pdfmeta.Meta{
		Title: title, Author: author, Subject: "Letter reference " + frozen.Ref, At: frozen.IssuedAt,
	})
	if err := layout(pdf, lines); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("letters: write pdf: %w", err)
	}
	return out.Bytes(), nil
}

// Page geometry in millimetres, type sizes in points.
const (
	pageW, pageH  = 210.0, 297.0
	marginX       = 22.0
	marginTop     = 18.0
	bodyBottom    = pageH - 28 // the footer sits below this
	contentW      = pageW - 2*marginX
	bodySize      = 10.5
	bodyLead      = 5.2
	smallSize     = 9.0
	smallLead     = 4.6
	footerSize    = 7.5
	family        = "go"
	metaColumnX   = 118.0
	metaLabelW    = 24.0
	kvLabelW      = 48.0
	cellPad       = 1.8
	listIndent    = 7.0
	signatureGap  = 14.0
	letterheadGap = 9.0
)

type rgb struct{ r, g, b int }

var (
	ink    = rgb{33, 37, 41}
	muted  = rgb{96, 103, 110}
	accent = rgb{20, 92, 90}
	tint   = rgb{236, 243, 242}
	rule   = rgb{200, 206, 210}
)

type pager struct {
	pdf    *gofpdf.Fpdf
	footer [][]string
}

// newGofpdf starts a document for renderer 0 or 2. Its calls and their
// order are part of what both renderers' letters hash to: leave them be.
func newGofpdf(lines []line, renderer int, m pdfmeta.Meta) *gofpdf.Fpdf {
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	if renderer == RendererGofpdf {
		pdf.SetCreationDate(m.At)
		pdf.SetModificationDate(m.At)
		pdf.SetProducer("fundflow", false)
		pdf.SetCreator("fundflow", false)
	} else {
		pdfmeta.Set(pdf, m)
	}
	pdf.SetMargins(marginX, marginTop, marginX)
	pdf.SetAutoPageBreak(false, 0) // breaks are placed by ensure
	pdf.SetCellMargin(0)
	// Each document gets its own copy of the font files: gofpdf's subsetter
	// pads tables by appending to slices of the bytes it was given, which
	// would write into the shared package-level fonts under concurrent renders.
	pdf.AddUTF8FontFromBytes(family, "", bytes.Clone(goregular.TTF))
	pdf.AddUTF8FontFromBytes(family, "B", bytes.Clone(gobold.TTF))
	// An embedded font costs bytes even when unused, and only quotes are
	// set in italic.
	if slices.ContainsFunc(lines, func(l line) bool { return l.kind == "quote" }) {
		pdf.AddUTF8FontFromBytes(family, "I", bytes.Clone(goitalic.TTF))
	}
	if renderer == RendererGofpdf {
		if m.Title != "" {
			pdf.SetTitle(m.Title, true)
		}
		if m.Author != "" {
			pdf.SetAuthor(m.Author, true)
		}
	}
	return pdf
}

func layout(pdf *gofpdf.Fpdf, lines []line) error {
	p := &pager{pdf: pdf}
	for _, l := range lines {
		if l.kind == "footer" {
			p.footer = append(p.footer, l.cells)
		}
	}
	pdf.AddPage()

	prev := ""
	for i := 0; i < len(lines); {
		l := lines[i]
		if l.kind == "footer" {
			i++ // collected above; drawn last
			continue
		}
		pdf.SetY(pdf.GetY() + spacing(prev, l.kind))
		switch l.kind {
		case "letterhead":
			p.letterhead(l.cells)
		case "to", "meta":
			j := i
			for j < len(lines) && (lines[j].kind == "to" || lines[j].kind == "meta") {
				j++
			}
			p.headingBlock(lines[i:j])
			i = j - 1
		case "subject":
			p.text(l.cells[0], 0, 12, "B", accent, 5.8, 1)
		case "h":
			p.ensure(p.keepHeight(lines[i:]))
			p.text(l.cells[0], 0, 11, "B", accent, 5.6, 1)
		case "p":
			// A sign-off alone on the last page reads as an afterthought, so
			// the closing paragraph moves over with it.
			if i+1 < len(lines) && lines[i+1].kind == "sign" {
				p.style(bodySize, "", ink)
				n := len(pdf.SplitText(l.cells[0], contentW))
				p.ensure(float64(n)*bodyLead + spacing("p", "sign") + signHeight(lines[i+1].cells))
			}
			p.text(l.cells[0], 0, bodySize, "", ink, bodyLead, 2)
		case "quote":
			p.quote(l.cells[0])
		case "li", "ol":
			n := 0
			for ; i < len(lines) && lines[i].kind == l.kind; i++ {
				n++
				marker := "•"
				if l.kind == "ol" {
					marker = strconv.Itoa(n) + "."
				}
				if n > 1 {
					pdf.SetY(pdf.GetY() + 1.2)
				}
				p.listItem(marker, lines[i].cells[0])
			}
			i--
		case "kv":
			for ; i < len(lines) && lines[i].kind == "kv"; i++ {
				p.kvRow(lines[i].cells[0], lines[i].cells[1])
			}
			i--
		case "th":
			rows := tableRows(lines[i:])
			p.table(newTable(pdf, rows))
			i += len(rows) - 1
		case "sign":
			p.signature(l.cells)
		}
		prev = l.kind // a group's first line names it: "th", not its last "tf"
		i++
	}

	// Footers go on last, once the page count is known. gofpdf's page-count
	// alias is not used because the digits it substitutes at output time may
	// be missing from the embedded font subset.
	pages := pdf.PageCount()
	for n := 1; n <= pages; n++ {
		pdf.SetPage(n)
		p.drawFooter(n, pages)
	}
	return pdf.Error()
}

// spacing is the vertical space between blocks; it depends on both
// neighbours so that, say, a heading sits closer to its paragraph than to
// the one before.
func spacing(prev, next string) float64 {
	switch {
	case prev == "":
		return 0
	case next == "h":
		return 4.5
	case prev == "h" || prev == "letterhead":
		return 0.8
	case next == "sign":
		return 4
	case prev == "subject":
		return 3.5
	case prev == "to" || prev == "meta":
		return 9
	case prev == "kv" || prev == "th" || next == "kv" || next == "th":
		return 4
	}
	return 2.6
}

// keepHeight is how much room a heading needs so it is not stranded at the
// foot of a page: two lines of what follows, or, when the section is a few
// paragraphs introducing a short table, the whole section, so a schedule of
// a handful of rows is not split from its heading or across pages.
func (p *pager) keepHeight(section []line) float64 {
	const headingH = 5.6
	minimum := headingH + spacing("h", "p") + 2*bodyLead
	h := headingH
	prev := "h"
	for i, l := range section[1:] {
		h += spacing(prev, l.kind)
		switch l.kind {
		case "p":
			p.style(bodySize, "", ink)
			h += bodyLead * float64(len(p.pdf.SplitText(l.cells[0], contentW)))
		case "th":
			if h += newTable(p.pdf, tableRows(section[1+i:])).height(); h <= (bodyBottom-marginTop)/2 {
				return max(h, minimum)
			}
			return minimum
		default:
			return minimum
		}
		prev = l.kind
	}
	return minimum
}

// ensure starts a new page unless h millimetres fit above the footer.
func (p *pager) ensure(h float64) bool {
	if p.pdf.GetY()+h <= bodyBottom {
		return false
	}
	p.pdf.AddPage()
	return true
}

func (p *pager) style(size float64, style string, c rgb) {
	p.pdf.SetFont(family, style, size)
	p.pdf.SetTextColor(c.r, c.g, c.b)
}

// text wraps s into width w (0 for the full measure) at the current x,
// breaking pages between lines but never leaving fewer than orphans lines at
// the foot of a page.
func (p *pager) text(s string, w, size float64, style string, c rgb, lead float64, orphans int) {
	p.style(size, style, c)
	x := p.pdf.GetX()
	if w == 0 {
		w = pageW - marginX - x
	}
	wrapped := p.pdf.SplitText(s, w)
	p.ensure(lead * float64(min(orphans, len(wrapped))))
	for _, ln := range wrapped {
		p.ensure(lead)
		p.pdf.SetX(x)
		p.pdf.CellFormat(w, lead, ln, "", 2, "L", false, 0, "")
	}
	p.pdf.SetX(marginX)
}

func (p *pager) letterhead(cells []string) {
	pdf := p.pdf
	p.style(19, "B", accent)
	pdf.CellFormat(contentW, 9, cells[0], "", 2, "L", false, 0, "")
	if len(cells) > 1 {
		p.style(11, "", muted)
		pdf.CellFormat(contentW, 6, cells[1], "", 2, "L", false, 0, "")
	}
	y := pdf.GetY() + 2.5
	pdf.SetDrawColor(accent.r, accent.g, accent.b)
	pdf.SetLineWidth(0.7)
	pdf.Line(marginX, y, pageW-marginX, y)
	pdf.SetY(y + letterheadGap)
}

// headingBlock sets the addressee on the left and the reference rows on the
// right, the way a posted letter's window and reference panel sit.
func (p *pager) headingBlock(lines []line) {
	pdf := p.pdf
	top := pdf.GetY()
	leftY, rightY := top, top
	for _, l := range lines {
		switch l.kind {
		case "to":
			pdf.SetXY(marginX, leftY)
			p.text(l.cells[0], metaColumnX-marginX-6, bodySize, "", ink, bodyLead, 1)
			leftY = pdf.GetY()
		case "meta":
			p.style(smallSize, "", muted)
			pdf.SetXY(metaColumnX, rightY)
			pdf.CellFormat(metaLabelW, smallLead+0.4, l.cells[0], "", 0, "L", false, 0, "")
			pdf.SetXY(metaColumnX+metaLabelW, rightY)
			p.text(l.cells[1], pageW-marginX-metaColumnX-metaLabelW, smallSize, "B", ink, smallLead+0.4, 1)
			rightY = pdf.GetY()
		}
	}
	pdf.SetXY(marginX, max(leftY, rightY))
}

func (p *pager) listItem(marker, s string) {
	pdf := p.pdf
	p.style(bodySize, "", ink)
	w := contentW - listIndent
	wrapped := pdf.SplitText(s, w)
	p.ensure(bodyLead * float64(min(2, len(wrapped))))
	top := pdf.GetY()
	markerStyle := ""
	if marker != "•" {
		markerStyle = "B"
	}
	p.style(bodySize, markerStyle, accent)
	pdf.SetXY(marginX+1, top)
	pdf.CellFormat(listIndent-1, bodyLead, marker, "", 0, "L", false, 0, "")
	pdf.SetXY(marginX+listIndent, top)
	p.text(s, w, bodySize, "", ink, bodyLead, 2)
}

func (p *pager) kvRow(label, value string) {
	pdf := p.pdf
	const pad = 1.6
	labelW := kvLabelW - 3
	valueW := contentW - kvLabelW - 2*cellPad
	p.style(smallSize+0.5, "", muted)
	labels := pdf.SplitText(label, labelW)
	p.style(bodySize, "B", ink)
	values := pdf.SplitText(value, valueW)
	h := float64(max(len(labels), len(values)))*bodyLead + 2*pad
	p.ensure(h)
	top := pdf.GetY()
	pdf.SetFillColor(tint.r, tint.g, tint.b)
	pdf.Rect(marginX, top, contentW, h, "F")
	pdf.SetDrawColor(accent.r, accent.g, accent.b)
	pdf.SetLineWidth(0.8)
	pdf.Line(marginX, top, marginX, top+h)

	p.style(smallSize+0.5, "", muted)
	for i, ln := range labels {
		pdf.SetXY(marginX+cellPad+1, top+pad+float64(i)*bodyLead)
		pdf.CellFormat(labelW, bodyLead, ln, "", 0, "L", false, 0, "")
	}
	p.style(bodySize, "B", ink)
	for i, ln := range values {
		pdf.SetXY(marginX+cellPad+kvLabelW, top+pad+float64(i)*bodyLead)
		pdf.CellFormat(valueW, bodyLead, ln, "", 0, "L", false, 0, "")
	}
	pdf.SetXY(marginX, top+h)
}

// quote sets words written by a panel or reviewer apart from the letter's
// own voice: indented, italic, with a rule down the left.
func (p *pager) quote(s string) {
	pdf := p.pdf
	p.style(bodySize, "I", ink)
	w := contentW - 2*listIndent
	wrapped := pdf.SplitText(s, w)
	p.ensure(bodyLead * float64(min(2, len(wrapped))))
	pdf.SetDrawColor(rule.r, rule.g, rule.b)
	pdf.SetLineWidth(0.8)
	for _, ln := range wrapped {
		p.ensure(bodyLead)
		y := pdf.GetY()
		pdf.Line(marginX+2.5, y, marginX+2.5, y+bodyLead)
		pdf.SetXY(marginX+listIndent, y)
		pdf.CellFormat(w, bodyLead, ln, "", 2, "L", false, 0, "")
	}
	pdf.SetX(marginX)
}

type column struct {
	w     float64
	align string
}

type table struct {
	cols []column
	head tableRow
	rows []tableRow
}

type tableRow struct {
	kind  string
	cells [][]string // wrapped lines per cell
	h     float64
}

// tableRows returns the header at lines[0] and the rows that follow it.
func tableRows(lines []line) []line {
	n := 1
	for n < len(lines) && (lines[n].kind == "tr" || lines[n].kind == "tf") {
		n++
	}
	return lines[:n]
}

// newTable sizes the columns and wraps every cell up front, so that a
// table's height is known before any of it is drawn.
func newTable(pdf *gofpdf.Fpdf, rows []line) *table {
	t := &table{cols: make([]column, len(rows[0].cells))}
	head := make([]string, len(t.cols))
	for i, h := range rows[0].cells {
		t.cols[i].align = "L"
		if rest, ok := strings.CutPrefix(h, ">"); ok {
			t.cols[i].align, h = "R", strings.TrimSpace(rest)
		}
		head[i] = h
	}

	// Natural widths are measured in bold, the widest style a cell can take,
	// so a total row never overflows its column. The column with the most
	// text flexes; no other may take more than its share of 60% of the
	// measure, and beyond that it wraps.
	pdf.SetFont(family, "B", smallSize)
	flex := 0
	for i := range t.cols {
		w := pdf.GetStringWidth(head[i])
		for _, r := range rows[1:] {
			w = max(w, pdf.GetStringWidth(r.cells[i]))
		}
		t.cols[i].w = w + 2*cellPad + 0.5
		if t.cols[i].w > t.cols[flex].w {
			flex = i
		}
	}
	spare := contentW
	for i := range t.cols {
		if i != flex {
			t.cols[i].w = min(t.cols[i].w, contentW*0.6/float64(len(t.cols)-1))
			spare -= t.cols[i].w
		}
	}
	t.cols[flex].w = spare

	t.head = t.wrap(pdf, "th", head)
	for _, r := range rows[1:] {
		t.rows = append(t.rows, t.wrap(pdf, r.kind, r.cells))
	}
	return t
}

func rowStyle(kind string) (string, rgb) {
	switch kind {
	case "th":
		return "B", accent
	case "tf":
		return "B", ink
	}
	return "", ink
}

func (t *table) wrap(pdf *gofpdf.Fpdf, kind string, cells []string) tableRow {
	style, _ := rowStyle(kind)
	pdf.SetFont(family, style, smallSize)
	r := tableRow{kind: kind, cells: make([][]string, len(cells))}
	n := 1
	for i, s := range cells {
		r.cells[i] = pdf.SplitText(s, t.cols[i].w-2*cellPad)
		n = max(n, len(r.cells[i]))
	}
	r.h = float64(n)*smallLead + 2*cellPad
	return r
}

func (t *table) height() float64 {
	h := t.head.h
	for _, r := range t.rows {
		h += r.h
	}
	return h
}

// table draws t, repeating the header at the top of each page it runs onto.
func (p *pager) table(t *table) {
	first := t.head.h
	if len(t.rows) > 0 {
		first += t.rows[0].h
	}
	p.ensure(first)
	p.row(t, t.head)
	for _, r := range t.rows {
		if p.ensure(r.h) {
			p.row(t, t.head)
		}
		p.row(t, r)
	}
}

func (p *pager) row(t *table, r tableRow) {
	pdf := p.pdf
	top := pdf.GetY()
	if r.kind == "th" {
		pdf.SetFillColor(tint.r, tint.g, tint.b)
		pdf.Rect(marginX, top, contentW, r.h, "F")
	}
	style, c := rowStyle(r.kind)
	p.style(smallSize, style, c)
	x := marginX
	for i, col := range t.cols {
		for j, ln := range r.cells[i] {
			pdf.SetXY(x+cellPad, top+cellPad+float64(j)*smallLead)
			pdf.CellFormat(col.w-2*cellPad, smallLead, ln, "", 0, col.align, false, 0, "")
		}
		x += col.w
	}
	if r.kind == "tf" {
		pdf.SetLineWidth(0.4)
		pdf.SetDrawColor(ink.r, ink.g, ink.b)
		pdf.Line(marginX, top, pageW-marginX, top)
	}
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(rule.r, rule.g, rule.b)
	pdf.Line(marginX, top+r.h, pageW-marginX, top+r.h)
	pdf.SetXY(marginX, top+r.h)
}

func signHeight(cells []string) float64 {
	return bodyLead*float64(len(cells)) + signatureGap
}

func (p *pager) signature(cells []string) {
	pdf := p.pdf
	p.ensure(signHeight(cells))
	p.text(cells[0], 0, bodySize, "", ink, bodyLead, 1)
	pdf.SetY(pdf.GetY() + signatureGap)
	p.text(cells[1], 0, bodySize, "B", ink, bodyLead, 1)
	for _, s := range cells[2:] {
		p.text(s, 0, bodySize, "", muted, bodyLead, 1)
	}
}

// drawFooter appends to a finished page, so it sets every piece of graphics
// state it relies on rather than trusting what the page stream left behind.
func (p *pager) drawFooter(page, pages int) {
	pdf := p.pdf
	y := bodyBottom + 8
	pdf.SetFillColor(tint.r, tint.g, tint.b)
	pdf.SetDrawColor(rule.r, rule.g, rule.b)
	pdf.SetLineWidth(0.2)
	pdf.Line(marginX, y, pageW-marginX, y)
	y += 1.5
	fill := strings.NewReplacer("{page}", strconv.Itoa(page), "{pages}", strconv.Itoa(pages))
	for _, cells := range p.footer {
		right := ""
		if len(cells) > 1 {
			right = fill.Replace(cells[1])
		}
		p.style(footerSize, "B", muted)
		rightW := pdf.GetStringWidth(right)
		pdf.SetXY(pageW-marginX-rightW, y)
		pdf.CellFormat(rightW, 3.8, right, "", 0, "R", false, 0, "")

		// Shrink rather than wrap or clip: the verification line must be
		// complete on every page, however long the URL.
		left := fill.Replace(cells[0])
		size := footerSize
		for p.style(size, "", muted); size > 5 && pdf.GetStringWidth(left) > contentW-rightW-4; size -= 0.25 {
			p.style(size-0.25, "", muted)
		}
		pdf.SetXY(marginX, y)
		pdf.CellFormat(contentW-rightW-4, 3.8, left, "", 0, "L", false, 0, "")
		y += 3.8
	}
}
