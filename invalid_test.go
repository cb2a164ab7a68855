package fundflow

import (
	"slices"
	"strings"
	"testing"
)

// Every domain package words a free-text refusal by Invalid.Text: spaces
// are not an answer, and the limit is in characters.
func TestInvalidText(t *testing.T) {
	for _, tc := range []struct {
		s        string
		required bool
		want     []string
	}{
		{"Asha", true, nil},
		{"", false, nil},
		{"", true, []string{"is required"}},
		{"   \t", true, []string{"is required"}},
		{"ééééé", true, nil}, // five characters, ten bytes
		{"éééééé", false, []string{"must be at most 5 characters"}},
		{strings.Repeat(" ", 6), true, []string{"is required"}},
	} {
		var v Invalid
		v.Text("name", tc.s, 5, tc.required)
		var got []string
		for _, f := range v {
			if f.Field != "name" {
				t.Errorf("%q: field %q", tc.s, f.Field)
			}
			got = append(got, f.Message)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Text(%q, required %v) = %q, want %q", tc.s, tc.required, got, tc.want)
		}
	}
}
