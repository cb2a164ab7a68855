package workflows

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/fund"
)

func (r *fundRun) terms(n int) TermsView {
	v, err := r.env.QueryWorkflow(QueryTerms, n)
	require.NoError(r.t, err)
	var out TermsView
	require.NoError(r.t, v.Get(&out))
	return out
}

// A draft fund's terms are replaced in place; once open, new terms are the
// next version and earlier versions stay readable for the offers made on
// them.
func TestFundTermsVersions(t *testing.T) {
	r := newFundRun(t)
	v1 := *fund.SeedTerms()
	v1.Version = 7 // the fund numbers versions, not the caller
	v1.Title = "Grant agreement"
	broken := v1
	broken.Title, broken.Sections = "", nil

	draftPublish := r.send(UpdatePublishTerms, PublishTermsRequest{Command: fundCmd("t1", fundAdmin), Terms: v1})
	var inDraft TermsView
	r.then(func() { inDraft = r.terms(0) })
	r.send(UpdateOpen, LifecycleRequest{Command: fundCmd("open", fundAdmin)})
	notAdmin := r.send(UpdatePublishTerms, PublishTermsRequest{Command: fundCmd("t2", fundChair), Terms: v1})
	invalid := r.send(UpdatePublishTerms, PublishTermsRequest{Command: fundCmd("t3", fundAdmin), Terms: broken})
	v2 := v1
	v2.Sections = slices.Clone(v1.Sections)
	v2.Sections[0].Heading = "What the grant is for"
	openPublish := r.send(UpdatePublishTerms, PublishTermsRequest{Command: fundCmd("t4", fundAdmin), Terms: v2})
	retry := r.send(UpdatePublishTerms, PublishTermsRequest{Command: fundCmd("t4", fundAdmin), Terms: v2})
	// An amendment of an open fund may not change its terms by the back
	// door, but need not number the terms it leaves alone.
	sneaky := seedFund()
	amendTerms := r.send(UpdateAmend, AmendRequest{Command: fundCmd("a1", fundAdmin), Definition: sneaky})
	renamed := seedFund()
	renamed.Name = "Prevention Innovation Fund 2026"
	same := v2
	same.Version = 0
	renamed.Terms = &same
	amendName := r.send(UpdateAmend, AmendRequest{Command: fundCmd("a2", fundAdmin), Definition: renamed})
	var first, current, missing TermsView
	r.then(func() { first, current, missing = r.terms(1), r.terms(0), r.terms(3) })
	r.then(func() { r.env.SetContinueAsNewSuggested(true) })
	r.env.ExecuteWorkflow(FundWorkflow, FundWorkflowInput{Definition: seedFund()})

	var got TermsView
	draftPublish.ok(t, &got)
	require.Equal(t, 1, got.Version, "a draft's terms are replaced, not versioned")
	require.Equal(t, 1, got.Terms.Version)
	require.Equal(t, "Grant agreement", inDraft.Terms.Title)
	notAdmin.refused(t, fundflow.EFORBIDDEN)
	e := invalid.refused(t, fundflow.EVALIDATION)
	require.Equal(t, []string{"title", "sections"}, []string{e.Fields[0].Field, e.Fields[1].Field})
	openPublish.ok(t, &got)
	require.Equal(t, 2, got.Version)
	retry.ok(t, &got)
	require.Equal(t, 2, got.Version, "a retried publish is the same version")
	amendTerms.refused(t, fundflow.EINVALIDSTATE)
	amendName.ok(t, nil)
	require.Equal(t, 1, first.Version)
	require.Equal(t, v1.Sections[0].Heading, first.Terms.Sections[0].Heading, "version 1 is as it was when the fund opened")
	require.Equal(t, 2, current.Version)
	require.Equal(t, "What the grant is for", current.Terms.Sections[0].Heading)
	require.Zero(t, missing.Version, "a version never published")

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(r.env.GetWorkflowError(), &can), "want Continue-As-New, got %v", r.env.GetWorkflowError())
	var next FundWorkflowInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Len(t, next.PastTerms, 1, "carried across Continue-As-New")
	require.Equal(t, 2, next.Definition.TermsVersion())
	require.Equal(t, "Prevention Innovation Fund 2026", next.Definition.Name)
}

// A fund without terms has none to show; its first published terms are
// version 1, even once it is open.
func TestFundWithoutTermsPublishesItsFirst(t *testing.T) {
	d := seedFund()
	d.Terms = nil
	r := newFundRun(t)
	var before TermsView
	r.then(func() { before = r.terms(0) })
	published := r.send(UpdatePublishTerms, PublishTermsRequest{Command: fundCmd("t1", fundAdmin), Terms: *fund.SeedTerms()})
	var after TermsView
	r.then(func() { after = r.terms(1) })
	r.execute(FundWorkflowInput{Definition: d, Status: fund.StatusOpen})

	require.Zero(t, before.Version, "no terms")
	var got TermsView
	published.ok(t, &got)
	require.Equal(t, 1, got.Version)
	require.Equal(t, got, after)
}
