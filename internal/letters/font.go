package letters

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sync"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// face is a TrueType font parsed once per process for renderer 1: its
// metrics, its glyphs and the tables a PDF subset keeps. It is read-only
// after loading, so any number of renders share it; each document records
// the glyphs it used and writes its own subset from them.
type face struct {
	baseName string
	tables   map[string][]byte
	glyphs   [][]byte // outline of each glyph, sliced from glyf
	// widths per glyph and cw per BMP rune are in thousandths of an em,
	// rounded as gofpdf rounds them, so renderer 1 measures and so breaks
	// lines exactly as renderer 0 does.
	widths []int
	cw     []int    // gofpdf's table: 0 when missing, 65535 for zero width
	gid    []uint16 // glyph of each BMP rune, 0 when missing
	// missingWidth is the width of .notdef, which gofpdf charges for a rune
	// the font lacks.
	missingWidth int

	ascent, descent, capHeight, italicAngle, flags int
	bbox                                           [4]int
}

var faces = sync.OnceValue(func() map[string]*face {
	out := map[string]*face{}
	for style, f := range map[string]struct {
		name string
		ttf  []byte
	}{"": {"GoRegular", goregular.TTF}, "B": {"GoBold", gobold.TTF}, "I": {"GoItalic", goitalic.TTF}} {
		fc, err := parseFace(f.name, f.ttf)
		if err != nil {
			// The fonts are compiled in; failing to read them is a bug
			// that every test would show at once.
			panic(fmt.Sprintf("letters: font %s: %v", f.name, err))
		}
		out[style] = fc
	}
	return out
})

func parseFace(name string, ttf []byte) (*face, error) {
	be := binary.BigEndian
	if len(ttf) < 12 {
		return nil, fmt.Errorf("short font")
	}
	f := &face{baseName: name, tables: map[string][]byte{}}
	n := int(be.Uint16(ttf[4:]))
	for i := range n {
		rec := ttf[12+16*i:]
		off, length := be.Uint32(rec[8:]), be.Uint32(rec[12:])
		if int(off)+int(length) > len(ttf) {
			return nil, fmt.Errorf("table %q out of bounds", rec[:4])
		}
		f.tables[string(rec[:4])] = ttf[off : off+length]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("no %s table", t)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	upem := float64(be.Uint16(head[18:]))
	scale := 1000 / upem
	scaled := func(v int16) int { return int(math.Round(float64(v) * scale)) }
	f.bbox = [4]int{scaled(int16(be.Uint16(head[36:]))), scaled(int16(be.Uint16(head[38:]))), scaled(int16(be.Uint16(head[40:]))), scaled(int16(be.Uint16(head[42:])))}
	f.ascent, f.descent = scaled(int16(be.Uint16(hhea[4:]))), scaled(int16(be.Uint16(hhea[6:])))
	f.capHeight = f.ascent
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && be.Uint16(os2) >= 2 {
		f.capHeight = scaled(int16(be.Uint16(os2[88:])))
	}
	if post := f.tables["post"]; len(post) >= 8 {
		f.italicAngle = int(math.Round(float64(int32(be.Uint32(post[4:]))) / 65536))
	}
	f.flags = 32 // nonsymbolic
	if f.italicAngle != 0 {
		f.flags |= 64
	}

	numGlyphs := int(be.Uint16(maxp[4:]))
	numHMetrics := int(be.Uint16(hhea[34:]))
	hmtx := f.tables["hmtx"]
	if numHMetrics == 0 || len(hmtx) < 4*numHMetrics {
		return nil, fmt.Errorf("bad hmtx")
	}
	f.widths = make([]int, numGlyphs)
	adv := 0
	for g := range numGlyphs {
		if g < numHMetrics {
			if adv = int(be.Uint16(hmtx[4*g:])); adv >= 1<<15 {
				adv = 0
			}
		}
		f.widths[g] = int(math.Round(scale * float64(adv)))
	}
	f.missingWidth = f.widths[0]

	loca, glyf := f.tables["loca"], f.tables["glyf"]
	long := be.Uint16(head[50:]) == 1
	offset := func(g int) int {
		if long {
			return int(be.Uint32(loca[4*g:]))
		}
		return 2 * int(be.Uint16(loca[2*g:]))
	}
	entry := 2
	if long {
		entry = 4
	}
	if len(loca) < (numGlyphs+1)*entry {
		return nil, fmt.Errorf("short loca")
	}
	f.glyphs = make([][]byte, numGlyphs)
	for g := range numGlyphs {
		a, b := offset(g), offset(g+1)
		if a > b || b > len(glyf) {
			return nil, fmt.Errorf("glyph %d out of bounds", g)
		}
		f.glyphs[g] = glyf[a:b]
	}

	sf, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, err
	}
	var buf sfnt.Buffer
	f.cw = make([]int, 1<<16)
	f.gid = make([]uint16, 1<<16)
	for r := 1; r < 1<<16; r++ {
		if r == 0xFFFF {
			continue
		}
		g, err := sf.GlyphIndex(&buf, rune(r))
		if err != nil || g == 0 || int(g) >= numGlyphs {
			continue
		}
		f.gid[r] = uint16(g)
		if f.cw[r] = f.widths[g]; f.cw[r] == 0 {
			f.cw[r] = 65535
		}
	}
	return f, nil
}

// runeWidth is gofpdf's GetStringSymbolWidth for one rune.
func (f *face) runeWidth(r rune) int {
	switch {
	case r < 0 || int(r) >= len(f.cw) || f.cw[r] == 0:
		return f.missingWidth
	case f.cw[r] == 65535:
		return 0
	}
	return f.cw[r]
}

