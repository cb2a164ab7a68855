package form

import (
	"slices"
	"strings"
	"testing"

	"github.com/fundflow/fundflow/internal/document"
)

func TestSeededFormIsValid(t *testing.T) {
	if err := Seeded().Check(); err != nil {
		t.Fatal(err)
	}
	// The seeded questions keep the ids the API has always taken.
	var ids []string
	for _, s := range Seeded().Sections {
		for _, q := range s.Questions {
			ids = append(ids, q.ID)
		}
	}
	want := []string{"lead_contact", "sro", "sro_declaration", "population_covered", "deployment_routes", "target_cohorts",
		"planned_reach", "requested_pence", "need", "delivery_plan", "integration_plan", "evaluation", "targets",
		"three_shifts", "ig_readiness", "dpia_status", "dtac_status"}
	if !slices.Equal(ids, want) {
		t.Errorf("ids %q\nwant %q", ids, want)
	}
}

// withQuestions is the seeded form with qs appended to its last section.
func withQuestions(qs ...Question) Form {
	f := Seeded()
	last := &f.Sections[len(f.Sections)-1]
	last.Questions = append(slices.Clone(last.Questions), qs...)
	return f
}

func TestCheckForm(t *testing.T) {
	noSRO := Seeded()
	noSRO.Sections[0].Questions = noSRO.Sections[0].Questions[:1]
	wrongType := Seeded()
	wrongType.Sections[2].Questions[0].Type = Integer
	optionalLead := Seeded()
	optionalLead.Sections[0].Questions[0].Required = false
	leadNoEmail := Seeded()
	leadNoEmail.Sections[0].Questions[0].Questions = leadNoEmail.Sections[0].Questions[0].Questions[:1]
	dupSection := Seeded()
	dupSection.Sections[1].ID = "contacts"

	tests := []struct {
		name string
		f    Form
		want []string // fields, each matched as a prefix of the error's
	}{
		{"no sections", Form{}, []string{"sections", "sections", "sections", "sections", "sections", "sections"}},
		{"well-known question missing", noSRO, []string{"sections", "sections"}},
		{"well-known question of the wrong type", wrongType, []string{"sections[2].questions[0].type"}},
		{"well-known question optional", optionalLead, []string{"sections[0].questions[0].required"}},
		{"well-known group without its members", leadNoEmail, []string{"sections[0].questions[0].questions", "sections[0].questions[0].questions"}},
		{"section ids repeat", dupSection, []string{"sections[1].id"}},
		{"question ids repeat across sections", withQuestions(Question{ID: "need", Type: Text, Label: "Again"}), []string{"sections[8].questions[3].id"}},
		{"unknown type, bad id, no label", withQuestions(Question{ID: "Bad Id", Type: "colour"}),
			[]string{"sections[8].questions[3].id", "sections[8].questions[3].type", "sections[8].questions[3].label"}},
		{"limits on the wrong type", withQuestions(Question{ID: "x", Type: Date, Label: "X", MaxChars: 5, Min: ptr(1)}),
			[]string{"sections[8].questions[3].max_chars", "sections[8].questions[3].min"}},
		{"min over max", withQuestions(Question{ID: "x", Type: Integer, Label: "X", Min: ptr(5), Max: ptr(1)}), []string{"sections[8].questions[3].max"}},
		{"choice with one option", withQuestions(Question{ID: "x", Type: SingleChoice, Label: "X", Options: []Option{{Value: "a", Label: "A"}}}),
			[]string{"sections[8].questions[3].options"}},
		{"repeated options", withQuestions(Question{ID: "x", Type: SingleChoice, Label: "X", Options: []Option{{Value: "a", Label: "A"}, {Value: "a", Label: "B"}}}),
			[]string{"sections[8].questions[3].options[1].value"}},
		{"repeating group without max", withQuestions(Question{ID: "x", Type: RepeatingGroup, Label: "X", Questions: []Question{{ID: "n", Type: Text, Label: "N"}}}),
			[]string{"sections[8].questions[3].max_items"}},
		{"repeating group in a group", withQuestions(Question{ID: "x", Type: Group, Label: "X", Questions: []Question{
			{ID: "r", Type: RepeatingGroup, Label: "R", MaxItems: 2, Questions: []Question{{ID: "n", Type: Text, Label: "N"}}}}}),
			[]string{"sections[8].questions[3].questions[0].type"}},
		{"condition on a later question", withQuestions(
			Question{ID: "x", Type: Text, Label: "X", ShowIf: &Condition{Question: "y", Equals: []string{"yes"}}},
			Question{ID: "y", Type: YesNo, Label: "Y"}), []string{"sections[8].questions[3].show_if.question"}},
		{"condition on text, bad yes/no value", withQuestions(
			Question{ID: "y", Type: YesNo, Label: "Y"},
			Question{ID: "x", Type: Text, Label: "X", ShowIf: &Condition{Question: "need", Equals: []string{"a"}}},
			Question{ID: "z", Type: Text, Label: "Z", ShowIf: &Condition{Question: "y", Equals: []string{"true"}}}),
			[]string{"sections[8].questions[4].show_if.question", "sections[8].questions[5].show_if.equals[0]"}},
		{"condition on a value that is not an option", withQuestions(
			Question{ID: "x", Type: Text, Label: "X", ShowIf: &Condition{Question: "dpia_status", Equals: []string{"complete", "done"}}}),
			[]string{"sections[8].questions[3].show_if.equals[1]"}},
		{"condition inside a group on a sibling", withQuestions(Question{ID: "g", Type: Group, Label: "G", Questions: []Question{
			{ID: "y", Type: YesNo, Label: "Y"},
			{ID: "n", Type: Text, Label: "N", ShowIf: &Condition{Question: "y", Equals: []string{"yes"}}}}}), nil},
		{"targets only at the top as targets", withQuestions(Question{ID: "more_targets", Type: OutcomeTargets, Label: "T"}),
			[]string{"sections[8].questions[3].type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.f.Problems()
			if len(got) != len(tt.want) {
				t.Fatalf("problems %v, want fields %q", got, tt.want)
			}
			for i, e := range got {
				if !strings.HasPrefix(e.Field, tt.want[i]) {
					t.Errorf("problem %d at %q, want %q (%s)", i, e.Field, tt.want[i], e.Message)
				}
			}
		})
	}
}

// A form may ask for a document of exactly the kinds an upload may carry:
// the kind's rule is internal/document's, refused in its words.
func TestADocumentQuestionTakesTheKindsAnUploadDoes(t *testing.T) {
	for _, kind := range []string{"budget", "project_plan", "a", strings.Repeat("k", 40), strings.Repeat("k", 41),
		"Budget", "1plan", "_plan", "project-plan", "plan ", "plán"} {
		f := withQuestions(Question{ID: "doc", Type: Document, Label: "Doc", DocumentKind: kind})
		var refused []string
		for _, p := range f.Problems() {
			if strings.HasSuffix(p.Field, ".document_kind") {
				refused = append(refused, p.Message)
			}
		}
		if want := !document.ValidKind(kind); (len(refused) > 0) != want {
			t.Errorf("kind %q: refused %q, want refused %v", kind, refused, want)
		}
		if len(refused) > 0 && refused[0] != document.KindRule {
			t.Errorf("kind %q refused as %q", kind, refused[0])
		}
	}
}
