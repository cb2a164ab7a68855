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
