package workflows

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/outcome"
)

var appAdmin = fundflow.Actor{ID: "admin-1", Name: "Ada Admin", Role: fundflow.RoleAdmin}

// probe is one Update a caller might send, with a request that says nothing
// wrong, so that only who is asking and the application's state can refuse
// it.
type probe struct {
	action Action
	check  func(workflow.Context) error
}

// probes are every Update a person sends, with a valid request from by.
func (a *applicationWorkflow) probes(by fundflow.Actor, now time.Time) []probe {
	c := Command{Key: "probe", Actor: by}
	def := a.Fund
	out := []probe{
		{Action{Name: UpdateSaveDraft}, func(ctx workflow.Context) error {
			patch := application.Patch{Need: application.Set("Still high.")}
			if m, ok := a.member(by); ok && len(m.Sections) > 0 {
				// The states assign co-applicants the delivery plan.
				patch = application.Patch{DeliveryPlan: application.Set("Health visitors.")}
			}
			return a.checkSaveDraft(ctx, SaveDraftRequest{Command: c, Patch: patch})
		}},
		{Action{Name: UpdateSubmit}, func(ctx workflow.Context) error { return a.checkSubmit(ctx, SubmitRequest{Command: c}) }},
		{Action{Name: UpdateWithdraw}, func(ctx workflow.Context) error {
			return a.checkWithdraw(ctx, WithdrawRequest{Command: c, Reason: "Plans changed."})
		}},
		{Action{Name: UpdateEligibilityDecision}, func(ctx workflow.Context) error {
			return a.checkEligibilityDecision(ctx, EligibilityDecisionRequest{Command: c, Decision: application.Pass, Reason: "Fine."})
		}},
		{Action{Name: UpdateDeclareConflict}, func(ctx workflow.Context) error {
			return a.checkDeclareConflict(ctx, DeclareConflictRequest{Command: c, HasConflict: true, Note: "I advise them."})
		}},
		{Action{Name: UpdateSubmitAssessment}, func(ctx workflow.Context) error {
			r := assessmentBy("probe", by, def, 3)
			r.Command = c
			return a.checkSubmitAssessment(ctx, r)
		}},
		{Action{Name: UpdateRaiseQuery}, func(ctx workflow.Context) error {
			return a.checkRaiseQuery(ctx, RaiseQueryRequest{Command: c, Question: "How many practices?"})
		}},
		{Action{Name: UpdatePanelDecision}, func(ctx workflow.Context) error {
			return a.checkPanelDecision(ctx, PanelDecisionRequest{Command: c, Outcome: OutcomeReject, Feedback: "Not this round."})
		}},
		{Action{Name: UpdateAcceptOffer}, func(ctx workflow.Context) error {
			r := AcceptOfferRequest{Command: c, SignatoryName: "Dr Tom Reid", SignatoryRole: "SRO"}
			if a.Offer != nil && a.Offer.Terms != nil {
				r.SignatoryName, r.TermsSHA256, r.Declare = by.Name, a.Offer.Terms.Hash(), true
			}
			return a.checkAcceptOffer(ctx, r)
		}},
		{Action{Name: UpdateDeclineOffer}, func(ctx workflow.Context) error {
			return a.checkDeclineOffer(ctx, DeclineOfferRequest{Command: c, Reason: "No longer needed."})
		}},
		{Action{Name: UpdateAttachDocument}, func(ctx workflow.Context) error {
			return a.checkAttachDocument(ctx, AttachDocumentRequest{Command: c, Upload: document.Upload{
				Name: "plan.pdf", Size: 10, SHA256: strings.Repeat("a", 64), ContentType: document.TypePDF}})
		}},
		{Action{Name: UpdateTerminate}, func(ctx workflow.Context) error {
			return a.checkTerminate(ctx, TerminateRequest{Command: c, Reason: "Not delivered."})
		}},
		{Action{Name: UpdateSetPartners}, func(ctx workflow.Context) error {
			return a.checkSetPartners(ctx, SetPartnersRequest{Command: c})
		}},
		{Action{Name: UpdateInviteCoApplicant}, func(ctx workflow.Context) error {
			return a.checkInvite(ctx, InviteCoApplicantRequest{Command: c, Email: "probe.person@bristol.gov.uk", Name: "Probe Person", Right: application.RightView})
		}},
		{Action{Name: UpdateAcceptInvitation}, func(ctx workflow.Context) error {
			return a.checkAcceptInvitation(ctx, AcceptInvitationRequest{Command: c})
		}},
		{Action{Name: UpdateAddComment}, func(ctx workflow.Context) error {
			return a.checkAddComment(ctx, AddCommentRequest{Command: c, Text: "Looks good."})
		}},
		{Action{Name: UpdateSignOff}, func(ctx workflow.Context) error {
			return a.checkSignOff(ctx, SignOffRequest{Command: c, AnswersSHA256: a.answersHash(), Declare: true})
		}},
		{Action{Name: UpdateSendBack}, func(ctx workflow.Context) error {
			return a.checkSendBack(ctx, SendBackRequest{Command: c, Reason: "Add the council's figures."})
		}},
	}
	for _, d := range a.Documents {
		out = append(out, probe{Action{Name: UpdateRemoveDocument, DocumentID: d.ID}, func(ctx workflow.Context) error {
			return a.checkRemoveDocument(ctx, RemoveDocumentRequest{Command: c, DocumentID: d.ID})
		}})
	}
	for _, q := range a.Queries {
		out = append(out, probe{Action{Name: UpdateAnswerQuery, QueryID: q.ID}, func(ctx workflow.Context) error {
			return a.checkAnswerQuery(ctx, AnswerQueryRequest{Command: c, QueryID: q.ID, Answer: "Forty."})
		}})
	}
	for _, m := range a.Milestones {
		out = append(out,
			probe{Action{Name: UpdateSubmitEvidence, MilestoneID: m.ID}, func(ctx workflow.Context) error {
				return a.checkSubmitEvidence(ctx, SubmitEvidenceRequest{Command: c, MilestoneID: m.ID, Summary: "Done.",
					Outcomes: outcome.Sample(a.Fund, m.ID, a.Content.DeploymentRoutes, 100), Documents: requiredDocuments(a.Fund, m.ID)})
			}},
			probe{Action{Name: UpdateRequestExtension, MilestoneID: m.ID}, func(ctx workflow.Context) error {
				return a.checkRequestExtension(ctx, RequestExtensionRequest{Command: c, MilestoneID: m.ID, NewDueAt: m.DueAt.Add(7 * 24 * time.Hour), Reason: "Staff away."})
			}},
			probe{Action{Name: UpdateVerifyMilestone, MilestoneID: m.ID}, func(ctx workflow.Context) error {
				return a.checkVerifyMilestone(ctx, VerifyMilestoneRequest{Command: c, MilestoneID: m.ID, Decision: MilestoneVerify})
			}},
			probe{Action{Name: UpdateDecideExtension, MilestoneID: m.ID}, func(ctx workflow.Context) error {
				return a.checkDecideExtension(ctx, DecideExtensionRequest{Command: c, MilestoneID: m.ID, Approve: true})
			}},
		)
	}
	// A valid change request moves the first milestone still pending a
	// week later.
	if i := slices.IndexFunc(a.Milestones, func(m Milestone) bool { return m.Status == MilestonePending && m.openExtension() == nil }); i >= 0 {
		m := a.Milestones[i]
		out = append(out, probe{Action{Name: UpdateRequestChange}, func(ctx workflow.Context) error {
			return a.checkRequestChange(ctx, RequestChangeRequest{Command: c, Reason: "Staff away.", Milestones: []MilestoneChange{{ID: m.ID, DueAt: m.DueAt.Add(7 * 24 * time.Hour)}}})
		}})
	}
	for _, x := range a.ChangeRequests {
		out = append(out,
			probe{Action{Name: UpdateDecideChange, ChangeID: x.ID}, func(ctx workflow.Context) error {
				return a.checkDecideChange(ctx, DecideChangeRequest{Command: c, ChangeID: x.ID, Approve: true})
			}},
			probe{Action{Name: UpdateWithdrawChange, ChangeID: x.ID}, func(ctx workflow.Context) error {
				return a.checkWithdrawChange(ctx, WithdrawChangeRequest{Command: c, ChangeID: x.ID})
			}},
		)
	}
	for _, x := range a.Returns {
		out = append(out,
			probe{Action{Name: UpdateSubmitReturn, ReturnID: x.ID}, func(ctx workflow.Context) error {
				return a.checkSubmitReturn(ctx, SubmitReturnRequest{Command: c, ReturnID: x.ID, Answers: quarterlyAnswers(),
					Outcomes: returnFiguresOn(a.Fund, a.Content.DeploymentRoutes)})
			}},
			probe{Action{Name: UpdateSignOffReturn, ReturnID: x.ID}, func(ctx workflow.Context) error {
				return a.checkSignOffReturn(ctx, SignOffReturnRequest{Command: c, ReturnID: x.ID, Declare: true})
			}},
			probe{Action{Name: UpdateReviewReturn, ReturnID: x.ID}, func(ctx workflow.Context) error {
				return a.checkReviewReturn(ctx, ReviewReturnRequest{Command: c, ReturnID: x.ID, Decision: MilestoneVerify})
			}},
		)
	}
	return out
}

