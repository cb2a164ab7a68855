package application

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
)

// An answer to a question the form does not have is a validation error
// naming it, for the seeded fund as for any other, never silently kept.
func TestUnknownQuestionIsRefused(t *testing.T) {
	p, err := decodePatch(`{"needs":"x","need":"y"}`)
	if err != nil {
		t.Fatal(err)
	}
	err = ValidateDraft(complete().Apply(p), seed())
	if got := fields(t, err); !slices.Equal(got, []string{"needs"}) {
		t.Fatalf("fields %q", got)
	}
	if e := err.(*fundflow.Error); e.Fields[0].Message != "is not a question of this form" {
		t.Errorf("message %q", e.Fields[0].Message)
	}
	// A typed field another fund's form does not ask is refused once given.
	social := fund.SocialPrescribingDefinition(seedNow)
	if got := fields(t, ValidateDraft(Content{Need: "x", TargetCohorts: []Cohort{CohortObesity}}, social)); !slices.Equal(got, []string{"need", "target_cohorts"}) {
		t.Errorf("fields %q", got)
	}
}

func TestFundAnswersOnTheWire(t *testing.T) {
	body := `{"lead_contact":{"name":"Llŷr"},"has_partners":true,"partners":[{"name":"Age Cymru","contact_email":"a@agecymru.org.uk"}],"start_date":"2026-09-01"}`
	p, err := decodePatch(body)
	if err != nil {
		t.Fatal(err)
	}
	if !p.LeadContact.Set || len(p.Answers) != 3 {
		t.Fatalf("patch %+v", p)
	}
	c := Content{OrgCode: "7A1"}.Apply(p)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back Content
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Fatalf("round trip through %s:\n got %+v\nwant %+v", b, back, c)
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	if string(m["partners"]) != `[{"name":"Age Cymru","contact_email":"a@agecymru.org.uk"}]` || string(m["has_partners"]) != "true" {
		t.Errorf("answers are not members of the content: %s", b)
	}
	// The patch marshals back as it was sent, answers included.
	pb, _ := json.Marshal(p)
	if again, err := decodePatch(string(pb)); err != nil || !reflect.DeepEqual(again, p) {
		t.Errorf("patch round trip %s: %v", pb, err)
	}
	if err := ValidateDraft(c, fund.SocialPrescribingDefinition(seedNow)); err != nil {
		t.Errorf("a valid social-prescribing draft refused: %v", err)
	}
}

func TestAnswersMergeLikeJSONMergePatch(t *testing.T) {
	base := Content{}.Apply(mustPatch(t, `{"g":{"a":1,"b":2},"list":[1,2],"s":"x"}`))
	tests := []struct{ patch, want string }{
		{`{}`, `{"g":{"a":1,"b":2},"list":[1,2],"s":"x"}`},
		{`{"s":null}`, `{"g":{"a":1,"b":2},"list":[1,2]}`},
		{`{"g":{"b":null,"c":3}}`, `{"g":{"a":1,"c":3},"list":[1,2],"s":"x"}`},
		{`{"g":null,"list":[3]}`, `{"list":[3],"s":"x"}`},
		{`{"s":{"now":"an object"}}`, `{"g":{"a":1,"b":2},"list":[1,2],"s":{"now":"an object"}}`},
	}
	for _, tt := range tests {
		got := base.Apply(mustPatch(t, tt.patch)).Answers
		var want map[string]json.RawMessage
		_ = json.Unmarshal([]byte(tt.want), &want)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if string(gb) != string(wb) {
			t.Errorf("patch %s: answers %s, want %s", tt.patch, gb, wb)
		}
	}
	if got := base.Apply(mustPatch(t, `{"g":null,"list":null,"s":null}`)).Answers; got != nil {
		t.Errorf("clearing every answer left %v", got)
	}
	if len(base.Answers) != 3 {
		t.Error("Apply changed its receiver")
	}
}

