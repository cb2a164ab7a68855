package outcome

import (
	"strconv"

	"github.com/fundflow/fundflow/internal/decimal"
)

// State is whether a cell has a figure to show.
type State int

const (
	// None: nothing reported, or nothing to divide by.
	None State = iota
	Shown
	// Suppressed: a count of 1 to 7, or derived from one.
	Suppressed
)

// Cell is one figure of the roll-up as every view shows it: the figure at
// its measure's places, "<8" when suppressed, and nothing when there is no
// figure. Value is zero unless the cell is shown, so a suppressed figure
// cannot leak through the JSON or a chart.
type Cell struct {
	State  State
	Value  decimal.Decimal
	Places int
}

// SuppressedText is how a suppressed figure is written everywhere.
const SuppressedText = "<8"

// Text is the cell as a table shows it ("" for no figure).
func (c Cell) Text() string {
	switch c.State {
	case Shown:
		return c.Value.Format(c.Places)
	case Suppressed:
		return SuppressedText
	}
	return ""
}

// MarshalJSON writes the figure as a string, "<8", or null.
func (c Cell) MarshalJSON() ([]byte, error) {
	if c.State == None {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, c.Text()), nil
}
