package letters

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf16"
)

// document is renderer 1's PDF writer. It draws what layout asks for with
// the same geometry, metrics and line breaking as gofpdf, so a letter reads
// and breaks exactly as under renderer 0, but the fonts are parsed once per
// process (faces) and each document embeds only the glyphs it used. gofpdf
// instead parses every font for every document, serialises a 65,536-entry
// width table per font to name it, and deflates a 128 KB glyph map per
// font, which is where most of a letter's time went.
//
// Only what layout uses is implemented: A4 portrait in millimetres, no
// automatic page breaks, no cell margin, text in one of the faces.
type document struct {
	title, author string
	issued        time.Time

	pages []*page
	cur   *page
	x, y  float64

	face     *face
	style    string
	sizePt   float64
	size     float64 // in millimetres, as gofpdf's fontSize
	text     string  // colour operators, as PDF wants them
	fill     string
	draw     string
	lineW    float64
	used     map[string]map[uint16]rune // per style: glyph to the rune it first drew
	faceList map[string]*face
}

// page is one page's content and the graphics state that content has set,
// so each operator is written only when the state it needs differs.
type page struct {
	content bytes.Buffer
	fill    string
	draw    string
	lineW   float64
}

const (
	ptPerMM = 72 / 25.4
	a4W     = 595.28 // points, as gofpdf's A4
	a4H     = 841.89
)

func newDocument(issued time.Time, title, author string) *document {
	return &document{
		title: title, author: author, issued: issued,
		text: "0.000 g", fill: "0.000 g", draw: "0.000 G", lineW: 0.2,
		used:     map[string]map[uint16]rune{},
		faceList: faces(),
	}
}

func (d *document) AddPage() {
	d.cur = &page{lineW: -1}
	d.pages = append(d.pages, d.cur)
	d.x, d.y = marginX, marginTop
}

func (d *document) SetPage(n int) {
	if n >= 1 && n <= len(d.pages) {
		d.cur = d.pages[n-1]
	}
}

func (d *document) PageCount() int     { return len(d.pages) }
func (d *document) GetX() float64      { return d.x }
func (d *document) GetY() float64      { return d.y }
func (d *document) SetX(x float64)     { d.x = x }
func (d *document) SetY(y float64)     { d.x, d.y = marginX, y }
func (d *document) SetXY(x, y float64) { d.SetY(y); d.SetX(x) }
func (d *document) Error() error       { return nil }

func (d *document) SetFont(_, style string, size float64) {
	d.face, d.style = d.faceList[style], style
	d.sizePt, d.size = size, size/ptPerMM
}

// colour is the operator that sets an RGB colour, gray when it is one;
// gray and rgb are the operator's two spellings (g/rg fill, G/RG stroke).
func colour(r, g, b int, gray, rgb string) string {
	if r == g && g == b {
		return fmt.Sprintf("%.3f %s", float64(r)/255, gray)
	}
	return fmt.Sprintf("%.3f %.3f %.3f %s", float64(r)/255, float64(g)/255, float64(b)/255, rgb)
}

func (d *document) SetTextColor(r, g, b int) { d.text = colour(r, g, b, "g", "rg") }
func (d *document) SetFillColor(r, g, b int) { d.fill = colour(r, g, b, "g", "rg") }
func (d *document) SetDrawColor(r, g, b int) { d.draw = colour(r, g, b, "G", "RG") }
func (d *document) SetLineWidth(w float64)   { d.lineW = w }

// op appends one line to the page: each number with two decimals, as
// gofpdf writes them, then the operator.
func (d *document) op(operator string, nums ...float64) {
	b := d.cur.content.AvailableBuffer()
	for _, v := range nums {
		b = strconv.AppendFloat(b, v, 'f', 2, 64)
		b = append(b, ' ')
	}
	b = append(b, operator...)
	d.cur.content.Write(append(b, '\n'))
}

func (d *document) setFill(c string) {
	if d.cur.fill != c {
		d.cur.fill = c
		d.op(c)
	}
}

func (d *document) setStroke() {
	if d.cur.draw != d.draw {
		d.cur.draw = d.draw
		d.op(d.draw)
	}
	if d.cur.lineW != d.lineW {
		d.cur.lineW = d.lineW
		d.op("w", d.lineW*ptPerMM)
	}
}

func (d *document) Line(x1, y1, x2, y2 float64) {
	d.setStroke()
	d.op("m", x1*ptPerMM, a4H-y1*ptPerMM)
	d.op("l S", x2*ptPerMM, a4H-y2*ptPerMM)
}

// Rect fills; layout draws no outlined rectangles.
func (d *document) Rect(x, y, w, h float64, _ string) {
	d.setFill(d.fill)
	d.op("re f", x*ptPerMM, a4H-y*ptPerMM, w*ptPerMM, -h*ptPerMM)
}

