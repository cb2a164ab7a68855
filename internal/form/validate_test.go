package form

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/fundflow/fundflow"
)

// one is a form of the given questions, in one section.
func one(qs ...Question) Form {
	return Form{Version: 1, Sections: []Section{{ID: "s", Title: "S", Questions: qs}}}
}

func answers(t *testing.T, body string) Answers {
	t.Helper()
	var a Answers
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func fields(v fundflow.Invalid) []string {
	var out []string
	for _, e := range v {
		out = append(out, e.Field)
	}
	return out
}

func TestValidateEachType(t *testing.T) {
	partner := Question{ID: "partners", Type: RepeatingGroup, MinItems: 1, MaxItems: 2, Questions: []Question{
		{ID: "name", Type: Text, Required: true, MaxChars: 5},
		{ID: "email", Type: Email},
	}}
	env := Env{
		Routes:        []string{"nhs_app", "gp"},
		Organisation:  func(code string) bool { return code == "QHL" },
		DocumentKinds: map[string]string{"doc_1": "dpia", "doc_2": ""},
	}
	tests := []struct {
		name string
		q    Question
		body string
		// want is the fields in error, with the first error's message
		// containing msg when it is set.
		want []string
		msg  string
	}{
		{"text within limit, in characters", Question{ID: "a", Type: Text, MaxChars: 3}, `{"a":"Siâ"}`, nil, ""},
		{"text over limit", Question{ID: "a", Type: Text, MaxChars: 3}, `{"a":"Siân"}`, []string{"a"}, "at most 3 characters, not 4"},
		{"text default limit", Question{ID: "a", Type: Text}, `{"a":"` + strings.Repeat("x", DefaultTextChars+1) + `"}`, []string{"a"}, "at most 500"},
		{"text not a string", Question{ID: "a", Type: Text}, `{"a":5}`, []string{"a"}, "must be a string"},
		{"long text words at limit", Question{ID: "a", Type: LongText, MaxWords: 3}, `{"a":"one two\nthree"}`, nil, ""},
		{"long text over word limit", Question{ID: "a", Type: LongText, MaxWords: 3}, `{"a":"one two three four"}`, []string{"a"}, "at most 3 words, not 4"},
		{"integer in range", Question{ID: "a", Type: Integer, Min: ptr(1), Max: ptr(10)}, `{"a":10}`, nil, ""},
		{"integer below min", Question{ID: "a", Type: Integer, Min: ptr(1)}, `{"a":0}`, []string{"a"}, "at least 1"},
		{"integer negative", Question{ID: "a", Type: Integer, Min: ptr(0)}, `{"a":-1}`, []string{"a"}, "must not be negative"},
		{"integer above max", Question{ID: "a", Type: Integer, Max: ptr(10)}, `{"a":11}`, []string{"a"}, "at most 10"},
		{"integer fraction", Question{ID: "a", Type: Integer}, `{"a":1.5}`, []string{"a"}, "whole number"},
		{"money is pence", Question{ID: "a", Type: Money}, `{"a":"£5"}`, []string{"a"}, "whole number of pence"},
		{"zero is an answer", Question{ID: "a", Type: Integer, Required: true}, `{"a":0}`, nil, ""},
		{"date", Question{ID: "a", Type: Date}, `{"a":"2026-02-28"}`, nil, ""},
		{"date not real", Question{ID: "a", Type: Date}, `{"a":"2026-02-30"}`, []string{"a"}, "real date"},
		{"date wrong format", Question{ID: "a", Type: Date}, `{"a":"28/02/2026"}`, []string{"a"}, "YYYY-MM-DD"},
		{"email", Question{ID: "a", Type: Email}, `{"a":"jo@nhs.net"}`, nil, ""},
		{"email bad", Question{ID: "a", Type: Email}, `{"a":"Jo <jo@nhs.net>"}`, []string{"a"}, "email address"},
		{"phone", Question{ID: "a", Type: Phone}, `{"a":"+44 (0)1632 960 001"}`, nil, ""},
		{"phone mobile", Question{ID: "a", Type: Phone}, `{"a":"07700 900123"}`, nil, ""},
		{"phone too short", Question{ID: "a", Type: Phone}, `{"a":"01632 96"}`, []string{"a"}, "UK telephone"},
		{"phone foreign", Question{ID: "a", Type: Phone}, `{"a":"+33 1 23 45 67 89"}`, []string{"a"}, "UK telephone"},
		{"yes_no", Question{ID: "a", Type: YesNo, Required: true}, `{"a":false}`, nil, ""},
		{"yes_no not a bool", Question{ID: "a", Type: YesNo}, `{"a":"yes"}`, []string{"a"}, "true or false"},
		{"declaration false at submission", Question{ID: "a", Type: Declaration, Required: true}, `{"a":false}`, []string{"a"}, "must be true"},
		{"single choice", Question{ID: "a", Type: SingleChoice, Options: []Option{{Value: "x"}, {Value: "y"}}}, `{"a":"y"}`, nil, ""},
		{"single choice unknown", Question{ID: "a", Type: SingleChoice, Options: []Option{{Value: "x"}, {Value: "y"}}}, `{"a":"z"}`, []string{"a"}, "one of x, y"},
		{"multiple choice unknown and repeated", Question{ID: "a", Type: MultipleChoice, Options: []Option{{Value: "x"}, {Value: "y"}}},
			`{"a":["x","q","x"]}`, []string{"a[1]", "a[2]"}, "must be one of"},
		{"multiple choice over max", Question{ID: "a", Type: MultipleChoice, MaxItems: 1, Options: []Option{{Value: "x"}, {Value: "y"}}},
			`{"a":["x","y"]}`, []string{"a"}, "at most 1"},
		{"routes from the fund", Question{ID: "a", Type: MultipleChoice, OptionsFrom: OptionsDeploymentRoutes}, `{"a":["gp","fax"]}`,
			[]string{"a[1]"}, "not a deployment route of this fund; choose from nhs_app, gp"},
		{"organisation known", Question{ID: "a", Type: Organisation}, `{"a":"QHL"}`, nil, ""},
		{"organisation unknown", Question{ID: "a", Type: Organisation}, `{"a":"QZZ"}`, []string{"a"}, "not an organisation in the registry"},
		{"organisation malformed", Question{ID: "a", Type: Organisation}, `{"a":"qhl"}`, []string{"a"}, "ODS code"},
		{"group members and strays", Question{ID: "g", Type: Group, Questions: []Question{{ID: "n", Type: Text, Required: true}}},
			`{"g":{"x":"1"}}`, []string{"g.n", "g.x"}, "is required"},
		{"group not an object", Question{ID: "g", Type: Group, Questions: []Question{{ID: "n", Type: Text}}}, `{"g":[1]}`, []string{"g"}, "object"},
		{"repeating group at max", partner, `{"partners":[{"name":"A"},{"name":"B","email":"b@x.org"}]}`, nil, ""},
		{"repeating group over max", partner, `{"partners":[{"name":"A"},{"name":"B"},{"name":"C"}]}`, []string{"partners"}, "at most 2 entries"},
		{"repeating group items checked", partner, `{"partners":[{"name":"Abcdef"},{"email":"nope"}]}`,
			[]string{"partners[0].name", "partners[1].name", "partners[1].email"}, "at most 5 characters"},
		{"document of the application and kind", Question{ID: "d", Type: Document, DocumentKind: "dpia"}, `{"d":["doc_1"]}`, nil, ""},
		{"document of another kind, unknown, too many", Question{ID: "d", Type: Document, DocumentKind: "dpia", MaxDocuments: 2},
			`{"d":["doc_2","doc_9","doc_1"]}`, []string{"d", "d[0]", "d[1]"}, "at most 2 documents"},
		{"unknown question", Question{ID: "a", Type: Text}, `{"a":"x","b":"y"}`, []string{"b"}, "not a question of this form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := one(tt.q).Validate(answers(t, tt.body), env, Submission)
			if !slices.Equal(fields(got), tt.want) {
				t.Fatalf("fields %q, want %q (%v)", fields(got), tt.want, got)
			}
			if tt.msg != "" && !strings.Contains(got[0].Message, tt.msg) {
				t.Errorf("message %q, want it to contain %q", got[0].Message, tt.msg)
			}
		})
	}
}