// glyph is the glyph that draws r, .notdef when the font has none.
func (f *face) glyph(r rune) uint16 {
	if r < 0 || int(r) >= len(f.gid) {
		return 0
	}
	return f.gid[r]
}

// components finds the glyphs a composite glyph is built from, which a
// subset must keep too: the offset of each one's glyph number in g.
func components(g []byte) []int {
	be := binary.BigEndian
	if len(g) < 10 || int16(be.Uint16(g)) >= 0 {
		return nil
	}
	var at []int
	for p := 10; p+4 <= len(g); {
		flags := be.Uint16(g[p:])
		at = append(at, p+2)
		p += 4
		if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0: // WE_HAVE_A_SCALE
			p += 2
		case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
			p += 4
		case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
			p += 8
		}
		if flags&0x0020 == 0 { // MORE_COMPONENTS
			break
		}
	}
	return at
}

// subset writes a TrueType font holding only the glyphs used (with .notdef
// and the glyphs composites are built from), numbered afresh from 0 in the
// order of their old numbers. It returns the font and each old glyph's new
// number, for the PDF's CIDToGIDMap: content streams keep the old numbers
// as CIDs, so pages can be written before the subset is known.
func (f *face) subset(used []uint16) ([]byte, map[uint16]uint16) {
	be := binary.BigEndian
	keep := make([]bool, len(f.glyphs))
	queue := append([]uint16{0}, used...)
	for len(queue) > 0 {
		g := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if int(g) >= len(keep) || keep[g] {
			continue
		}
		keep[g] = true
		for _, at := range components(f.glyphs[g]) {
			queue = append(queue, be.Uint16(f.glyphs[g][at:]))
		}
	}
	renumber := map[uint16]uint16{}
	var old []uint16
	size := 0
	for g, k := range keep {
		if k {
			renumber[uint16(g)] = uint16(len(old))
			old = append(old, uint16(g))
			size += len(f.glyphs[g]) + 3
		}
	}

	n := len(old)
	glyf := make([]byte, 0, size)
	loca := make([]byte, 4*(n+1))
	hmtx := make([]byte, 4*n)
	src := f.tables["hmtx"]
	numHMetrics := int(be.Uint16(f.tables["hhea"][34:]))
	for i, g := range old {
		be.PutUint32(loca[4*i:], uint32(len(glyf)))
		at := len(glyf)
		glyf = append(glyf, f.glyphs[g]...)
		for _, c := range components(f.glyphs[g]) {
			be.PutUint16(glyf[at+c:], renumber[be.Uint16(f.glyphs[g][c:])])
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		metric := int(g)
		lsb := src[4*min(metric, numHMetrics-1):]
		copy(hmtx[4*i:], lsb[:2]) // advance: the last long metric's for later glyphs
		if metric < numHMetrics {
			copy(hmtx[4*i+2:], src[4*metric+2:4*metric+4])
		} else if p := 4*numHMetrics + 2*(metric-numHMetrics); p+2 <= len(src) {
			copy(hmtx[4*i+2:], src[p:p+2])
		}
	}
	be.PutUint32(loca[4*n:], uint32(len(glyf)))

	head := slices.Clone(f.tables["head"])
	be.PutUint32(head[8:], 0) // checkSumAdjustment, set below
	be.PutUint16(head[50:], 1)
	hhea := slices.Clone(f.tables["hhea"])
	be.PutUint16(hhea[34:], uint16(n))
	maxp := slices.Clone(f.tables["maxp"])
	be.PutUint16(maxp[4:], uint16(n))
	post := make([]byte, 32)
	copy(post, f.tables["post"])
	be.PutUint32(post, 0x00030000) // version 3: no glyph names

	tables := map[string][]byte{
		"head": head, "hhea": hhea, "maxp": maxp, "hmtx": hmtx,
		"loca": loca, "glyf": glyf, "post": post,
	}
	// Hinting programs and their values, so small sizes render as the
	// font's designers meant.
	for _, t := range []string{"cvt ", "fpgm", "prep"} {
		if b := f.tables[t]; b != nil {
			tables[t] = b
		}
	}
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	slices.Sort(tags)

	var out bytes.Buffer
	out.Grow(8*1024 + len(glyf))
	entry := 1
	for entry*2 <= len(tags) {
		entry *= 2
	}
	hdr := make([]byte, 12+16*len(tags))
	be.PutUint32(hdr, 0x00010000)
	be.PutUint16(hdr[4:], uint16(len(tags)))
	be.PutUint16(hdr[6:], uint16(entry*16))
	be.PutUint16(hdr[8:], uint16(bitsLen(entry)-1))
	be.PutUint16(hdr[10:], uint16(len(tags)*16-entry*16))
	off := len(hdr)
	for i, t := range tags {
		rec := hdr[12+16*i:]
		copy(rec, t)
		be.PutUint32(rec[4:], checksum(tables[t]))
		be.PutUint32(rec[8:], uint32(off))
		be.PutUint32(rec[12:], uint32(len(tables[t])))
		off += (len(tables[t]) + 3) &^ 3
	}
	out.Write(hdr)
	headAt := 0
	for _, t := range tags {
		if t == "head" {
			headAt = out.Len()
		}
		out.Write(tables[t])
		for out.Len()%4 != 0 {
			out.WriteByte(0)
		}
	}
	font := out.Bytes()
	be.PutUint32(font[headAt+8:], 0xB1B0AFBA-checksum(font))
	return font, renumber
}

func bitsLen(v int) int {
	n := 0
	for ; v > 0; v >>= 1 {
		n++
	}
	return n
}

// checksum is the TrueType table checksum: the sum of big-endian uint32s,
// the last one zero-padded.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
