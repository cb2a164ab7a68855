package letters

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := `
.letterhead Holly Health | Prevention Innovation Fund 2025

.p A paragraph that
   carries on here.
.kv Award | £80,000.00
.th Milestone | >Due
.tr Go \| live | 8 March 2027
.tf Total | \\
.h Next
`
	got, err := parse(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []line{
		{kind: "letterhead", cells: []string{"Holly Health", "Prevention Innovation Fund 2025"}, num: 2},
		{kind: "p", cells: []string{"A paragraph that carries on here."}, num: 4},
		{kind: "kv", cells: []string{"Award", "£80,000.00"}, num: 6},
		{kind: "th", cells: []string{"Milestone", ">Due"}, num: 7},
		{kind: "tr", cells: []string{"Go | live", "8 March 2027"}, num: 8},
		{kind: "tf", cells: []string{"Total", `\`}, num: 9},
		{kind: "h", cells: []string{"Next"}, num: 10},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parse:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		"text first":        "hello\n.p x",
		"unknown directive": ".para x",
		"too many cells":    ".p a | b",
		"too few cells":     ".kv label",
		"row without table": ".p x\n.tr a | b",
		"ragged row":        ".th a | b\n.tr a | b | c",
	}
	for name, src := range tests {
		if _, err := parse(src); err == nil {
			t.Errorf("%s: parse(%q) succeeded", name, src)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := map[string]string{
		"Siân Llŷr":                 "Siân Llŷr",
		"  two\n\nlines\t here  ":   "two lines here",
		"a|b":                       `a\|b`,
		`back\slash`:                `back\\slash`,
		"emoji 🙂":                   "emoji \uFFFD",
		"nul\x00and\u2028separator": "nul and separator",
		"bad \xff byte":             "bad \uFFFD byte",
	}
	for in, want := range tests {
		got := escape(in)
		if got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
		if cells := splitCells(got); len(cells) != 1 || strings.Contains(cells[0], "\n") {
			t.Errorf("escape(%q) splits into %q", in, cells)
		}
	}
}

func TestShare(t *testing.T) {
	tests := []struct {
		part, whole int64
		want        string
	}{
		{800_000, 8_000_000, "10%"},
		{8_000_000, 8_000_000, "100%"},
		{200_000, 8_000_000, "2.5%"},
		{1, 3, "33.33%"},
		{2, 3, "66.67%"},
		{0, 5, "0%"},
		{1 << 62, 1<<63 - 1, "50%"},
		{5, 0, ""},
		{-1, 5, ""},
		{1 << 62, 1, ""},
	}
	for _, tt := range tests {
		if got := share(tt.part, tt.whole); got != tt.want {
			t.Errorf("share(%d, %d) = %q, want %q", tt.part, tt.whole, got, tt.want)
		}
	}
}

func TestParagraphs(t *testing.T) {
	got := paragraphs("First line\r\nwraps here.\n\n\n  Second.  \n\n")
	want := []string{"First line wraps here.", "Second."}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paragraphs = %q, want %q", got, want)
	}
}