func mustPatch(t *testing.T, body string) Patch {
	t.Helper()
	p, err := decodePatch(body)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPatchRefusesOrgCodeAndKeepsTypeErrors(t *testing.T) {
	if _, err := decodePatch(`{"org_code":"QHL","x":1}`); err == nil || err.Error() != `json: unknown field "org_code"` {
		t.Errorf("org_code: %v", err)
	}
	if _, err := decodePatch(`[]`); err == nil {
		t.Error("an array decoded as a patch")
	}
}

func TestSocialPrescribingSubmission(t *testing.T) {
	def := fund.SocialPrescribingDefinition(seedNow)
	c := Content{OrgCode: "7A1"}.Apply(mustPatch(t, `{
		"lead_contact":{"name":"Llŷr Jones","email":"llyr.jones@wales.nhs.uk","role":"Head of Primary Care"},
		"sro":{"name":"Dr Ceri Rees","role":"Medical Director"},"sro_declaration":true,
		"delivery_model":"hybrid","deployment_routes":["gp_practices"],"start_date":"2026-09-01","link_workers":4,
		"population_covered":450000,"planned_reach":1200,"has_partners":true,
		"partners":[{"name":"Age Cymru","contact_email":"hello@agecymru.org.uk","contact_phone":"029 2043 1555"}],
		"approach":"GPs refer people to link workers, who meet them within a fortnight.","referral_sources":["gp","self_referral"],
		"safeguarding_policy":true,"requested_pence":4500000}`))
	if err := ValidateSubmission(c, def); err != nil {
		t.Fatalf("complete social-prescribing application refused: %v", err)
	}
	// Conditional requirement: saying no to partners asks why instead.
	noPartners := c.Apply(mustPatch(t, `{"has_partners":false}`))
	if got := fields(t, ValidateSubmission(noPartners, def)); !slices.Equal(got, []string{"no_partners_reason"}) {
		t.Errorf("fields %q", got)
	}
	// The engine's rule on the award holds whatever the form says.
	over := c.Apply(mustPatch(t, `{"requested_pence":5000001,"partners":[]}`))
	if got := fields(t, ValidateSubmission(over, def)); !slices.Equal(got, []string{"partners", "requested_pence"}) {
		t.Errorf("fields %q", got)
	}
}

func TestDocumentAnswersAreTheApplications(t *testing.T) {
	def := seed()
	f := form.Seeded()
	f.Sections[0].Questions = append(f.Sections[0].Questions, form.Question{ID: "plan_pdf", Type: form.Document, Label: "Plan", DocumentKind: "plan"})
	def.Form = &f
	c := complete().Apply(mustPatch(t, `{"plan_pdf":["doc_2"]}`))
	k := Known{Documents: []document.Document{{ID: "doc_1", Kind: "plan"}, {ID: "doc_2", Kind: "dpia", UploadedAt: time.Now()}}}
	if got := fields(t, k.ValidateDraft(c, def)); !slices.Equal(got, []string{"plan_pdf[0]"}) {
		t.Errorf("fields %q", got)
	}
	if err := ValidateDraft(c, def); err != nil {
		t.Errorf("without the documents known the ids are not judged: %v", err)
	}
}

// The limits the web shows are the seeded form's.
func TestSeededFormLimitsAreThePackages(t *testing.T) {
	f := form.Seeded()
	for id, limit := range map[string]int{"need": MaxNeedChars, "delivery_plan": MaxDeliveryPlanChars,
		"integration_plan": MaxIntegrationPlanChars, "evaluation": MaxEvaluationChars,
		"three_shifts": MaxThreeShiftsChars, "ig_readiness": MaxIGReadinessChars} {
		if q, ok := f.Question(id); !ok || q.MaxChars != limit {
			t.Errorf("%s: %+v, want max_chars %d", id, q, limit)
		}
	}
	lead, _ := f.Question(form.QLeadContact)
	if lead.Questions[0].MaxChars != MaxNameChars {
		t.Errorf("name limit %d", lead.Questions[0].MaxChars)
	}
	pop, _ := f.Question(form.QPopulationCovered)
	if *pop.Max != MaxPeople {
		t.Errorf("people limit %d", *pop.Max)
	}
	cohorts, _ := f.Question("target_cohorts")
	var values []Cohort
	for _, o := range cohorts.Options {
		values = append(values, Cohort(o.Value))
		if o.Label != Cohort(o.Value).Label() {
			t.Errorf("cohort %s labelled %q, not %q", o.Value, o.Label, Cohort(o.Value).Label())
		}
	}
	if !slices.Equal(values, Cohorts()) {
		t.Errorf("cohorts %q", values)
	}
}

func TestShownKeepsWhatTheApplicantWasAsked(t *testing.T) {
	def := fund.SocialPrescribingDefinition(seedNow)
	c := Content{OrgCode: "7A1"}.Apply(mustPatch(t, `{"need":"","lead_contact":{"name":"Llŷr"},"has_partners":false,
		"partners":[{"name":"Age Cymru"}],"no_partners_reason":"We employ our own.","requested_pence":100}`))
	got := c.Shown(def.ApplicationForm())
	if _, ok := got.Answers["partners"]; ok || string(got.Answers["no_partners_reason"]) != `"We employ our own."` {
		t.Errorf("answers %v", got.Answers)
	}
	if got.LeadContact.Name != "Llŷr" || got.RequestedPence != 100 || got.OrgCode != "7A1" {
		t.Errorf("typed fields lost: %+v", got)
	}
	// Nothing is hidden in the seeded form: its content is kept exactly.
	if full := complete(); !reflect.DeepEqual(full.Shown(form.Seeded()), full) {
		t.Errorf("seeded content changed:\n got %+v\nwant %+v", full.Shown(form.Seeded()), full)
	}
}