func TestRequiredDraftAndSubmission(t *testing.T) {
	f := one(
		Question{ID: "a", Type: Text, Required: true},
		Question{ID: "b", Type: Text},
		Question{ID: "c", Type: Group, Required: true, Questions: []Question{{ID: "x", Type: Text, Required: true}, {ID: "y", Type: Text}}},
		Question{ID: "d", Type: Group, Questions: []Question{{ID: "x", Type: Text, Required: true}, {ID: "y", Type: Text}}},
		Question{ID: "e", Type: MultipleChoice, Required: true, Options: []Option{{Value: "p"}, {Value: "q"}}},
		Question{ID: "r", Type: RepeatingGroup, Required: true, MinItems: 2, MaxItems: 3, Questions: []Question{{ID: "x", Type: Text}}},
		Question{ID: "s", Type: Declaration, Required: true},
	)
	if got := f.Validate(Answers{}, Env{}, Draft); len(got) != 0 {
		t.Errorf("an empty draft refused: %v", got)
	}
	want := []string{"a", "c.x", "e", "r", "s"}
	if got := fields(f.Validate(Answers{}, Env{}, Submission)); !slices.Equal(got, want) {
		t.Errorf("empty submission: fields %q, want %q", got, want)
	}
	// Whitespace, empty lists and an empty optional group are unanswered;
	// a started optional group needs its required members.
	a := answers(t, `{"a":"  ","c":{"x":"1"},"d":{"y":"2"},"e":[],"r":[{"x":"1"}],"s":true}`)
	if got, want := fields(f.Validate(a, Env{}, Submission)), []string{"a", "d.x", "e", "r"}; !slices.Equal(got, want) {
		t.Errorf("fields %q, want %q", got, want)
	}
	if got, want := fields(f.Validate(a, Env{}, Draft)), []string(nil); !slices.Equal(got, want) {
		t.Errorf("draft: fields %q, want %q", got, want)
	}
}

