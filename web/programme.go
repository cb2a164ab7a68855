package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"
)

// dashboard is the programme manager's view of one fund's deployments.
type dashboard struct {
	Funds       []fund
	Fund        fund
	Budget      budgetChart
	Deployments []deployment
	Awards      []awardMilestones
	Timeline    timelineChart
	Overdue     []overdueMilestone
	Outcomes    *outcomes
	Reach       reachChart
	Changes     []changeChart
}

type overdueMilestone struct {
	ApplicationID, OrgName, Title string
	DueAt                         time.Time
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
	d.Fund = *f
	id := f.ID
	var deps list[deployment]
	if err := s.api.get(ctx, "/v1/programme/deployments?fund_id="+url.QueryEscape(id), &deps); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Deployments, d.Budget = deps.Items, newBudgetChart(d.Fund.Budget)
	for _, dep := range deps.Items {
		a := awardMilestones{Deployment: dep}
		if err := s.api.get(ctx, apiApp(dep.ApplicationID)+"/milestones", &a.Milestones); err != nil {
			s.fail(w, r, err)
			return
		}
		for _, m := range a.Milestones {
			if m.Status == "overdue" {
				d.Overdue = append(d.Overdue, overdueMilestone{ApplicationID: dep.ApplicationID, OrgName: orgLabel(dep), Title: m.Title, DueAt: m.DueAt})
			}
		}
		d.Awards = append(d.Awards, a)
	}
	d.Timeline = newTimeline(d.Awards, time.Now())
	var oc outcomes
	if err := s.api.get(ctx, apiFund(id)+"/outcomes", &oc); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Outcomes, d.Reach, d.Changes = &oc, newReachChart(&oc), newChangeCharts(&oc)
	s.render(w, r, http.StatusOK, "programme/dashboard", view{Title: "Deployments", Data: d})
}

// firstAwarding is the fund a dashboard opens on: the first with awards,
// else the first.
func firstAwarding(funds []fund) string {
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
	s.api.proxy(w, r, "/v1/programme/deployments.csv")
}

// outcomesPDF is the API's evaluation report for ?fund_id=, under the
// user's own token.
func (s *server) outcomesPDF(w http.ResponseWriter, r *http.Request) {
	s.api.proxy(w, r, apiFund(r.URL.Query().Get("fund_id"))+"/outcomes.pdf")
}

func (s *server) verifyMilestone(w http.ResponseWriter, r *http.Request) {
	body := struct {
		Decision string `json:"decision"`
		Note     string `json:"note"`
	}{r.PostFormValue("decision"), strings.TrimSpace(r.PostFormValue("note"))}
	done := "Milestone verified"
	if body.Decision == "return" {
		done = "Evidence returned to the applicant"
	}
	s.awardCommand(w, r, apiMilestone(r, "/verify"), body, done)
}

func (s *server) decideExtension(w http.ResponseWriter, r *http.Request) {
	// An unanswered question must not reach the API as a refusal, which
	// is what a missing approve would decode to.
	approve := r.PostFormValue("approve")
	if approve != "true" && approve != "false" {
		s.refusal(w, r, http.StatusUnprocessableEntity, []fieldError{{Message: "Select whether to approve or refuse the extension"}})
		return
	}
	body := struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note"`
	}{approve == "true", strings.TrimSpace(r.PostFormValue("note"))}
	done := "Extension refused"
	if body.Approve {
		done = "Extension approved"
	}
	s.awardCommand(w, r, apiMilestone(r, "/extension/decision"), body, done)
}

func (s *server) terminate(w http.ResponseWriter, r *http.Request) {
	body := struct {
		Reason string `json:"reason"`
	}{strings.TrimSpace(r.PostFormValue("reason"))}
	s.awardCommand(w, r, apiApp(mux.Vars(r)["id"])+"/terminate", body, "Award terminated")
}

// apiMilestone is the API's path for an action on the milestone in the
// page's path.
func apiMilestone(r *http.Request, action string) string {
	v := mux.Vars(r)
	return apiApp(v["id"]) + "/milestones/" + url.PathEscape(v["milestone_id"]) + action
}

// awardCommand sends a programme manager's decision about an award and
// goes back to the application.
func (s *server) awardCommand(w http.ResponseWriter, r *http.Request, path string, body any, done string) {
	err := s.api.post(r.Context(), path, body, r.PostFormValue("idempotency_key"), nil)
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
