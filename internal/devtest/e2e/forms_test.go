package e2e

import (
	"slices"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
)

type formBody struct {
	FundID  string         `json:"fund_id"`
	Version int            `json:"version"`
	Form    form.Form      `json:"form"`
	Schema  map[string]any `json:"schema"`
}

// socialAnswers is a complete set of answers to the social-prescribing
// fund's form, version 1.
func socialAnswers(lead string) map[string]any {
	return map[string]any{
		"lead_contact":       map[string]any{"name": lead, "email": "link.workers@wales.nhs.uk", "role": "Head of Primary Care"},
		"sro":                map[string]any{"name": "Dr Ceri Rees", "role": "Medical Director"},
		"sro_declaration":    true,
		"host_organisation":  "7A1",
		"delivery_model":     "hybrid",
		"deployment_routes":  []string{"gp_practices", "community_hubs"},
		"start_date":         "2026-09-01",
		"link_workers":       4,
		"population_covered": 450000,
		"planned_reach":      1200,
		"has_partners":       true,
		"partners": []map[string]any{
			{"name": "Age Cymru", "contact_email": "hello@agecymru.org.uk", "contact_phone": "029 2043 1555"},
			{"name": "Mind Cymru", "charity_number": "219830", "contact_email": "cymru@mind.org.uk"},
		},
		"approach":            "GPs and pharmacists refer people to a link worker, who meets them within a fortnight and follows up at twelve weeks.",
		"referral_sources":    []string{"gp", "pharmacy", "self_referral"},
		"safeguarding_policy": true,
		"requested_pence":     4_500_000,
	}
}