// GetStringWidth is gofpdf's: thousandths of an em per rune, scaled by the
// font size, with .notdef's width for a rune the font lacks.
func (d *document) GetStringWidth(s string) float64 {
	w := 0
	for _, r := range s {
		w += d.face.runeWidth(r)
	}
	return float64(w) * d.size / 1000
}

// SplitText breaks s to lines no wider than w, at the last space that
// fits, or mid-word when a word alone is too wide: gofpdf's rule, kept so
// that both renderers break every line in the same place.
func (d *document) SplitText(txt string, w float64) []string {
	cw := d.face.cw
	wmax := int(math.Ceil(w * 1000 / d.size))
	s := []rune(txt)
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	var lines []string
	sep, i, j, l := -1, 0, 0, 0
	for i < len(s) {
		c := s[i]
		if c >= 0 && int(c) < len(cw) {
			l += cw[c]
		}
		if unicode.IsSpace(c) || c >= 0x4e00 && c <= 0x9fa5 {
			sep = i
		}
		if c == '\n' || l > wmax {
			if sep == -1 {
				if i == j {
					i++
				}
				sep = i
			} else {
				i = sep + 1
			}
			lines = append(lines, string(s[j:sep]))
			sep, j, l = -1, i, 0
		} else {
			i++
		}
	}
	if i != j {
		lines = append(lines, string(s[j:i]))
	}
	return lines
}

// CellFormat draws txt in a cell of width w and height h at the current
// position, vertically centred as gofpdf centres it, then moves right (ln
// 0) or down (ln 2). Borders, fills and links are not used by layout.
func (d *document) CellFormat(w, h float64, txt, _ string, ln int, align string, _ bool, _ int, _ string) {
	if txt != "" {
		dx := 0.0
		if align == "R" {
			dx = w - d.GetStringWidth(txt)
		}
		d.setFill(d.text)
		used := d.used[d.style]
		if used == nil {
			used = map[uint16]rune{}
			d.used[d.style] = used
		}
		b := append(d.cur.content.AvailableBuffer(), "BT /F"...)
		b = append(b, fontKey(d.style)...)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, d.sizePt, 'f', 2, 64)
		b = append(b, " Tf "...)
		b = strconv.AppendFloat(b, (d.x+dx)*ptPerMM, 'f', 2, 64)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, a4H-(d.y+0.5*h+0.3*d.size)*ptPerMM, 'f', 2, 64)
		b = append(b, " Td <"...)
		for _, r := range txt {
			g := d.face.glyph(r)
			if _, ok := used[g]; !ok && g != 0 {
				used[g] = r
			}
			b = appendHex16(b, g)
		}
		d.cur.content.Write(append(b, "> Tj ET\n"...))
	}
	if ln > 0 {
		d.y += h
		if ln == 1 {
			d.x = marginX
		}
	} else {
		d.x += w
	}
}

// styles are the faces a letter may use, in the order their objects are
// written.
var styles = []string{"", "B", "I"}

func fontKey(style string) string {
	if style == "" {
		return "R"
	}
	return style
}

// pdfString is a PDF text string: UTF-16BE with a byte-order mark, in hex,
// so any title or author is written safely.
func pdfString(s string) string {
	b := []byte("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		b = fmt.Appendf(b, "%04X", u)
	}
	return string(append(b, '>'))
}

// deflaters are reused because a zlib writer allocates most of a megabyte;
// a reset writer compresses the same input to the same bytes.
var deflaters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return w
}}

func deflate(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b) / 2)
	w := deflaters.Get().(*zlib.Writer)
	w.Reset(&out)
	w.Write(b)
	w.Close()
	deflaters.Put(w)
	return out.Bytes()
}

// pdfWriter numbers objects as they are written and remembers where each
// starts, for the cross-reference table.
type pdfWriter struct {
	buf     bytes.Buffer
	offsets []int
}

// reserve allocates the next object number without writing it.
func (w *pdfWriter) reserve() int {
	w.offsets = append(w.offsets, -1)
	return len(w.offsets)
}

func (w *pdfWriter) object(n int, body string) {
	w.offsets[n-1] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n%s\nendobj\n", n, body)
}

func (w *pdfWriter) stream(n int, dict string, data []byte) {
	w.offsets[n-1] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n<<%s /Length %d>>\nstream\n", n, dict, len(data))
	w.buf.Write(data)
	w.buf.WriteString("\nendstream\nendobj\n")
}

