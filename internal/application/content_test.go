package application

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/fund"
)

// complete is a content that passes ValidateSubmission for the seed fund.
func complete() Content {
	return Content{
		OrgCode:           "QHL",
		LeadContact:       LeadContact{Name: "Asha Patel", Email: "asha.patel@nhs.net", Role: "Head of Prevention"},
		SRO:               SRO{Name: "Dr Tom Reid", Role: "Chief Medical Officer"},
		SRODeclaration:    true,
		PopulationCovered: 1_375_000,
		DeploymentRoutes:  []string{"nhs_app", "primary_care_public_health"},
		TargetCohorts:     []Cohort{CohortHypertension, CohortType2Diabetes},
		PlannedReach:      12_000,
		RequestedPence:    8_000_000,
		Need:              "High prevalence of hypertension.",
		DeliveryPlan:      "Referral through GP practices.",
		IntegrationPlan:   "NHS App via Patients Know Best.",
		Evaluation:        "Blood pressure before and after.",
		ThreeShifts:       "Prevention, community, digital.",
		IGReadiness:       "DPIA drafted.",
		DPIAStatus:        IGInProgress,
		DTACStatus:        IGNotStarted,
		Targets: []fund.Target{
			{Measure: "people_onboarded", Route: "nhs_app", Target: decimal.FromInt(8000)},
			{Measure: "systolic_bp", Route: "primary_care_public_health", Baseline: decimal.FromInt(146), Target: decimal.FromInt(140)},
		},
	}
}

// decodePatch decodes like the API does: strictly, one value.
func decodePatch(body string) (Patch, error) {
	var p Patch
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&p)
	return p, err
}

func TestPatchMergeSemantics(t *testing.T) {
	base := complete()
	tests := []struct {
		name string
		body string
		want func(c *Content)
	}{
		{"empty patch changes nothing", `{}`, func(*Content) {}},
		{"absent members stay", `{"need":"More need."}`, func(c *Content) { c.Need = "More need." }},
		{"null clears a string", `{"need":null}`, func(c *Content) { c.Need = "" }},
		{"null clears a number", `{"requested_pence":null}`, func(c *Content) { c.RequestedPence = 0 }},
		{"null clears a bool", `{"sro_declaration":null}`, func(c *Content) { c.SRODeclaration = false }},
		{"false is a value", `{"sro_declaration":false}`, func(c *Content) { c.SRODeclaration = false }},
		{"zero is a value", `{"planned_reach":0}`, func(c *Content) { c.PlannedReach = 0 }},
		{"null clears a list", `{"deployment_routes":null}`, func(c *Content) { c.DeploymentRoutes = nil }},
		{"an empty list clears too", `{"target_cohorts":[]}`, func(c *Content) { c.TargetCohorts = nil }},
		{"a list is replaced whole", `{"target_cohorts":["obesity"]}`, func(c *Content) { c.TargetCohorts = []Cohort{CohortObesity} }},
		{"nested objects merge", `{"lead_contact":{"email":"a@nhs.net"}}`, func(c *Content) { c.LeadContact.Email = "a@nhs.net" }},
		{"nested null clears one member", `{"lead_contact":{"role":null}}`, func(c *Content) { c.LeadContact.Role = "" }},
		{"null clears a whole object", `{"sro":null}`, func(c *Content) { c.SRO = SRO{} }},
		{"an empty object changes nothing", `{"sro":{}}`, func(*Content) {}},
		{"enums", `{"dpia_status":"complete","dtac_status":null}`, func(c *Content) { c.DPIAStatus, c.DTACStatus = IGComplete, "" }},
		{"several at once", `{"need":"N","sro":{"name":"X"},"population_covered":5}`, func(c *Content) {
			c.Need, c.SRO.Name, c.PopulationCovered = "N", "X", 5
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decodePatch(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			want := complete()
			tt.want(&want)
			if got := base.Apply(p); !reflect.DeepEqual(got, want) {
				t.Errorf("Apply(%s)\n got %+v\nwant %+v", tt.body, got, want)
			}
			if !reflect.DeepEqual(base, complete()) {
				t.Error("Apply changed its receiver")
			}
		})
	}
}

func TestApplyDoesNotShareLists(t *testing.T) {
	routes := []string{"nhs_app"}
	c := Content{}.Apply(Patch{DeploymentRoutes: Set(routes)})
	routes[0] = "changed"
	if c.DeploymentRoutes[0] != "nhs_app" {
		t.Error("content shares its list with the patch")
	}
}

func TestPatchDecodingIsStrict(t *testing.T) {
	tests := []struct {
		name, body string
		// unknown is the field a "json: unknown field" error names, or ""
		// when the body must fail with a type error at typeField.
		unknown, typeField string
	}{
		{"org_code comes from the token", `{"org_code":"QHL"}`, "org_code", ""},
		{"unknown nested member", `{"lead_contact":{"emial":"a@nhs.net"}}`, "emial", ""},
		{"wrong type at top level", `{"population_covered":"lots"}`, "", "population_covered"},
		{"wrong type nested", `{"lead_contact":{"email":5}}`, "", "lead_contact.email"},
		{"object instead of list", `{"deployment_routes":{"a":1}}`, "", "deployment_routes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodePatch(tt.body)
			if err == nil {
				t.Fatal("decoded")
			}
			var te *json.UnmarshalTypeError
			switch {
			case tt.unknown != "":
				// api.decodeError recognises unknown fields by this prefix.
				if want := `json: unknown field "` + tt.unknown + `"`; err.Error() != want {
					t.Errorf("error %q, want %q", err, want)
				}
			case !errors.As(err, &te):
				t.Errorf("error %v, want a type error", err)
			case te.Field != tt.typeField:
				t.Errorf("type error at %q, want %q", te.Field, tt.typeField)
			}
		})
	}
}

