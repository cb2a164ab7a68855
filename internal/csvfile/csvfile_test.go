package csvfile

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestRowsNameTheLine(t *testing.T) {
	cols := []string{"a", "b"}
	var got []int
	err := Rows(strings.NewReader("\ufeffa,b\n1,2\n\"multi\nline\",3\n4,5\n"), "thing", cols, func(line int, rec []string) error {
		got = append(got, line)
		if rec[0] == "4" {
			return errors.New("four is not allowed")
		}
		return nil
	})
	if want := "thing: line 5: four is not allowed"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if want := []int{2, 3, 5}; !slices.Equal(got, want) {
		t.Fatalf("lines = %v, want %v: a quoted field spanning lines starts its record's line", got, want)
	}
	for _, tc := range []struct{ in, want string }{
		{"", "thing: empty input, want a header line"},
		{"a,c\n", `thing: line 1: header is "a,c", want "a,b"`},
		{"a,b\n1,2,3\n", "thing: line 2: wrong number of fields"},
		{"a,b\n\"1,2\n", `thing: line 2: extraneous or missing " in quoted-field`},
	} {
		err := Rows(strings.NewReader(tc.in), "thing", cols, func(int, []string) error { return nil })
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Rows(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}
