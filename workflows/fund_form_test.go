package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
)

func (r *fundRun) form(n int) FormView {
	v, err := r.env.QueryWorkflow(QueryForm, n)
	require.NoError(r.t, err)
	var out FormView
	require.NoError(r.t, v.Get(&out))
	return out
}

// A draft fund's form is replaced in place; once open, a new form is the
// next version and earlier versions stay readable for the applications
// started on them.
func TestFundFormVersions(t *testing.T) {
	r := newFundRun(t)
	v2 := form.Seeded()
	v2.Version = 7 // the fund numbers versions, not the caller
	v2.Sections[0].Title = "Who we are"
	broken := form.Seeded()
	broken.Sections = broken.Sections[1:]

	draftPublish := r.send(UpdatePublishForm, PublishFormRequest{Command: fundCmd("f1", fundAdmin), Form: v2})
	var inDraft FormView
	r.then(func() { inDraft = r.form(0) })
	r.send(UpdateOpen, LifecycleRequest{Command: fundCmd("open", fundAdmin)})
	notAdmin := r.send(UpdatePublishForm, PublishFormRequest{Command: fundCmd("f2", fundChair), Form: v2})
	invalid := r.send(UpdatePublishForm, PublishFormRequest{Command: fundCmd("f3", fundAdmin), Form: broken})
	v3 := v2
	v3.Sections = append([]form.Section{}, v2.Sections...)
	v3.Sections[0].Title = "About you"
	openPublish := r.send(UpdatePublishForm, PublishFormRequest{Command: fundCmd("f4", fundAdmin), Form: v3})
	retry := r.send(UpdatePublishForm, PublishFormRequest{Command: fundCmd("f4", fundAdmin), Form: v3})
	// An amendment of an open fund may not change its form by the back door.
	sneaky := seedFund()
	other := form.Seeded()
	other.Sections[0].Title = "Changed in place"
	sneaky.Form = &other
	amendForm := r.send(UpdateAmend, AmendRequest{Command: fundCmd("a1", fundAdmin), Definition: sneaky})
	var first, current, missing FormView
	var view FundView
	r.then(func() { first, current, missing, view = r.form(1), r.form(0), r.form(3), r.view() })
	r.execute(FundWorkflowInput{Definition: seedFund()})

	var got FormView
	draftPublish.ok(t, &got)
	require.Equal(t, 1, got.Version, "a draft's form is replaced, not versioned")
	require.Equal(t, "Who we are", inDraft.Form.Sections[0].Title)
	notAdmin.refused(t, fundflow.EFORBIDDEN)
	e := invalid.refused(t, fundflow.EVALIDATION)
	require.Equal(t, "sections", e.Fields[0].Field)
	openPublish.ok(t, &got)
	require.Equal(t, 2, got.Version)
	retry.ok(t, &got)
	require.Equal(t, 2, got.Version, "a retried publish is the same version")
	require.Equal(t, 1, first.Version)
	require.Equal(t, "Who we are", first.Form.Sections[0].Title, "version 1 is as it was when the fund opened")
	require.Equal(t, 2, current.Version)
	require.Equal(t, "About you", current.Form.Sections[0].Title)
	require.Zero(t, missing.Version, "a version never published")
	require.Equal(t, 2, view.Definition.FormVersion())
	amendForm.refused(t, fundflow.EINVALIDSTATE)
}

// A fund defined before forms were data asks the seeded form as version 1.
func TestFundWithoutAFormAsksTheSeededOne(t *testing.T) {
	r := newFundRun(t)
	var v FormView
	r.then(func() { v = r.form(0) })
	r.execute(FundWorkflowInput{Definition: seedFund(), Status: fund.StatusOpen})
	require.Equal(t, 1, v.Version)
	require.Equal(t, form.Seeded(), v.Form)
}

// An application is judged by the form version it was started on for good:
// the fund publishing a version with a new required question while it is a
// draft changes nothing for it, and submission, which refreshes the fund's
// definition, keeps its form. Answers a condition hides are dropped then.
func TestApplicationKeepsItsFormVersion(t *testing.T) {
	def := fund.SocialPrescribingDefinition(appStart)
	r := newAppRun(t, def)
	v2 := fund.SocialPrescribingForm()
	v2.Version = 2
	v2.Sections[3].Questions = append(v2.Sections[3].Questions, form.Question{ID: "evaluator", Type: form.Text, Required: true, Label: "Evaluator"})
	r.fund.def.Form = &v2 // what the fund answers at submission

	body := `{"lead_contact":{"name":"Asha Patel","email":"asha.patel@nhs.net","role":"Lead"},"sro":{"name":"Dr Tom Reid","role":"CMO"},
		"sro_declaration":true,"delivery_model":"in_house","deployment_routes":["gp_practices"],"start_date":"2026-09-01","link_workers":2,
		"population_covered":500000,"planned_reach":900,"has_partners":false,"partners":[{"name":"Left over"}],
		"no_partners_reason":"We employ our own.","approach":"Referral within a fortnight.","referral_sources":["gp"],
		"safeguarding_policy":true,"requested_pence":3000000}`
	saved := r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, body)})
	late := r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("late", appLead), Patch: patchOf(t, `{"evaluator":"Cardiff University"}`)})
	submitted := r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	after := r.look()
	require.Error(t, r.run(newApp(def)))

	saved.ok(t, nil)
	e := late.refused(t, fundflow.EVALIDATION)
	require.Equal(t, "evaluator", e.Fields[0].Field)
	submitted.ok(t, nil)
	require.Equal(t, 1, after.FormVersion)
	require.JSONEq(t, "2", string(after.Content.Answers["link_workers"]), "the fund's own answers are kept")
	_, kept := after.Content.Answers["partners"]
	require.False(t, kept, "a hidden answer is dropped at submission")
	require.Contains(t, after.Content.Answers, "no_partners_reason")
}
