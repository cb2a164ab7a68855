package money

import (
	"errors"
	"math"
	"strings"
	"testing"
	"testing/quick"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		p    int64
		want string
	}{
		{0, "£0.00"},
		{1, "£0.01"},
		{10, "£0.10"},
		{99, "£0.99"},
		{100, "£1.00"},
		{123456, "£1,234.56"},
		{8_000_000, "£80,000.00"},
		{32_000_000, "£320,000.00"},
		{100_000_000, "£1,000,000.00"},
		{-500, "-£5.00"},
		{-1, "-£0.01"},
		{math.MaxInt64, "£92,233,720,368,547,758.07"},
		{math.MinInt64, "-£92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		if got := Format(tt.p); got != tt.want {
			t.Errorf("Format(%d) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		p    int64
		want string
	}{
		{0, "zero pounds"},
		{1, "one penny"},
		{50, "fifty pence"},
		{100, "one pound"},
		{101, "one pound and one penny"},
		{200, "two pounds"},
		{1250, "twelve pounds and fifty pence"},
		{2100, "twenty-one pounds"},
		{10500, "one hundred and five pounds"},
		{11000, "one hundred and ten pounds"},
		{100500, "one thousand and five pounds"},
		{110000, "one thousand one hundred pounds"},
		{123456, "one thousand two hundred and thirty-four pounds and fifty-six pence"},
		{8_000_000, "eighty thousand pounds"},
		{32_000_000, "three hundred and twenty thousand pounds"},
		{100_000_000, "one million pounds"},
		{100_000_100, "one million and one pounds"},
		{123_456_789_00, "one hundred and twenty-three million four hundred and fifty-six thousand seven hundred and eighty-nine pounds"},
		{3_000_000_000_000_00, "three trillion pounds"},
		{-500, "minus five pounds"},
		{math.MaxInt64, "ninety-two quadrillion two hundred and thirty-three trillion seven hundred and twenty billion three hundred and sixty-eight million five hundred and forty-seven thousand seven hundred and fifty-eight pounds and seven pence"},
		{math.MinInt64, "minus ninety-two quadrillion two hundred and thirty-three trillion seven hundred and twenty billion three hundred and sixty-eight million five hundred and forty-seven thousand seven hundred and fifty-eight pounds and eight pence"},
	}
	for _, tt := range tests {
		if got := Words(tt.p); got != tt.want {
			t.Errorf("Words(%d) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr error
	}{
		{"£1,234.56", 123456, nil},
		{"1234.56", 123456, nil},
		{"1234", 123400, nil},
		{"1234.5", 123450, nil},
		{"0.01", 1, nil},
		{"  £80,000.00 ", 8_000_000, nil},
		{"-£5.00", -500, nil},
		{"-5", -500, nil},
		{"007", 700, nil},
		{"£92,233,720,368,547,758.07", math.MaxInt64, nil},
		{"-£92,233,720,368,547,758.08", math.MinInt64, nil},
		{"92233720368547758.08", 0, ErrRange},
		{"-92233720368547758.09", 0, ErrRange},
		{"99999999999999999999999", 0, ErrRange},
		{"", 0, ErrSyntax},
		{"£", 0, ErrSyntax},
		{"-", 0, ErrSyntax},
		{".50", 50, nil},
		{"£.5", 50, nil},
		{"-.01", -1, nil},
		{"£ 80,000", 8_000_000, nil},
		{"£40,000", 4_000_000, nil},
		{"40000.5", 4_000_050, nil},
		{"40,000.505", 0, ErrDecimals},
		{"4,00", 0, ErrSyntax},
		{".", 0, ErrSyntax},
		{"£.", 0, ErrSyntax},
		{"- 5", 0, ErrSyntax},
		{"- £5", 0, ErrSyntax},
		{"1.5x", 0, ErrSyntax},
		{"1.", 0, ErrSyntax},
		{"1.234", 0, ErrSyntax},
		{"1,00", 0, ErrSyntax},
		{"1,0000", 0, ErrSyntax},
		{",100", 0, ErrSyntax},
		{"1234,567", 0, ErrSyntax},
		{"1e3", 0, ErrSyntax},
		{"+5", 0, ErrSyntax},
		{"£-5", 0, ErrSyntax},
		{"--5", 0, ErrSyntax},
		{"5 000", 0, ErrSyntax},
		{"1.2.3", 0, ErrSyntax},
		{"1.-5", 0, ErrSyntax},
		{"$5", 0, ErrSyntax},
		{"٣", 0, ErrSyntax},
		{"NaN", 0, ErrSyntax},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// A mistyped amount is refused, not read as some other sum: the web once
// stripped every comma and took "1,00" for £100.
func TestParseRefusesWhatIsNotASum(t *testing.T) {
	for _, s := range []string{"1,00", "4,00", "1.234", "40,000.505", "1.2.3"} {
		if _, err := Parse(s); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): %v, want ErrSyntax", s, err)
		}
	}
	if _, err := Parse("1.2.3"); errors.Is(err, ErrDecimals) {
		t.Error("1.2.3 is not an amount with too many decimal places")
	}
}

func TestShortAndPlain(t *testing.T) {
	tests := []struct {
		p            int64
		short, plain string
	}{
		{0, "£0", "0"},
		{1, "£0.01", "0.01"},
		{50, "£0.50", "0.50"},
		{1800, "£18", "18"},
		{2903, "£29.03", "29.03"},
		{123456, "£1,234.56", "1234.56"},
		{8_000_000, "£80,000", "80000"},
		{4_000_050, "£40,000.50", "40000.50"},
		{-500, "-£5", "-5"},
		{math.MinInt64, "-£92,233,720,368,547,758.08", "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := Short(tt.p); got != tt.short {
			t.Errorf("Short(%d) = %q, want %q", tt.p, got, tt.short)
		}
		if got := Plain(tt.p); got != tt.plain {
			t.Errorf("Plain(%d) = %q, want %q", tt.p, got, tt.plain)
		}
	}
}

// Every way money is printed reads back as the same pence, and the web's
// short form is the letters' form without a zero ".00".
func TestPrintParseQuick(t *testing.T) {
	roundTrip := func(p int64) bool {
		for _, s := range []string{Format(p), Short(p), Plain(p)} {
			if got, err := Parse(s); err != nil || got != p {
				return false
			}
		}
		return Short(p) == strings.TrimSuffix(Format(p), ".00")
	}
	if err := quick.Check(roundTrip, &quick.Config{MaxCount: 10000}); err != nil {
		t.Error(err)
	}
}

func FuzzParseFormat(f *testing.F) {
	for _, p := range []int64{0, 1, -1, 99, 100, 8_000_000, math.MaxInt64, math.MinInt64} {
		f.Add(p, Format(p))
	}
	f.Add(int64(0), "1,234")
	f.Add(int64(0), "-£0.5")
	f.Fuzz(func(t *testing.T, p int64, s string) {
		for _, print := range []func(int64) string{Format, Short, Plain} {
			if got, err := Parse(print(p)); err != nil || got != p {
				t.Fatalf("Parse(%q) = %d, %v; want %d", print(p), got, err, p)
			}
		}
		if w := Words(p); w == "" || strings.Contains(w, "  ") {
			t.Fatalf("Words(%d) = %q", p, w)
		}
		v, err := Parse(s)
		if err != nil {
			if v != 0 {
				t.Fatalf("Parse(%q) returned %d alongside %v", s, v, err)
			}
			return
		}
		if again, err := Parse(Format(v)); err != nil || again != v {
			t.Fatalf("Parse(%q) = %d but Format gives %q which parses to %d, %v", s, v, Format(v), again, err)
		}
	})
}
