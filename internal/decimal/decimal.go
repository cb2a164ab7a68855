// Package decimal holds exact decimal figures as scaled integers: a Decimal
// is a count of thousandths in an int64, so 72.5 mmHg is 72500 and every sum
// and comparison is integer arithmetic that gives the same answer on every
// worker. Outcome figures live in workflow state, where a float would make
// a replay or a target boundary depend on rounding.
//
// It imports only the standard library.
package decimal

import (
	"errors"
	"strconv"
	"strings"
)

// Places is how many decimal places a Decimal holds.
const Places = 3

// Scale is one unit in thousandths.
const Scale = 1000

// Max bounds a Decimal's magnitude at a trillion units: far beyond any
// health figure, and small enough that a Decimal times a head count of a
// hundred million still fits in 128 bits of the roll-up's sums.
const Max Decimal = 1_000_000_000_000 * Scale

// Decimal is a figure in thousandths of its unit.
type Decimal int64

// FromInt is n whole units.
func FromInt(n int64) Decimal { return Decimal(n * Scale) }

var (
	errSyntax = errors.New("must be a decimal number such as 72 or 72.5, with at most 3 decimal places")
	errRange  = errors.New("is too large")
)

// Parse reads a plain decimal: an optional minus sign, digits, and at most
// three digits after a point ("72", "-0.125", "5."). No exponent, no
// thousands separators, no leading plus: what a form or a CSV holds, read
// exactly.
func Parse(s string) (Decimal, error) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(frac) > Places || (dot && frac == "" && whole == "") {
		return 0, errSyntax
	}
	if !digits(whole) || !digits(frac) {
		return 0, errSyntax
	}
	if len(whole) > 13 {
		return 0, errRange
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", Places-len(frac)), 10, 64)
	}
	d := Decimal(w*Scale + f)
	if d > Max {
		return 0, errRange
	}
	if neg {
		d = -d
	}
	return d, nil
}

// Ungroup takes the thousands separators out of a number a person typed
// ("1,234,567.5" is "1234567.5") and reports false when a comma is not
// one: "1,00" is more likely a slip for 1.00 than a hundred. It is the one
// rule for separators, which money and the web's number fields share; what
// is left is for the parser that reads the result.
func Ungroup(s string) (string, bool) {
	if !strings.Contains(s, ",") {
		return s, true
	}
	sign, rest := "", s
	if r, ok := strings.CutPrefix(s, "-"); ok {
		sign, rest = "-", r
	}
	whole, frac, dot := strings.Cut(rest, ".")
	groups := strings.Split(whole, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 || !digits(groups[0]) {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !digits(g) {
			return "", false
		}
	}
	out := sign + strings.Join(groups, "")
	if dot {
		out += "." + frac
	}
	return out, true
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String is the shortest exact form: 72.5, -0.125, 3.
func (d Decimal) String() string {
	s := d.Format(Places)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Format shows d with exactly places decimal places (0 to 3), rounding half
// away from zero: 72.45 at one place is 72.5, -72.45 is -72.5.
func (d Decimal) Format(places int) string {
	places = min(max(places, 0), Places)
	neg := d < 0
	m := int64(d)
	if neg {
		m = -m
	}
	unit := int64(1)
	for range Places - places {
		unit *= 10
	}
	m = (m + unit/2) / unit
	var b strings.Builder
	if neg && m != 0 {
		b.WriteByte('-')
	}
	div := int64(1)
	for range places {
		div *= 10
	}
	b.WriteString(strconv.FormatInt(m/div, 10))
	if places > 0 {
		f := strconv.FormatInt(m%div, 10)
		b.WriteByte('.')
		b.WriteString(strings.Repeat("0", places-len(f)))
		b.WriteString(f)
	}
	return b.String()
}

// Places is how many decimal places d needs to be shown exactly.
func (d Decimal) Places() int {
	m := int64(d)
	if m < 0 {
		m = -m
	}
	for p := Places; p > 0; p-- {
		if m%10 != 0 {
			return p
		}
		m /= 10
	}
	return 0
}

// MarshalJSON writes a JSON string, so no client reads it as a float.
func (d Decimal) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, d.String()), nil
}

// UnmarshalJSON takes a string ("72.5") or a bare JSON number (72.5),
// either read digit by digit, never through a float.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		u, err := strconv.Unquote(s)
		if err != nil {
			return errSyntax
		}
		s = u
	}
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
