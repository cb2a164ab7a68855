// Package money formats, spells out and parses GBP amounts held as int64 pence.
//
// Every function works on the magnitude as a uint64 so that math.MinInt64,
// whose magnitude has no int64 representation, is handled without overflow.
//
// It imports only the standard library: every money path, the web's forms
// included, parses and prints pounds here.
package money

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fundflow/fundflow/internal/decimal"
)

// Format renders p pence as pounds with thousands separators and always the
// pence, e.g. £80,000.00 or -£5.00, as letters and the record state a sum.
func Format(p int64) string { return format(p, "£", true, true) }

// Short renders p as the web shows an amount: the pence only when there are
// any, £80,000 and £1,234.56, as the GOV.UK and NHS style guides ask
// ("£75, not £75.00").
func Short(p int64) string { return format(p, "£", true, false) }

// Plain is p as an input holds an amount for a person to edit: 80000 or
// 1234.56, with no symbol or separators, and Parse reads it back.
func Plain(p int64) string { return format(p, "", false, false) }

func format(p int64, symbol string, grouped, wholePence bool) string {
	neg, mag := split(p)
	pounds, pence := mag/100, mag%100

	digits := strconv.FormatUint(pounds, 10)
	var b strings.Builder
	b.Grow(len(digits)*4/3 + 6)
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(symbol)
	for i := range len(digits) {
		if grouped && i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(digits[i])
	}
	if pence != 0 || wholePence {
		b.WriteByte('.')
		b.WriteByte(byte('0' + pence/10))
		b.WriteByte(byte('0' + pence%10))
	}
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

// ErrDecimals is the ErrSyntax of an amount with more than two decimal
// places, which names no whole number of pence; a form says so rather
// than rounding what was typed.
var ErrDecimals = fmt.Errorf("%w: more than two decimal places", ErrSyntax)

// ErrRange reports an amount too large for int64 pence.
var ErrRange = errors.New("money: amount out of range")

// Parse reads an amount a person typed, in a web form or on the command
// line: an optional minus sign, an optional £ (spaces may follow it),
// pounds with or without correctly placed thousands separators, and at most
// two decimal places, so "£1,234.56", "1234.56", "40000.5" (£40,000.50),
// ".50", "£ 80,000" and "-£5" are accepted and "1,00", "1.234" and "5 000"
// are ErrSyntax. Parsing is exact decimal arithmetic, never via floats.
func Parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		neg, s = true, rest
	}
	if rest, ok := strings.CutPrefix(s, "£"); ok {
		s = strings.TrimLeft(rest, " ")
	}

	whole, frac, hasFrac := strings.Cut(s, ".")
	switch {
	case hasFrac && (frac == "" || !allDigits(frac)):
		return 0, ErrSyntax
	case len(frac) > 2:
		return 0, ErrDecimals
	case hasFrac && whole == "":
		// ".50" is fifty pence to anyone who types it.
		whole = "0"
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
		mag += uint64(frac[i]-'0') * scale
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
// commas (decimal.Ungroup), and returns the bare digits.
func ungroup(whole string) (string, error) {
	bare, ok := decimal.Ungroup(whole)
	if !ok || bare == "" || !allDigits(bare) {
		return "", ErrSyntax
	}
	return bare, nil
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
