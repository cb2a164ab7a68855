package form

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"pgregory.net/rapid"

	"github.com/fundflow/fundflow/internal/email"
)

// compile checks the schema against the 2020-12 meta-schema, as any
// client's validator would first.
func compile(t *testing.T, f Form, routes []string) *jsonschema.Schema {
	t.Helper()
	b, err := json.Marshal(f.Schema(routes))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("form.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("form.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v\n%s", err, b)
	}
	return s
}

func instance(t *testing.T, body string) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const seededComplete = `{
	"lead_contact":{"name":"Asha Patel","email":"asha.patel@nhs.net","role":"Head of Prevention"},
	"sro":{"name":"Dr Tom Reid","role":"Chief Medical Officer"},"sro_declaration":true,
	"population_covered":1375000,"deployment_routes":["nhs_app"],"target_cohorts":["obesity"],"planned_reach":12000,
	"requested_pence":8000000,"need":"N","delivery_plan":"D","integration_plan":"I","evaluation":"E",
	"targets":[{"measure":"systolic_bp","route":"nhs_app","baseline":"146","target":140}],
	"three_shifts":"T","ig_readiness":"G","dpia_status":"in_progress","dtac_status":"not_started"}`

// The schema and Validate agree on what a complete submission is, for the
// cases a schema can express.
func TestSchemaAgreesWithValidate(t *testing.T) {
	routes := []string{"nhs_app", "primary_care_public_health"}
	s := compile(t, Seeded(), routes)
	env := Env{Routes: routes}
	edit := func(change string) string {
		var m map[string]json.RawMessage
		_ = json.Unmarshal([]byte(seededComplete), &m)
		var c map[string]json.RawMessage
		_ = json.Unmarshal([]byte(change), &c)
		for k, v := range c {
			if string(v) == "null" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct {
		name, change string
		valid        bool
	}{
		{"complete", `{}`, true},
		{"missing need", `{"need":null}`, false},
		{"blank need", `{"need":"  "}`, false},
		{"declaration not made", `{"sro_declaration":false}`, false},
		{"unknown route", `{"deployment_routes":["fax"]}`, false},
		{"repeated cohort", `{"target_cohorts":["obesity","obesity"]}`, false},
		{"unknown question", `{"colour":"red"}`, false},
		{"negative figure", `{"planned_reach":-1}`, false},
		{"bad email", `{"lead_contact":{"name":"A","email":"nope","role":"R"}}`, false},
		{"group member missing", `{"sro":{"name":"A"}}`, false},
		{"unknown status", `{"dpia_status":"done"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := edit(tt.change)
			schemaErr := s.Validate(instance(t, body))
			var a Answers
			_ = json.Unmarshal([]byte(body), &a)
			problems := Seeded().Validate(a, env, Submission)
			if (schemaErr == nil) != tt.valid || (len(problems) == 0) != tt.valid {
				t.Errorf("valid %v: schema says %v, Validate %v", tt.valid, schemaErr, problems)
			}
		})
	}
}

// An email answer is checked by the one rule, internal/email, and the
// schema states it: whatever is typed, the schema and Validate agree.
func TestSchemaAndValidateAgreeOnEveryEmail(t *testing.T) {
	f := one(Question{ID: "email", Type: Email, Required: true, Label: "Email"})
	s := compile(t, f, nil)
	typed := rapid.OneOf(rapid.StringMatching(email.Pattern), rapid.StringMatching(`[a-z.@"<> -]{1,80}`))
	rapid.Check(t, func(t *rapid.T) {
		addr := typed.Draw(t, "email")
		body, _ := json.Marshal(map[string]string{"email": addr})
		var a Answers
		_ = json.Unmarshal(body, &a)
		inSchema := s.Validate(map[string]any{"email": addr}) == nil
		byValidate := len(f.Validate(a, Env{}, Submission)) == 0
		if inSchema != byValidate || byValidate != email.Valid(addr) {
			t.Fatalf("%q: schema %v, Validate %v, email.Valid %v", addr, inSchema, byValidate, email.Valid(addr))
		}
	})
}

func TestSchemaOfConditionsAndRepeatingGroups(t *testing.T) {
	f := one(
		Question{ID: "has", Type: YesNo, Required: true, Label: "Has"},
		Question{ID: "partners", Type: RepeatingGroup, Required: true, MinItems: 1, MaxItems: 2, Label: "P",
			ShowIf:    &Condition{Question: "has", Equals: []string{"yes"}},
			Questions: []Question{{ID: "name", Type: Text, Required: true, Label: "N"}, {ID: "phone", Type: Phone, Label: "T"}}},
		Question{ID: "why", Type: LongText, Required: true, MaxWords: 3, Label: "W", ShowIf: &Condition{Question: "has", Equals: []string{"no"}}},
		Question{ID: "start", Type: Date, Label: "S"},
	)
	s := compile(t, f, nil)
	for body, valid := range map[string]bool{
		`{"has":true,"partners":[{"name":"Age Cymru"}]}`: true,
		`{"has":true}`:               false,
		`{"has":true,"partners":[]}`: false,
		`{"has":true,"partners":[{"name":"A"},{"name":"B"},{"name":"C"}]}`: false,
		`{"has":true,"partners":[{"name":"A","extra":1}]}`:                 false,
		`{"has":false,"why":"three short words"}`:                          true,
		`{"has":false,"why":"four words are too many"}`:                    false,
		`{"has":false}`: false,
		`{"has":false,"why":"ok","start":"2026-09-01"}`:                  true,
		`{"has":false,"why":"ok","start":"1 September"}`:                 false,
		`{"has":true,"partners":[{"name":"A","phone":"029 2043 1555"}]}`: true,
	} {
		var a Answers
		_ = json.Unmarshal([]byte(body), &a)
		schemaErr := s.Validate(instance(t, body))
		problems := f.Validate(a, Env{}, Submission)
		if (schemaErr == nil) != valid || (len(problems) == 0) != valid {
			t.Errorf("%s: valid %v, schema says %v, Validate %v", body, valid, schemaErr, problems)
		}
	}
}
