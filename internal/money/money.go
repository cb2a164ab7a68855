// Package money formats, spells out and parses GBP amounts held as int64 pence.
//
// Every function works on the magnitude as a uint64 so that math.MinInt64,
// whose magnitude has no int64 representation, is handled without overflow.
package money

import (
	"errors"
	"strconv"
	"strings"
)

// Format renders p pence as pounds with thousands separators, e.g. £80,000.00
// or -£5.00.
func Format(p int64) string {
	neg, mag := split(p)
	pounds, pence := mag/100, mag%100

	digits := strconv.FormatUint(pounds, 10)
	var b strings.Builder
	b.Grow(len(digits)*4/3 + 6)
	if neg {
		b.WriteByte('-')
	}
	b.WriteString("£")
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(digits[i])
	}
	b.WriteByte('.')
	b.WriteByte(byte('0' + pence/10))
	b.WriteByte(byte('0' + pence%10))
	return b.String()
}

// Words spells p pence out in British English, as a cheque or an award letter
// would: "three hundred and twenty thousand pounds", "one pound and one penny",
// "twelve pounds and fifty pence", "zero pounds".
func Words(p int64) string {
	neg, mag := split(p)
	pounds, pence := mag/100, mag%100

	var parts []string
	if pounds > 0 || pence == 0 {
		unit := " pounds"
		if pounds == 1 {
			unit = " pound"
		}
		parts = append(parts, cardinal(pounds)+unit)
	}
	if pence > 0 {
		unit := " pence"
		if pence == 1 {
			unit = " penny"
		}
		parts = append(parts, cardinal(pence)+unit)
	}
	s := strings.Join(parts, " and ")
	if neg {
		s = "minus " + s
	}
	return s
}

func split(p int64) (neg bool, mag uint64) {
	if p < 0 {
		// Two's complement negation in uint64 is exact for every int64,
		// including math.MinInt64.
		return true, -uint64(p)
	}
	return false, uint64(p)
}

var (
	ones = [...]string{"zero", "one", "two", "three", "four", "five", "six",
		"seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
		"fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tens = [...]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty",
		"seventy", "eighty", "ninety"}
	// Short scale, which UK government and banking usage has followed since
	// 1974. uint64 tops out in the quintillions.
	scales = [...]string{"", " thousand", " million", " billion", " trillion",
		" quadrillion", " quintillion"}
)

// cardinal spells n using the British "and" before the tens inside each
// group ("one hundred and five") and before a final group under one hundred
// ("one thousand and five").
func cardinal(n uint64) string {
	if n == 0 {
		return ones[0]
	}
	var groups []uint64 // least significant first
	for ; n > 0; n /= 1000 {
		groups = append(groups, n%1000)
	}
	var words []string
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i]
		if g == 0 {
			continue
		}
		if i == 0 && g < 100 && len(words) > 0 {
			words = append(words, "and")
		}
		words = append(words, hundreds(g)+scales[i])
	}
	return strings.Join(words, " ")
}

func hundreds(g uint64) string {
	var s string
	if g >= 100 {
		s = ones[g/100] + " hundred"
		g %= 100
		if g == 0 {
			return s
		}
		s += " and "
	}
	switch {
	case g < 20:
		s += ones[g]
	case g%10 == 0:
		s += tens[g/10]
	default:
		s += tens[g/10] + "-" + ones[g%10]
	}
	return s
}

// ErrSyntax reports input that is not an amount Parse understands.
var ErrSyntax = errors.New("money: invalid amount")

// ErrRange reports an amount too large for int64 pence.
var ErrRange = errors.New("money: amount out of range")

// Parse reads an amount typed by an admin or on the command line: an optional
// minus sign, an optional £, pounds with or without correctly placed
// thousands separators, and at most two decimal places. "£1,234.56",
// "1234.56", "1234" and "-£5" are accepted; anything else is ErrSyntax.
// Parsing is exact decimal arithmetic, never via floats.
func Parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		neg, s = true, rest
	}
	s = strings.TrimPrefix(s, "£")

	whole, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac && (len(frac) < 1 || len(frac) > 2) {
		return 0, ErrSyntax
	}
	whole, err := ungroup(whole)
	if err != nil {
		return 0, err
	}

	// Bounding the pounds as they accumulate keeps mag*10 and mag*100 inside
	// uint64; the exact int64 limits are checked once the pence are added.
	const maxPounds = (1 << 63) / 100
	var mag uint64
	for _, c := range []byte(whole) {
		mag = mag*10 + uint64(c-'0')
		if mag > maxPounds {
			return 0, ErrRange
		}
	}
	mag *= 100
	for i, scale := 0, uint64(10); i < len(frac); i, scale = i+1, scale/10 {
		c := frac[i]
		if c < '0' || c > '9' {
			return 0, ErrSyntax
		}
		mag += uint64(c-'0') * scale
	}

	if neg {
		if mag > 1<<63 {
			return 0, ErrRange
		}
		return int64(-mag), nil
	}
	if mag > 1<<63-1 {
		return 0, ErrRange
	}
	return int64(mag), nil
}

// ungroup checks that whole is digits, optionally grouped in threes by
// commas, and returns the bare digits. Misplaced commas are rejected because
// "1,00" is more likely a typo for 1.00 than a hundred pounds.
func ungroup(whole string) (string, error) {
	if whole == "" {
		return "", ErrSyntax
	}
	if !strings.Contains(whole, ",") {
		if !allDigits(whole) {
			return "", ErrSyntax
		}
		return whole, nil
	}
	groups := strings.Split(whole, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 || !allDigits(groups[0]) {
		return "", ErrSyntax
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !allDigits(g) {
			return "", ErrSyntax
		}
	}
	return strings.Join(groups, ""), nil
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
