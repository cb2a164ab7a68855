package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/web/apiclient"
)

// dashboard is the programme manager's view of one fund's deployments.
type dashboard struct {
	Funds       []apiclient.Fund
	Fund        *apiclient.Fund
	Budget      budgetChart
	Deployments []apiclient.Deployment
	Awards      []awardMilestones
	Timeline    timelineChart
	Overdue     []overdueMilestone
	Outcomes    *apiclient.Outcomes
	Reach       reachChart
	Changes     []changeChart
}

type overdueMilestone struct {
	// Quoted is the application's reference, or its id.
	Quoted, OrgName, Title string
	DueAt                  time.Time
}

// programme is the deployments dashboard for the fund in ?fund_id=, or for
// the first fund that has made awards.
func (s *server) programme(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	funds, f, err := s.chooseFund(r, firstAwarding)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := dashboard{Funds: funds}
	if f == nil {
		s.render(w, r, http.StatusOK, "programme/dashboard", view{Title: "Deployments", Data: d})
		return
	}
	d.Fund = f
	id := f.ID
	deps, err := s.api.ListDeploymentsWithResponse(ctx, &apiclient.ListDeploymentsParams{FundID: &id})
	if err := check(deps, err); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Deployments, d.Budget = deps.JSON200.Items, newBudgetChart(d.Fund.Budget)
	for _, dep := range d.Deployments {
		ms, err := s.api.ListMilestonesWithResponse(ctx, dep.ApplicationID)
		if err := check(ms, err); err != nil {
			s.fail(w, r, err)
			return
		}
		a := awardMilestones{Deployment: dep, Milestones: *ms.JSON200}
		for _, m := range a.Milestones {
			if m.Status == "overdue" {
				d.Overdue = append(d.Overdue, overdueMilestone{Quoted: application.Quoted(dep.Reference, dep.ApplicationID), OrgName: orgLabel(dep), Title: m.Title, DueAt: m.DueAt})
			}
		}
		d.Awards = append(d.Awards, a)
	}
	d.Timeline = newTimeline(d.Awards, time.Now())
	oc, err := s.api.GetOutcomesWithResponse(ctx, id)
	if err := check(oc, err); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Outcomes, d.Reach, d.Changes = oc.JSON200, newReachChart(oc.JSON200), newChangeCharts(oc.JSON200)
	s.render(w, r, http.StatusOK, "programme/dashboard", view{Title: "Deployments", Data: d})
}

// firstAwarding is the fund a dashboard opens on: the first with awards,
// else the first.
func firstAwarding(funds []apiclient.Fund) string {
	for _, f := range funds {
		if f.Awards.Count > 0 {
			return f.ID
		}
	}
	if len(funds) > 0 {
		return funds[0].ID
	}
	return ""
}

// deploymentsCSV is the API's export, under the user's own token; the
// query string, with the fund, goes with it.
func (s *server) deploymentsCSV(w http.ResponseWriter, r *http.Request) {
	var params apiclient.GetDeploymentsCSVParams
	if id := r.URL.Query().Get("fund_id"); id != "" {
		params.FundID = &id
	}
	res, err := s.api.GetDeploymentsCSV(r.Context(), &params)
	relay(w, res, err)
}

// outcomesPDF is the API's evaluation report for ?fund_id=, under the
// user's own token.
func (s *server) outcomesPDF(w http.ResponseWriter, r *http.Request) {
	res, err := s.api.GetOutcomesReport(r.Context(), r.URL.Query().Get("fund_id"))
	relay(w, res, err)
}

func (s *server) verifyMilestone(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	body := apiclient.VerifyMilestoneJSONRequestBody{
		Decision: apiclient.VerifyMilestoneJSONBodyDecision(r.PostFormValue("decision")), Note: strings.TrimSpace(r.PostFormValue("note"))}
	done := "Milestone verified"
	if body.Decision == "return" {
		done = "Evidence returned to the applicant"
	}
	res, err := s.api.VerifyMilestoneWithResponse(r.Context(), v["id"], v["milestone_id"], nil, body, keyed(r))
	s.awardAnswered(w, r, check(res, err), done)
}

func (s *server) decideExtension(w http.ResponseWriter, r *http.Request) {
	// An unanswered question must not reach the API as a refusal, which
	// is what a missing approve would decode to.
	approve := r.PostFormValue("approve")
	if approve != "true" && approve != "false" {
		s.refusal(w, r, http.StatusUnprocessableEntity, []fieldError{{Message: "Select whether to approve or refuse the extension"}})
		return
	}
	body := apiclient.DecideExtensionJSONRequestBody{Approve: approve == "true", Note: strings.TrimSpace(r.PostFormValue("note"))}
	done := "Extension refused"
	if body.Approve {
		done = "Extension approved"
	}
	v := mux.Vars(r)
	res, err := s.api.DecideExtensionWithResponse(r.Context(), v["id"], v["milestone_id"], nil, body, keyed(r))
	s.awardAnswered(w, r, check(res, err), done)
}

func (s *server) terminate(w http.ResponseWriter, r *http.Request) {
	res, err := s.api.TerminateAwardWithResponse(r.Context(), mux.Vars(r)["id"], nil,
		apiclient.TerminateAwardJSONRequestBody{Reason: strings.TrimSpace(r.PostFormValue("reason"))}, keyed(r))
	s.awardAnswered(w, r, check(res, err), "Award terminated")
}

// awardAnswered is the answer to a programme manager's decision about an
// award: back to the application, or the refusal shown.
func (s *server) awardAnswered(w http.ResponseWriter, r *http.Request, err error, done string) {
	if errs, ok := refused(err); ok {
		s.refusal(w, r, problemStatus(err), errs)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, done)
	http.Redirect(w, r, appPath(mux.Vars(r)["id"]), http.StatusSeeOther)
}

// refusal shows why the API turned a decision down, with a way back. The
// forms live on the staff application page, which has several of them, so
// the reasons are given here, in words, rather than against fields that
// page may show more than once.
func (s *server) refusal(w http.ResponseWriter, r *http.Request, status int, errs []fieldError) {
	errs = explain(errs, awardLabels)
	for i := range errs {
		errs[i].Field = ""
	}
	s.render(w, r, status, "programme/refused", view{Title: "Your decision was not recorded", Errors: errs,
		Data: appPath(mux.Vars(r)["id"])})
}

var awardLabels = map[string]string{"decision": "The decision", "note": "The note", "reason": "The reason"}

// explain turns the API's field errors ("must be at most 2000 characters")
// into sentences by naming the field as the form labels it.
func explain(errs []fieldError, labels map[string]string) []fieldError {
	out := make([]fieldError, len(errs))
	for i, e := range errs {
		if e.Field != "" {
			name, ok := labels[e.Field]
			if !ok {
				name = e.Field
			}
			e.Message = name + " " + e.Message
		}
		out[i] = e
	}
	return out
}

// decided is an extension request's outcome, which is nil until decided.
func decided(approved *bool) string {
	switch {
	case approved == nil:
		return "Awaiting a decision"
	case *approved:
		return "Approved"
	}
	return "Refused"
}