func errorFields(p problemBody) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// TestSecondFundWithItsOwnForm runs the social-prescribing fund dev seeds,
// whose form asks its own questions, from draft to the panel's decision on
// a real Temporal server, and publishes a second version of its form while
// an application started on the first is still a draft.
func TestSecondFundWithItsOwnForm(t *testing.T) {
	e := shared(t, socialPrescribing)
	def := e.fund
	applicant := e.token("applicant_7A1")
	base := "/v1/funds/" + def.ID

	t.Run("both dev funds serve their forms", func(t *testing.T) {
		var seeded, social formBody
		if code := e.Do("GET", "/v1/funds/"+fund.SeedID+"/form", e.token("reviewer1"), nil, &seeded); code != 200 || seeded.Version != 1 {
			t.Fatalf("seeded form: %d %+v", code, seeded)
		}
		if len(seeded.Form.Sections) != len(form.Seeded().Sections) || seeded.Schema["$schema"] != form.SchemaDialect {
			t.Errorf("seeded form %d sections, schema %v", len(seeded.Form.Sections), seeded.Schema["$schema"])
		}
		if code := e.Do("GET", "/v1/funds/"+fund.SocialPrescribingID+"/form", applicant, nil, &social); code != 200 || social.FundID != fund.SocialPrescribingID || social.Version != 1 {
			t.Fatalf("social form: %d %+v", code, social)
		}
		if _, ok := social.Form.Question("partners"); !ok {
			t.Error("the social-prescribing form does not ask for partners")
		}
		var p problemBody
		if code := e.Do("GET", "/v1/funds/"+fund.SocialPrescribingID+"/form?version=2", applicant, nil, &p); code != 404 {
			t.Errorf("a version never published: %d %+v", code, p)
		}
		if code := e.Do("GET", base+"/form?version=first", applicant, nil, &p); code != 422 {
			t.Errorf("a version that is not a number: %d %+v", code, p)
		}
		if code := e.Do("GET", "/v1/funds/no-such-fund/form", applicant, nil, &p); code != 404 {
			t.Errorf("no such fund: %d", code)
		}
	})

	// A draft with part of the answers, started on version 1.
	first := socialAnswers("Llŷr Jones")
	delete(first, "partners")
	delete(first, "approach")
	first["fund_id"] = def.ID
	var created map[string]any
	if code := e.DoKey("POST", "/v1/applications", applicant, "social-1", first, &created); code != 201 || created["form_version"] != float64(1) {
		t.Fatalf("create: %d %v", code, created)
	}
	id := created["id"].(string)
	app := "/v1/applications/" + id

	t.Run("an answer to a question the form does not have is refused and nothing is saved", func(t *testing.T) {
		var p problemBody
		body := map[string]any{"approach": "Changed.", "colour": "red", "need": "The seeded fund's question."}
		if code := e.DoKey("PATCH", app, applicant, "", body, &p); code != 422 || !slices.Equal(errorFields(p), []string{"colour", "need"}) {
			t.Fatalf("unknown questions: %d %+v", code, p)
		}
		if code := e.DoKey("PATCH", app, applicant, "", map[string]any{"host_organisation": "ZZZ99"}, &p); code != 422 ||
			!slices.Equal(errorFields(p), []string{"host_organisation"}) || p.Errors[0].Message != "is not an organisation in the registry" {
			t.Fatalf("unknown organisation: %d %+v", code, p)
		}
		var v map[string]any
		e.Do("GET", app, applicant, nil, &v)
		content := v["content"].(map[string]any)
		if _, ok := content["approach"]; ok || content["host_organisation"] != "7A1" || content["colour"] != nil {
			t.Fatalf("a refused patch changed the draft: %v", content)
		}
	})

	t.Run("submission asks for what is missing, by question id", func(t *testing.T) {
		var p problemBody
		if code := e.DoKey("POST", app+"/submit", applicant, "", nil, &p); code != 422 || !slices.Equal(errorFields(p), []string{"partners", "approach"}) {
			t.Fatalf("incomplete submit: %d %+v", code, p)
		}
		// Over the repeating group's limit, and an item incomplete.
		six := make([]map[string]any, 7)
		for i := range six {
			six[i] = map[string]any{"name": "Partner", "contact_email": "p@example.org"}
		}
		six[2] = map[string]any{"name": "No email"}
		if code := e.DoKey("PATCH", app, applicant, "", map[string]any{"partners": six}, &p); code != 422 ||
			!slices.Equal(errorFields(p), []string{"partners"}) {
			t.Fatalf("seven partners: %d %+v", code, p)
		}
	})

	t.Run("a new version of an open fund's form is used by new drafts only", func(t *testing.T) {
		v2 := fund.SocialPrescribingForm()
		v2.Sections[3].Questions = append(v2.Sections[3].Questions, form.Question{
			ID: "evaluation_partner", Type: form.Text, Required: true, Label: "Who will evaluate the service?"})
		var p problemBody
		if code := e.DoKey("PUT", base+"/form", applicant, "", v2, &p); code != 403 {
			t.Fatalf("an applicant published a form: %d", code)
		}
		bad := v2
		bad.Sections = bad.Sections[1:]
		if code := e.DoKey("PUT", base+"/form", e.token("admin"), "", bad, &p); code != 422 || len(p.Errors) == 0 {
			t.Fatalf("a form without the well-known questions: %d %+v", code, p)
		}
		var published formBody
		if code := e.DoKey("PUT", base+"/form", e.token("admin"), "publish-v2", v2, &published); code != 200 || published.Version != 2 {
			t.Fatalf("publish: %d %+v", code, published)
		}
		var again formBody
		if code := e.DoKey("PUT", base+"/form", e.token("admin"), "publish-v2", v2, &again); code != 200 || again.Version != 2 {
			t.Fatalf("a retried publish is not the same version: %d %+v", code, again)
		}
		var old formBody
		if code := e.Do("GET", base+"/form?version=1", applicant, nil, &old); code != 200 || old.Version != 1 {
			t.Fatalf("version 1 after publishing 2: %d %+v", code, old)
		}
		if _, ok := old.Form.Question("evaluation_partner"); ok {
			t.Error("version 1 changed")
		}

		// A new draft starts on version 2 and must answer its question.
		second := socialAnswers("Morag Campbell")
		second["fund_id"] = def.ID
		second["host_organisation"] = "SG9"
		var made map[string]any
		if code := e.DoKey("POST", "/v1/applications", e.token("applicant_SG9"), "social-2", second, &made); code != 201 || made["form_version"] != float64(2) {
			t.Fatalf("create on v2: %d %v", code, made)
		}
		if code := e.DoKey("POST", "/v1/applications/"+made["id"].(string)+"/submit", e.token("applicant_SG9"), "", nil, &p); code != 422 ||
			!slices.Equal(errorFields(p), []string{"evaluation_partner"}) {
			t.Fatalf("v2 submit without its new question: %d %+v", code, p)
		}
		// The draft started on version 1 never meets the new question.
		if code := e.DoKey("PATCH", app, applicant, "", map[string]any{"evaluation_partner": "Cardiff University"}, &p); code != 422 {
			t.Fatalf("a v1 draft took a v2 answer: %d %+v", code, p)
		}
	})

	t.Run("the version 1 draft submits and goes to a decision", func(t *testing.T) {
		rest := socialAnswers("Llŷr Jones")
		if code := e.DoKey("PATCH", app, applicant, "", map[string]any{"partners": rest["partners"], "approach": rest["approach"]}, nil); code != 200 {
			t.Fatalf("patch: %d", code)
		}
		out := e.post(app+"/submit", applicant, nil, 200)
		if out["status"] != "eligibility" {
			t.Fatalf("submitted into %v", out)
		}
		var v map[string]any
		e.Do("GET", app, e.token("reviewer1"), nil, &v)
		content := v["content"].(map[string]any)
		if v["form_version"] != float64(1) || len(content["partners"].([]any)) != 2 || content["start_date"] != "2026-09-01" {
			t.Fatalf("submitted application: form_version %v, content %v", v["form_version"], content)
		}
		if elig := v["eligibility"].(map[string]any); elig["automatic"] == "fail" {
			t.Fatalf("a Welsh health board is ineligible for a fund for Welsh health boards: %v", elig["checks"])
		}
		e.post(app+"/eligibility", e.token("reviewer1"), map[string]string{"decision": "pass", "reason": "Eligible health board."}, 200)
		e.Do("GET", app, e.token("panel_chair"), nil, &v)
		reviewers := v["reviewers"].([]any)
		if len(reviewers) != def.ReviewersPerApplication {
			t.Fatalf("%d reviewers, want %d", len(reviewers), def.ReviewersPerApplication)
		}
		e.post(app+"/assessments", e.reviewerToken(reviewers[0].(map[string]any)["id"].(string)), e.assessment(3), 200)
		out = e.post(app+"/decision", e.token("panel_chair"), map[string]any{"outcome": "approve", "amount_pence": 4_500_000,
			"feedback": "A strong partnership with the voluntary sector."}, 200)
		if out["status"] != "offered" {
			t.Fatalf("decision: %v", out)
		}
	})

	t.Run("a fund created with its own form, replaced in place while a draft", func(t *testing.T) {
		d := fund.SocialPrescribingDefinition(time.Now())
		d.ID = def.ID + "-pilot"
		d.ReferencePrefix = def.ReferencePrefix + "P"
		broken := fund.SocialPrescribingForm()
		broken.Sections[0].Questions = broken.Sections[0].Questions[1:]
		d.Form = &broken
		var p problemBody
		if code := e.Do("POST", "/v1/funds", e.token("admin"), d, &p); code != 422 || len(p.Errors) == 0 || p.Errors[0].Field[:5] != "form." {
			t.Fatalf("a fund with a broken form: %d %+v", code, p)
		}
		f := fund.SocialPrescribingForm()
		f.Version = 0
		d.Form = &f
		var created fundBody
		if code := e.Do("POST", "/v1/funds", e.token("admin"), d, &created); code != 201 {
			t.Fatalf("create: %d", code)
		}
		f.Sections[1].Title = "About the service"
		var replaced formBody
		if code := e.DoKey("PUT", "/v1/funds/"+d.ID+"/form", e.token("admin"), "", f, &replaced); code != 200 || replaced.Version != 1 ||
			replaced.Form.Sections[1].Title != "About the service" {
			t.Fatalf("replace a draft's form: %d %+v", code, replaced)
		}
	})
}