// TestActionsAgreeWithTheValidators puts an application in every status and
// asks, for every role, the view's actions and each Update's validator: an
// action is listed exactly when its validator accepts a valid request.
func TestActionsAgreeWithTheValidators(t *testing.T) {
	def := appFund()
	now := appStart
	content := application.Content{OrgCode: appLead.OrgCode}.Apply(patchOf(t, completeBody))
	assessing := func(a *applicationWorkflow) {
		a.Status = application.StatusAssessment
		a.Panel = application.NewPanel(appLead.OrgCode, 2)
		mustHold(a.Panel.Assign(reviewerOf(rev1), now))
		mustHold(a.Panel.Assign(reviewerOf(rev2), now))
		_, err := a.Panel.DeclareConflict(reviewerOf(rev3), "", now)
		mustHold(err)
	}
	offered := func(a *applicationWorkflow) {
		assessing(a)
		a.Status = application.StatusOffered
		a.Offer = &Offer{AmountPence: 7_000_000, ReservedAt: now, AcceptBy: now.AddDate(0, 0, 14), Letter: "FF-L-1"}
	}
	deploying := func(a *applicationWorkflow) {
		offered(a)
		a.Letters = []letters.Record{{Ref: "FF-L-1"}}
		a.Status = application.StatusInDeployment
		a.Milestones = a.schedule(now, 7_000_000)
		for i, k := range a.Fund.DocumentKinds() {
			a.Documents = append(a.Documents, document.Document{ID: fmt.Sprintf("d%d", i+1), Kind: k.Kind, ScanStatus: document.ScanClean})
		}
		a.Milestones[1].Status = MilestoneSubmitted
		a.Milestones[2].Status = MilestoneVerified
		a.Milestones[3].Extensions = []Extension{{FromDueAt: a.Milestones[3].DueAt, NewDueAt: a.Milestones[3].DueAt.Add(time.Hour), Reason: "x"}}
		a.Milestones[4].Status = MilestoneReturned
	}
	final := func(s application.Status) func(*applicationWorkflow) {
		return func(a *applicationWorkflow) { assessing(a); a.Status = s }
	}
	states := map[string]func(*applicationWorkflow){
		"draft": func(a *applicationWorkflow) {},
		"eligibility": func(a *applicationWorkflow) {
			a.Status = application.StatusEligibility
			a.Panel = application.NewPanel(appLead.OrgCode, 2)
		},
		"assessment": assessing,
		"information_requested": func(a *applicationWorkflow) {
			assessing(a)
			_, err := a.Queries.Raise("q1", rev1, "How many practices?", now, now.Add(24*time.Hour))
			mustHold(err)
			a.Status, a.PausedStage = application.StatusInformationRequested, application.StatusAssessment
		},
		"panel":                          func(a *applicationWorkflow) { assessing(a); a.Status = application.StatusPanel },
		"offered, letter being prepared": offered,
		"offered, letter issued":         func(a *applicationWorkflow) { offered(a); a.Letters = []letters.Record{{Ref: "FF-L-1"}} },
		"offered before letters gated":   func(a *applicationWorkflow) { offered(a); a.Offer.Letter = "" },
		"offered on terms, for the certifier to sign": func(a *applicationWorkflow) {
			offered(a)
			a.Letters = []letters.Record{{Ref: "FF-L-1"}}
			a.Offer.Terms, a.Offer.Signatories = fund.SeedTerms(), []activities.CertifierInfo{{UserID: appCFO.ID, Name: appCFO.Name, CapacityLabel: "Chief finance officer"}}
		},
		"waitlisted": final(application.StatusWaitlisted),
		"waitlisted, fund finished": func(a *applicationWorkflow) {
			final(application.StatusWaitlisted)(a)
			a.Closed = &Closure{At: now, Reason: "the fund finished"}
		},
		"in_deployment": deploying,
		"in_deployment, a change awaiting the chair": func(a *applicationWorkflow) {
			deploying(a)
			a.ChangeRequests = []ChangeRequest{{ID: "cr1", Status: ChangeOpen, Reason: "x", AwardPence: 7_000_000, AwardBeforePence: 7_000_000,
				Milestones: []MilestoneChange{{ID: a.Milestones[0].ID, DueAt: a.Milestones[0].DueAt.Add(time.Hour)}},
				Approvers:  []fundflow.Role{fundflow.RoleProgrammeManager, fundflow.RolePanelChair},
				Decisions:  []ChangeDecision{{Role: fundflow.RoleProgrammeManager, Approve: true, By: progMgr, At: now}}}}
		},
		"in_deployment, returns in every state": func(a *applicationWorkflow) {
			deploying(a)
			rep := fund.SeedReporting()
			a.Fund.Reporting = rep
			for i, st := range []ReturnStatus{ReturnOpen, ReturnAwaitingSignOff, ReturnSubmitted, ReturnAccepted, ReturnUpcoming} {
				r := Return{ID: fmt.Sprintf("r%d", i+1), Title: fmt.Sprintf("Quarterly return %d", i+1), Status: st, OpensAt: now, DueAt: now.AddDate(0, 3*(i+1), 0)}
				if st != ReturnOpen && st != ReturnUpcoming {
					r.Submission = &ReturnSubmission{Answers: quarterlyAnswers(), By: appLead, At: now}
				}
				if st == ReturnAwaitingSignOff {
					r.Certifiers = []activities.CertifierInfo{{UserID: appCFO.ID, Name: appCFO.Name}}
				}
				a.Returns = append(a.Returns, r)
			}
			// The first has fallen due unaccepted, so no drawdown is offered.
			a.Returns[0].Overdue = true
		},
		"completed":  func(a *applicationWorkflow) { deploying(a); a.Status = application.StatusCompleted },
		"terminated": func(a *applicationWorkflow) { deploying(a); a.Status = application.StatusTerminated },
		"awaiting sign-off": func(a *applicationWorkflow) {
			a.Fund.SignOff = fund.SignOff{Required: true}.Defaults()
			a.Status, a.SubmittedBy = application.StatusAwaitingSignOff, &appLead
			a.SignOff = &signOffState{RequestedBy: appLead, Certifiers: []activities.CertifierInfo{{UserID: appLead.ID}, {UserID: appCFO.ID}}}
			a.Team = application.Team{{ID: council.ID, Email: councilAddr, Name: council.Name, Right: application.RightEdit, Sections: []string{"delivery"}, InvitedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour), AcceptedAt: now}}
		},
		"signed off, being screened": func(a *applicationWorkflow) {
			a.Fund.SignOff = fund.SignOff{Required: true}.Defaults()
			a.Status, a.SubmittedBy = application.StatusEligibility, &appLead
			a.Panel = application.NewPanel(appLead.OrgCode, 2)
			a.Eligibility = &Eligibility{CheckedAt: now}
			a.SignOff = &signOffState{RequestedBy: appLead, Certifiers: []activities.CertifierInfo{{UserID: appCFO.ID}},
				History: []application.SignOff{{By: appCFO, At: now, AnswersSHA256: a.answersHash()}}}
		},
		"draft with an invitation": func(a *applicationWorkflow) {
			a.Team = application.Team{{ID: council.ID, Email: councilAddr, Name: council.Name, Right: application.RightComment, InvitedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)}}
		},
		"ineligible":    final(application.StatusIneligible),
		"rejected":      final(application.StatusRejected),
		"withdrawn":     final(application.StatusWithdrawn),
		"declined":      final(application.StatusDeclined),
		"offer_expired": final(application.StatusOfferExpired),
	}
	// rev-9 is a reviewer the panel never names.
	rev9 := fundflow.Actor{ID: "rev-9", Name: "Nia Nine", Role: fundflow.RoleReviewer}
	actors := []fundflow.Actor{appLead, appCFO, council, rivalApp, rev1, rev2, rev3, rev9, fundChair, progMgr, appAdmin}
	seen := map[string]bool{}
	for name, setUp := range states {
		t.Run(name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			env.SetStartTime(now)
			type verdict struct {
				Actions  []Action
				Accepted []Action
				// Projected is what a single read answered from the
				// projection gives by.
				Projected []Action
			}
			env.RegisterWorkflowWithOptions(func(ctx workflow.Context) ([]verdict, error) {
				in := newApp(def)
				in.Fund, in.Status, in.Content = def.Defaults(), application.StatusDraft, content
				a := &applicationWorkflow{ApplicationWorkflowInput: in, mu: workflow.NewMutex(ctx)}
				setUp(a)
				full := a.view()
				full.ActionsBy = a.actionsByAudience()
				var projected ApplicationView
				mustHold(json.Unmarshal(projectedView(full), &projected))
				var out []verdict
				for _, by := range actors {
					v := verdict{Actions: a.actions(by), Accepted: []Action{}, Projected: projected.For(by).Actions}
					for _, p := range a.probes(by, workflow.Now(ctx)) {
						if p.check(ctx) == nil {
							v.Accepted = append(v.Accepted, p.action)
						}
					}
					out = append(out, v)
				}
				return out, nil
			}, workflow.RegisterOptions{Name: "probe"})
			env.ExecuteWorkflow("probe")
			require.NoError(t, env.GetWorkflowError())
			var got []verdict
			require.NoError(t, env.GetWorkflowResult(&got))
			for i, by := range actors {
				require.Equal(t, got[i].Actions, got[i].Projected, "%s as %s (%s): the projection's actions are not the Query's", name, by.Name, by.Role)
				sortActions(got[i].Actions)
				sortActions(got[i].Accepted)
				require.Equal(t, got[i].Accepted, got[i].Actions, "%s as %s (%s): the actions listed are not those the validators accept", name, by.Name, by.Role)
				for _, a := range got[i].Actions {
					seen[a.Name] = true
				}
			}
		})
	}
	// Every Update is allowed somewhere, so no agreement above is vacuous.
	for _, name := range []string{UpdateSaveDraft, UpdateSubmit, UpdateWithdraw, UpdateAnswerQuery, UpdateEligibilityDecision, UpdateDeclareConflict,
		UpdateSubmitAssessment, UpdateRaiseQuery, UpdatePanelDecision, UpdateAcceptOffer, UpdateDeclineOffer, UpdateSubmitEvidence,
		UpdateRequestExtension, UpdateVerifyMilestone, UpdateDecideExtension, UpdateTerminate,
		UpdateSetPartners, UpdateInviteCoApplicant, UpdateAcceptInvitation, UpdateAddComment, UpdateSignOff, UpdateSendBack,
		UpdateRequestChange, UpdateDecideChange, UpdateWithdrawChange, UpdateSubmitReturn, UpdateSignOffReturn, UpdateReviewReturn} {
		require.True(t, seen[name], "%s is never allowed", name)
	}
}

func sortActions(as []Action) {
	slices.SortFunc(as, func(x, y Action) int { return cmp.Compare(fmt.Sprint(x), fmt.Sprint(y)) })
}

// The view's actions are per caller, and a view asked for without one, as
// the read model and older callers ask, has none.
func TestViewActionsAreTheCallers(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	toPanel(t, r, def)
	var chair, lead, none ApplicationView
	r.then(func() {
		for _, c := range []struct {
			by  *fundflow.Actor
			out *ApplicationView
		}{{&fundChair, &chair}, {&appLead, &lead}, {nil, &none}} {
			var args []any
			if c.by != nil {
				args = append(args, ViewQuery{Actor: c.by})
			}
			v, err := r.env.QueryWorkflow(QueryApplication, args...)
			require.NoError(t, err)
			require.NoError(t, v.Get(c.out))
		}
	})
	require.Error(t, r.run(newApp(def)))
	require.Equal(t, []Action{{Name: UpdateRaiseQuery}, {Name: UpdatePanelDecision}}, chair.Actions)
	require.Equal(t, []Action{{Name: UpdateInviteCoApplicant}, {Name: UpdateAddComment}, {Name: UpdateWithdraw}}, lead.Actions)
	require.Nil(t, none.Actions)
}
