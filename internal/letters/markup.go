package letters

import (
	"fmt"
	"strings"
)

// line is one parsed markup line: its directive without the dot, and its text
// split into cells on unescaped "|".
type line struct {
	kind  string
	cells []string
	num   int // source line, for error messages
}

// arity gives the minimum and maximum cell count of each directive; tables
// take any number of cells but every row must match its header.
var arity = map[string][2]int{
	"letterhead": {1, 2},
	"to":         {1, 1},
	"meta":       {2, 2},
	"subject":    {1, 1},
	"h":          {1, 1},
	"p":          {1, 1},
	"quote":      {1, 1},
	"li":         {1, 1},
	"ol":         {1, 1},
	"kv":         {2, 2},
	"th":         {1, 8},
	"tr":         {1, 8},
	"tf":         {1, 8},
	"sign":       {2, 4},
	"footer":     {1, 2},
}

// parse turns template output into lines. It is strict, because a silently
// dropped line is a sentence missing from a letter someone relies on.
func parse(src string) ([]line, error) {
	var out []line
	columns := 0 // cell count of the open table, 0 if none
	for i, raw := range strings.Split(src, "\n") {
		text := strings.TrimSpace(raw)
		if text == "" {
			continue
		}
		if !strings.HasPrefix(text, ".") {
			if len(out) == 0 {
				return nil, fmt.Errorf("line %d: text before the first directive", i+1)
			}
			prev := &out[len(out)-1]
			more := splitCells(text)
			last := len(prev.cells) - 1
			prev.cells[last] = strings.TrimSpace(prev.cells[last] + " " + more[0])
			prev.cells = append(prev.cells, more[1:]...)
			continue
		}
		kind, rest, _ := strings.Cut(text[1:], " ")
		if _, ok := arity[kind]; !ok {
			return nil, fmt.Errorf("line %d: unknown directive .%s", i+1, kind)
		}
		out = append(out, line{kind: kind, cells: splitCells(rest), num: i + 1})
	}
	for _, l := range out {
		n, limits := len(l.cells), arity[l.kind]
		if n < limits[0] || n > limits[1] {
			return nil, fmt.Errorf("line %d: .%s takes %d to %d cells, got %d", l.num, l.kind, limits[0], limits[1], n)
		}
		switch l.kind {
		case "th":
			columns = n
		case "tr", "tf":
			if n != columns {
				return nil, fmt.Errorf("line %d: .%s has %d cells, its table has %d", l.num, l.kind, n, columns)
			}
		default:
			columns = 0
		}
	}
	return out, nil
}

// splitCells splits on "|" not preceded by a backslash, then removes the
// escapes: "\|" is a literal bar and "\\" a literal backslash.
func splitCells(s string) []string {
	var cells []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '|':
			cells = append(cells, strings.TrimSpace(b.String()))
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(cells, strings.TrimSpace(b.String()))
}