func TestValidateDraft(t *testing.T) {
	def := seed()
	tests := []struct {
		name string
		edit func(c *Content)
		want []string
	}{
		{"an empty draft is fine", func(c *Content) { *c = Content{} }, nil},
		{"a complete application is fine", func(*Content) {}, nil},
		{"narrative at its limit", func(c *Content) { c.Need = strings.Repeat("é", MaxNeedChars) }, nil},
		{"narrative over its limit, counted in characters", func(c *Content) {
			c.Need = strings.Repeat("é", MaxNeedChars+1)
			c.IGReadiness = strings.Repeat("x", MaxIGReadinessChars+1)
		}, []string{"need", "ig_readiness"}},
		{"bad email", func(c *Content) { c.LeadContact.Email = "asha at nhs" }, []string{"lead_contact.email"}},
		{"long names", func(c *Content) {
			c.LeadContact.Name = strings.Repeat("n", MaxNameChars+1)
			c.SRO.Role = strings.Repeat("r", MaxNameChars+1)
		}, []string{"lead_contact.name", "sro.role"}},
		{"negative figures", func(c *Content) {
			c.PopulationCovered, c.PlannedReach, c.RequestedPence = -1, -1, -1
		}, []string{"population_covered", "planned_reach", "requested_pence"}},
		{"implausible people", func(c *Content) { c.PopulationCovered = MaxPeople + 1 }, []string{"population_covered"}},
		{"over the max award", func(c *Content) { c.RequestedPence = def.MaxAwardPence + 1 }, []string{"requested_pence"}},
		{"unknown and repeated routes", func(c *Content) {
			c.DeploymentRoutes = []string{"nhs_app", "carrier_pigeon", "nhs_app"}
		}, []string{"deployment_routes[1]", "deployment_routes[2]"}},
		{"unknown and repeated cohorts", func(c *Content) {
			c.TargetCohorts = []Cohort{"smokers", CohortObesity, CohortObesity}
		}, []string{"target_cohorts[0]", "target_cohorts[2]"}},
		{"targets out of range, on a route not chosen, repeated", func(c *Content) {
			c.DeploymentRoutes = []string{"nhs_app"}
			c.Targets = append(c.Targets, fund.Target{Measure: "wemwbs", Route: "nhs_app", Baseline: decimal.FromInt(40), Target: decimal.FromInt(80)},
				c.Targets[0], fund.Target{Measure: "steps", Route: "nhs_app"})
			c.Targets[1].Route = "fax"
		}, []string{"targets[3]", "targets[1].route", "targets[2].target", "targets[4].measure"}},
		{"unknown IG statuses", func(c *Content) { c.DPIAStatus, c.DTACStatus = "done", "Complete" }, []string{"dpia_status", "dtac_status"}},
		{"a draft may be partial", func(c *Content) {
			c.Need, c.SRODeclaration, c.DeploymentRoutes, c.LeadContact = "", false, nil, LeadContact{}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := complete()
			tt.edit(&c)
			if got := fields(t, ValidateDraft(c, def)); !slices.Equal(got, tt.want) {
				t.Errorf("fields %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateSubmission(t *testing.T) {
	def := seed()
	if err := ValidateSubmission(complete(), def); err != nil {
		t.Fatalf("complete application refused: %v", err)
	}

	// An empty application is refused with every missing field at once, in
	// form order.
	want := []string{
		"org_code", "lead_contact.name", "lead_contact.email", "lead_contact.role", "sro.name", "sro.role",
		"sro_declaration", "population_covered", "deployment_routes", "target_cohorts", "planned_reach",
		"requested_pence", "need", "delivery_plan", "integration_plan", "evaluation", "three_shifts",
		"ig_readiness", "dpia_status", "dtac_status",
	}
	if got := fields(t, ValidateSubmission(Content{}, def)); !slices.Equal(got, want) {
		t.Errorf("empty application: fields\n%q\nwant\n%q", got, want)
	}

	// Shape problems and missing fields come together.
	c := complete()
	c.Need = "   "
	c.LeadContact.Email = "not-an-email"
	c.SRODeclaration = false
	c.DeploymentRoutes = []string{"fax"}
	if got, want := fields(t, ValidateSubmission(c, def)), []string{"lead_contact.email", "sro_declaration", "deployment_routes[0]", "need", "targets[0].route", "targets[1].route"}; !slices.Equal(got, want) {
		t.Errorf("fields %q, want %q", got, want)
	}

	// A fund may require a baseline and target for a measure on every
	// route it applies to; a draft may leave them out, a submission may not.
	req := seed()
	req.Measures = slices.Clone(req.Measures)
	for i := range req.Measures {
		req.Measures[i].TargetRequired = req.Measures[i].ID == "people_onboarded" || req.Measures[i].ID == "systolic_bp"
	}
	if got, want := fields(t, ValidateSubmission(complete(), req)), []string{"targets.people_onboarded.primary_care_public_health", "targets.systolic_bp.nhs_app"}; !slices.Equal(got, want) {
		t.Errorf("required targets: fields %q, want %q", got, want)
	}
	if err := ValidateDraft(complete(), req); err != nil {
		t.Errorf("a draft without every required target refused: %v", err)
	}

	// ValidateDraft's rules apply at submission too.
	c = complete()
	c.RequestedPence = def.MaxAwardPence + 1
	if got := fields(t, ValidateSubmission(c, def)); !slices.Equal(got, []string{"requested_pence"}) {
		t.Errorf("fields %q", got)
	}
}

func TestCohortsAndLabels(t *testing.T) {
	want := []Cohort{"hypertension", "type_2_diabetes", "obesity", "mental_wellbeing", "multimorbidity", "other"}
	if !slices.Equal(Cohorts(), want) {
		t.Errorf("Cohorts() = %q", Cohorts())
	}
	for _, c := range want {
		if c.Label() == "" {
			t.Errorf("%s has no label", c)
		}
	}
	if Cohort("smokers").Label() != "" || IGStatus("done").Label() != "" {
		t.Error("unknown values have labels")
	}
	for _, s := range []IGStatus{IGNotStarted, IGInProgress, IGComplete} {
		if s.Label() == "" {
			t.Errorf("%s has no label", s)
		}
	}
}

// Generators for the property tests. Values are drawn from small pools so
// that patches and contents often collide.
var (
	genText   = rapid.SampledFrom([]string{"", "a", "Need é", "x@nhs.net"})
	genNumber = rapid.SampledFrom([]int64{0, 1, 42, -3})
)

func genField[T any](v *rapid.Generator[T]) *rapid.Generator[Field[T]] {
	return rapid.Custom(func(t *rapid.T) Field[T] {
		switch rapid.IntRange(0, 2).Draw(t, "state") {
		case 0:
			return Field[T]{}
		case 1:
			return Field[T]{Set: true}
		}
		return Set(v.Draw(t, "value"))
	})
}

func genList[T any](v *rapid.Generator[T]) *rapid.Generator[[]T] {
	return rapid.Custom(func(t *rapid.T) []T {
		var xs []T
		for range rapid.IntRange(0, 3).Draw(t, "len") {
			xs = append(xs, v.Draw(t, "item"))
		}
		return xs
	})
}

var (
	genRoutes  = genList(rapid.SampledFrom([]string{"nhs_app", "primary_care_public_health", "x"}))
	genCohorts = genList(rapid.SampledFrom(Cohorts()))
	genIG      = rapid.SampledFrom([]IGStatus{"", IGNotStarted, IGComplete})
	genPatch   = rapid.Custom(func(t *rapid.T) Patch {
		lead := rapid.Custom(func(t *rapid.T) *LeadContactPatch {
			if rapid.Bool().Draw(t, "nil") {
				return nil
			}
			return &LeadContactPatch{Name: genField(genText).Draw(t, "name"), Email: genField(genText).Draw(t, "email"), Role: genField(genText).Draw(t, "role")}
		})
		sro := rapid.Custom(func(t *rapid.T) *SROPatch {
			if rapid.Bool().Draw(t, "nil") {
				return nil
			}
			return &SROPatch{Name: genField(genText).Draw(t, "name"), Role: genField(genText).Draw(t, "role")}
		})
		return Patch{
			LeadContact:       genField(lead).Draw(t, "lead_contact"),
			SRO:               genField(sro).Draw(t, "sro"),
			SRODeclaration:    genField(rapid.Bool()).Draw(t, "sro_declaration"),
			PopulationCovered: genField(genNumber).Draw(t, "population_covered"),
			DeploymentRoutes:  genField(genRoutes).Draw(t, "deployment_routes"),
			TargetCohorts:     genField(genCohorts).Draw(t, "target_cohorts"),
			PlannedReach:      genField(genNumber).Draw(t, "planned_reach"),
			RequestedPence:    genField(genNumber).Draw(t, "requested_pence"),
			Need:              genField(genText).Draw(t, "need"),
			DeliveryPlan:      genField(genText).Draw(t, "delivery_plan"),
			IntegrationPlan:   genField(genText).Draw(t, "integration_plan"),
			Evaluation:        genField(genText).Draw(t, "evaluation"),
			ThreeShifts:       genField(genText).Draw(t, "three_shifts"),
			IGReadiness:       genField(genText).Draw(t, "ig_readiness"),
			DPIAStatus:        genField(genIG).Draw(t, "dpia_status"),
			DTACStatus:        genField(genIG).Draw(t, "dtac_status"),
		}
	})
	// genContent is what patches can produce from nothing, so contents are
	// normalised the way Apply leaves them (no empty non-nil lists).
	genContent = rapid.Custom(func(t *rapid.T) Content {
		c := Content{OrgCode: rapid.SampledFrom([]string{"", "QHL"}).Draw(t, "org_code")}
		for range rapid.IntRange(0, 3).Draw(t, "patches") {
			c = c.Apply(genPatch.Draw(t, "patch"))
		}
		return c
	})
)

// contentAsPatch is the GET body of c sent back as a PATCH, as a form that
// saves everything it shows would.
func contentAsPatch(t *rapid.T, c Content) Patch {
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	delete(m, "org_code")
	b, _ = json.Marshal(m)
	p, err := decodePatch(string(b))
	if err != nil {
		t.Fatalf("the content's own JSON is not a valid patch: %v\n%s", err, b)
	}
	return p
}

func TestPatchProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genContent.Draw(t, "content")
		p := genPatch.Draw(t, "patch")
		once := c.Apply(p)

		// Applying a patch twice is the same as once (retries are safe).
		if twice := once.Apply(p); !reflect.DeepEqual(twice, once) {
			t.Fatalf("not idempotent:\n once %+v\ntwice %+v", once, twice)
		}

		// A patch survives JSON, as it must to reach the workflow.
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodePatch(string(b))
		if err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		if !reflect.DeepEqual(back, p) {
			t.Fatalf("round trip through %s changed the patch:\n%+v\n%+v", b, p, back)
		}

		// Members the patch leaves out keep their values.
		var sent map[string]json.RawMessage
		_ = json.Unmarshal(b, &sent)
		before, after := members(t, c), members(t, once)
		for k, v := range before {
			if _, ok := sent[k]; !ok && !bytes.Equal(v, after[k]) {
				t.Fatalf("%s changed from %s to %s though the patch %s leaves it out", k, v, after[k], b)
			}
		}

		// The content's own JSON, patched back, changes nothing, and on an
		// empty draft rebuilds it.
		full := contentAsPatch(t, c)
		if got := c.Apply(full); !reflect.DeepEqual(got, c) {
			t.Fatalf("own JSON changed the content:\n got %+v\nwant %+v", got, c)
		}
		if got := (Content{OrgCode: c.OrgCode}).Apply(full); !reflect.DeepEqual(got, c) {
			t.Fatalf("own JSON did not rebuild the content:\n got %+v\nwant %+v", got, c)
		}
	})
}

func members(t *rapid.T, c Content) map[string]json.RawMessage {
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	return m
}

func TestContentJSONNames(t *testing.T) {
	b, err := json.Marshal(complete())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{
		"delivery_plan", "deployment_routes", "dpia_status", "dtac_status", "evaluation", "ig_readiness",
		"integration_plan", "lead_contact", "need", "org_code", "planned_reach", "population_covered",
		"requested_pence", "sro", "sro_declaration", "target_cohorts", "targets", "three_shifts",
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %q\nwant %q", keys, want)
	}
	if got := string(m["lead_contact"]); got != `{"name":"Asha Patel","email":"asha.patel@nhs.net","role":"Head of Prevention"}` {
		t.Errorf("lead_contact %s", got)
	}
}