func TestConditionalQuestions(t *testing.T) {
	f := one(
		Question{ID: "has", Type: YesNo, Required: true},
		Question{ID: "who", Type: Text, Required: true, ShowIf: &Condition{Question: "has", Equals: []string{"yes"}}},
		Question{ID: "why", Type: LongText, Required: true, MaxWords: 2, ShowIf: &Condition{Question: "has", Equals: []string{"no"}}},
		Question{ID: "kinds", Type: MultipleChoice, Options: []Option{{Value: "a"}, {Value: "b"}}},
		Question{ID: "b_detail", Type: Text, Required: true, ShowIf: &Condition{Question: "kinds", Equals: []string{"b"}}},
	)
	tests := []struct {
		body string
		want []string
	}{
		{`{"has":true}`, []string{"who"}},
		{`{"has":false}`, []string{"why"}},
		{`{}`, []string{"has"}},
		// A hidden answer is ignored, however wrong: the applicant changed
		// their mind and the page no longer shows it.
		{`{"has":true,"who":"Jo","why":"far too many words here"}`, nil},
		{`{"has":false,"why":"two words","who":5}`, nil},
		{`{"has":true,"who":"Jo","kinds":["a","b"]}`, []string{"b_detail"}},
		{`{"has":true,"who":"Jo","kinds":["a"]}`, nil},
	}
	for _, tt := range tests {
		if got := fields(f.Validate(answers(t, tt.body), Env{}, Submission)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: fields %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestRepeatingGroupLimits(t *testing.T) {
	q := Question{ID: "p", Type: RepeatingGroup, Required: true, MinItems: 1, MaxItems: 3, Questions: []Question{{ID: "n", Type: Text, Required: true}}}
	items := func(n int) string {
		xs := make([]string, n)
		for i := range xs {
			xs[i] = `{"n":"x"}`
		}
		return `{"p":[` + strings.Join(xs, ",") + `]}`
	}
	for n, want := range map[int][]string{0: {"p"}, 1: nil, 3: nil, 4: {"p"}} {
		if got := fields(one(q).Validate(answers(t, items(n)), Env{}, Submission)); !slices.Equal(got, want) {
			t.Errorf("%d items: fields %q, want %q", n, got, want)
		}
	}
	// A draft may have fewer than the minimum, never more than the maximum.
	if got := one(q).Validate(answers(t, items(0)), Env{}, Draft); len(got) != 0 {
		t.Errorf("draft with no items: %v", got)
	}
	if got := fields(one(q).Validate(answers(t, items(4)), Env{}, Draft)); !slices.Equal(got, []string{"p"}) {
		t.Errorf("draft over max: %q", got)
	}
}

func TestTargetsAreTheCallers(t *testing.T) {
	var called []string
	env := Env{Targets: func(v *fundflow.Invalid, field string, a json.RawMessage, all Answers, mode Mode) {
		called = append(called, field+"="+string(a))
		if mode == Submission && !Answered(a) {
			v.Add(field+".m.r", "is required")
		}
	}}
	f := one(TargetsQuestion())
	if got := fields(f.Validate(Answers{}, env, Submission)); !slices.Equal(got, []string{"targets.m.r"}) {
		t.Errorf("fields %q", got)
	}
	f.Validate(answers(t, `{"targets":[{"measure":"m"}]}`), env, Draft)
	if want := []string{"targets=", `targets=[{"measure":"m"}]`}; !slices.Equal(called, want) {
		t.Errorf("called %q, want %q", called, want)
	}
}

func TestValidUKPhone(t *testing.T) {
	for s, want := range map[string]bool{
		"01632 960001":        true,
		"020 7946 0000":       true,
		"+44 20 7946 0000":    true,
		"+44 (0)20 7946 0000": true,
		"07700-900-123":       true,
		"0800 123 456":        true,
		"00 44 20 7946 0000":  false,
		"7946 0000":           false,
		"0163296000112":       false,
		"01632 96000a":        false,
		"+1 202 555 0100":     false,
		"":                    false,
	} {
		if got := ValidUKPhone(s); got != want {
			t.Errorf("ValidUKPhone(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzValidate feeds any JSON object to the seeded form both ways: nothing
// may panic, and every error names a field.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"lead_contact":{"name":"Siân","email":"a@nhs.net"},"requested_pence":8000000,"target_cohorts":["hypertension"]}`))
	f.Add([]byte(`{"lead_contact":[],"sro":{"role":null},"deployment_routes":[""],"dpia_status":7,"x":{"y":1}}`))
	f.Add([]byte(`{"partners":[{"name":"A"},null,5],"has_partners":true,"start_date":"2026-13-01"}`))
	forms := []Form{Seeded(), {Version: 1, Sections: []Section{{ID: "p", Title: "P", Questions: []Question{
		{ID: "has_partners", Type: YesNo},
		{ID: "partners", Type: RepeatingGroup, MaxItems: 2, ShowIf: &Condition{Question: "has_partners", Equals: []string{"yes"}},
			Questions: []Question{{ID: "name", Type: Text, Required: true}}},
		{ID: "start_date", Type: Date},
	}}}}}
	env := Env{Routes: []string{"nhs_app"}, Organisation: func(string) bool { return false }, DocumentKinds: map[string]string{}}
	f.Fuzz(func(t *testing.T, body []byte) {
		var a Answers
		if json.Unmarshal(body, &a) != nil {
			return
		}
		for _, form := range forms {
			for _, mode := range []Mode{Draft, Submission} {
				for _, e := range form.Validate(a, env, mode) {
					if e.Field == "" || e.Message == "" {
						t.Fatalf("error without a field or message: %+v", e)
					}
				}
			}
		}
	})
}

func TestShownDropsHiddenAnswers(t *testing.T) {
	f := one(
		Question{ID: "has", Type: YesNo},
		Question{ID: "who", Type: Text, ShowIf: &Condition{Question: "has", Equals: []string{"yes"}}},
		Question{ID: "p", Type: RepeatingGroup, MaxItems: 3, Questions: []Question{
			{ID: "kind", Type: SingleChoice, Options: []Option{{Value: "a"}, {Value: "b"}}},
			{ID: "b_only", Type: Text, ShowIf: &Condition{Question: "kind", Equals: []string{"b"}}},
		}},
	)
	got := f.Shown(answers(t, `{"has":false,"who":"Jo","p":[{"kind":"a","b_only":"x"},{"kind":"b","b_only":"y"}],"stray":1}`))
	b, _ := json.Marshal(got)
	if want := `{"has":false,"p":[{"kind":"a"},{"b_only":"y","kind":"b"}],"stray":1}`; string(b) != want {
		t.Errorf("shown %s, want %s", b, want)
	}
	if f.Shown(nil) != nil {
		t.Error("no answers became some")
	}
}