// Bytes writes the finished document. Everything in it follows from what
// was drawn, with no clock or randomness, so the same letter gives the same
// bytes.
func (d *document) Bytes() []byte {
	w := &pdfWriter{}
	w.buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	catalog, pages, info := w.reserve(), w.reserve(), w.reserve()

	fontObj := map[string]int{}
	var fontRes bytes.Buffer
	for _, st := range styles {
		if len(d.used[st]) > 0 {
			fontObj[st] = w.reserve()
			fmt.Fprintf(&fontRes, "/F%s %d 0 R ", fontKey(st), fontObj[st])
		}
	}
	var kids bytes.Buffer
	for _, p := range d.pages {
		obj, content := w.reserve(), w.reserve()
		fmt.Fprintf(&kids, "%d 0 R ", obj)
		w.object(obj, fmt.Sprintf("<</Type /Page /Parent %d 0 R /Resources <</Font <<%s>> >> /Contents %d 0 R>>", pages, fontRes.String(), content))
		w.stream(content, " /Filter /FlateDecode", deflate(p.content.Bytes()))
	}
	for _, st := range styles {
		if n, ok := fontObj[st]; ok {
			d.writeFont(w, n, d.faceList[st], d.used[st])
		}
	}

	w.object(catalog, fmt.Sprintf("<</Type /Catalog /Pages %d 0 R>>", pages))
	w.object(pages, fmt.Sprintf("<</Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 %.2f %.2f]>>", bytes.TrimSpace(kids.Bytes()), len(d.pages), a4W, a4H))
	date := "D:" + d.issued.UTC().Format("20060102150405") + "Z"
	w.object(info, fmt.Sprintf("<</Title %s /Author %s /Producer (fundflow) /Creator (fundflow) /CreationDate (%s) /ModDate (%s)>>",
		pdfString(d.title), pdfString(d.author), date, date))

	xref := w.buf.Len()
	fmt.Fprintf(&w.buf, "xref\n0 %d\n0000000000 65535 f \n", len(w.offsets)+1)
	for _, off := range w.offsets {
		fmt.Fprintf(&w.buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&w.buf, "trailer\n<</Size %d /Root %d 0 R /Info %d 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(w.offsets)+1, catalog, info, xref)
	return w.buf.Bytes()
}

// writeFont writes the six objects of a subset font: the Type 0 font that
// pages name, its CID font with glyph widths, the descriptor, the subset
// TrueType file, the map from CIDs to the subset's glyphs, and the map from
// CIDs back to text that copy-and-paste and text extraction read.
func (d *document) writeFont(w *pdfWriter, n int, f *face, used map[uint16]rune) {
	gids := make([]uint16, 0, len(used))
	for g := range used {
		gids = append(gids, g)
	}
	slices.Sort(gids)

	// A subset's name carries a tag derived from what it holds (PDF 32000
	// 9.6.4), here from the glyphs, so the same letter gets the same tag.
	h := sha256.New()
	for _, g := range gids {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	name := string(tag) + "+" + f.baseName

	cid, desc, file, toUni, cidMap := w.reserve(), w.reserve(), w.reserve(), w.reserve(), w.reserve()
	w.object(n, fmt.Sprintf("<</Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R>>", name, cid, toUni))

	// CIDs are the font's own glyph numbers; W gives their widths in runs
	// of consecutive CIDs.
	var widths bytes.Buffer
	for i := 0; i < len(gids); {
		j := i
		fmt.Fprintf(&widths, "%d [", gids[i])
		for ; j < len(gids) && gids[j] == gids[i]+uint16(j-i); j++ {
			if j > i {
				widths.WriteByte(' ')
			}
			widths.WriteString(strconv.Itoa(f.widths[gids[j]]))
		}
		widths.WriteString("] ")
		i = j
	}
	w.object(cid, fmt.Sprintf("<</Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>> /FontDescriptor %d 0 R /DW %d /W [%s] /CIDToGIDMap %d 0 R>>",
		name, desc, f.missingWidth, bytes.TrimSpace(widths.Bytes()), cidMap))
	w.object(desc, fmt.Sprintf("<</Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle %d /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R>>",
		name, f.flags, f.bbox[0], f.bbox[1], f.bbox[2], f.bbox[3], f.italicAngle, f.ascent, f.descent, f.capHeight, file))
	font, renumber := f.subset(gids)
	w.stream(file, fmt.Sprintf(" /Filter /FlateDecode /Length1 %d", len(font)), deflate(font))
	gidMap := make([]byte, 2*(int(gids[len(gids)-1])+1))
	for _, g := range gids {
		binary.BigEndian.PutUint16(gidMap[2*int(g):], renumber[g])
	}
	// The two maps are a few kilobytes each, and deflating one costs about
	// as much in Huffman tables as a page: they are stored as they are.
	w.stream(cidMap, "", gidMap)

	var cmap bytes.Buffer
	cmap.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(gids); i += 100 {
		block := gids[i:min(i+100, len(gids))]
		fmt.Fprintf(&cmap, "%d beginbfchar\n", len(block))
		for _, g := range block {
			u := utf16.Encode([]rune{used[g]})
			fmt.Fprintf(&cmap, "<%04X> <", g)
			for _, c := range u {
				fmt.Fprintf(&cmap, "%04X", c)
			}
			cmap.WriteString(">\n")
		}
		cmap.WriteString("endbfchar\n")
	}
	cmap.WriteString("endcmap\nCMapName currentdict /CMapResource defineresource pop\nend\nend")
	w.stream(toUni, "", cmap.Bytes())
}

func appendHex16(b []byte, v uint16) []byte {
	const digits = "0123456789ABCDEF"
	return append(b, digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15])
}
