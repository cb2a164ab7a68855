package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/web/apiclient"
)

// staffWorkspace is one application as staff work on it: everything the
// API shows them, and the forms their role can use at its status. Which
// forms appear is presentation only; the API decides every command.
type staffWorkspace struct {
	// App is the name the milestones-staff partial expects.
	App         *apiclient.Application
	Fund        *apiclient.Fund
	Timeline    []apiclient.TimelineEntry
	Answers     []answerGroup
	Assessments []assessmentView
	Targets     []targetRow
	Can         workspaceActions
	// Form is what was typed into the form the API refused, kept so
	// nothing is lost, or each form's starting values.
	Form url.Values
	// Choices are the answers each radios or select field offers.
	Choices map[string][]reviewChoice
	// Award is what follows acceptance; Held the return holding the
	// drawdowns the programme manager would otherwise verify.
	Award award
	Held  *apiclient.MonitoringReturn
}

// workspaceActions says which forms and links the page shows.
type workspaceActions struct {
	Eligibility bool
	Conflict    bool
	// Conflicted: the signed-in reviewer has declared a conflict.
	Conflicted bool
	Score      bool
	Query      bool
	Decide     bool
}

// assessmentView is one submitted assessment with its criteria named.
// Superseded marks a version the same reviewer has since rescored.
type assessmentView struct {
	apiclient.Assessment
	Superseded bool
	Rows       []scoreRow
}

type scoreRow struct {
	Criterion     string
	Score, Max    int
	Justification string
}

type reviewChoice struct{ Value, Label string }

var workspaceChoices = map[string][]reviewChoice{
	"decision":     {{"pass", "Yes, it is eligible"}, {"fail", "No, it is not eligible"}},
	"has_conflict": {{"yes", "Yes"}, {"no", "No"}},
	"outcome":      {{"approve", "Approve"}, {"waitlist", "Put on the waiting list"}, {"reject", "Reject"}},
	// Query response times are working days, as the API counts them; ""
	// leaves the time to the fund's own standard.
	"respond_within": {
		{"", "The fund's standard response time"},
		{"P5D", "5 working days"}, {"P10D", "10 working days"}, {"P15D", "15 working days"}, {"P20D", "20 working days"},
	},
}

func (s *server) staffApplication(w http.ResponseWriter, r *http.Request) {
	s.renderWorkspace(w, r, http.StatusOK, nil, nil)
}

// renderWorkspace shows the application's page, with errs and the typed
// form when a command was refused.
func (s *server) renderWorkspace(w http.ResponseWriter, r *http.Request, status int, form url.Values, errs []fieldError) {
	ctx := r.Context()
	id := mux.Vars(r)["id"]
	ws := staffWorkspace{Form: url.Values{}, Choices: workspaceChoices}
	var err error
	if ws.App, err = s.applicationByID(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if ws.Fund, err = s.fundByID(ctx, ws.App.FundID); err != nil {
		s.fail(w, r, err)
		return
	}
	if ws.Timeline, err = s.timeline(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.loadForm(ctx, ws.App.FundID, ws.App.FormVersion)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answers, err := contentAnswers(ws.App.Content)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ws.Answers = staffAnswers(newAppForm(f, ws.Fund.Definition, ws.App.Documents, ws.App.Content.DeploymentRoutes), answers)
	ws.Targets = targetRows(ws.App, ws.Fund.Definition)
	if ws.Award, err = s.loadAward(ctx, ws.App); err != nil {
		s.fail(w, r, err)
		return
	}
	ws.Held = heldBy(meFrom(ctx), ws.App, ws.Award)
	ws.Assessments = assessmentViews(ws.App.Panel.Assessments, ws.Fund.Definition.Criteria)
	ws.Can = actionsFor(meFrom(ctx), ws.App)
	ws.Form.Set("amount_pence", pounds(ws.App.RequestedPence))
	for k, v := range form {
		ws.Form[k] = v
	}
	// Each condition is a line of one textarea, so an error on one of
	// them (conditions[1]) belongs to that textarea.
	for i := range errs {
		if strings.HasPrefix(errs[i].Field, "conditions[") {
			errs[i].Field = "conditions"
		}
	}
	title := cmp.Or(ws.App.OrgName, ws.App.OrgCode) + ": application " + application.Quoted(ws.App.Reference, ws.App.ID)
	s.render(w, r, status, "staff/application", view{Title: title, Errors: errs, Data: ws})
}

// actionsFor picks the forms to show m: those the API lists as m's actions
// on app, so nobody is offered a form that is bound to be refused.
func actionsFor(m *apiclient.Me, app *apiclient.Application) workspaceActions {
	a := workspaceActions{
		Eligibility: can(app, "eligibility_decision"),
		Conflict:    can(app, "declare_conflict"),
		Score:       can(app, "submit_assessment"),
		Query:       can(app, "raise_query"),
		Decide:      can(app, "panel_decision"),
	}
	for _, c := range app.Panel.Conflicts {
		a.Conflicted = a.Conflicted || c.Reviewer.ID == m.ID
	}
	return a
}

// staffAnswers are the applicant's answers section by section, as the
// form of the application's version asks them, and its declarations. The
// outcome targets have their own table.
func staffAnswers(f appForm, answers map[string]any) []answerGroup {
	vals := f.values(answers, nil)
	out := f.answerGroups(vals, false)
	if ds := f.declarations(); len(ds) > 0 {
		g := answerGroup{Slug: "declarations", Title: "Declarations"}
		for _, q := range ds {
			made := "No"
			if vals.Get(q.ID) == "true" {
				made = "Yes"
			}
			g.Answers = append(g.Answers, answer{Field: q.ID, Key: summary(q), Value: made})
		}
		out = append(out, g)
	}
	return out
}

// assessmentViews names each score's criterion and marks versions a
// reviewer has rescored since, oldest first as the API keeps them.
func assessmentViews(all []apiclient.Assessment, criteria []apiclient.Criterion) []assessmentView {
	out := make([]assessmentView, len(all))
	for i, a := range all {
		v := assessmentView{Assessment: a}
		v.Superseded = slices.ContainsFunc(all[i+1:], func(b apiclient.Assessment) bool { return b.ReviewerID == a.ReviewerID })
		for _, sc := range a.Scores {
			row := scoreRow{Criterion: sc.CriterionID, Score: sc.Score, Justification: sc.Justification}
			if j := slices.IndexFunc(criteria, func(c apiclient.Criterion) bool { return c.ID == sc.CriterionID }); j >= 0 {
				row.Criterion, row.Max = criteria[j].Title, criteria[j].Scale.Max
			}
			v.Rows = append(v.Rows, row)
		}
		out[i] = v
	}
	return out
}

// statusAfter is the application's status after a command, for the flash.
func statusAfter(o *apiclient.CommandResult) string {
	if o.Application.StatusLabel != "" {
		return o.Application.StatusLabel
	}
	return humanize(string(o.Status))
}

// workspaceCommand sends one of the workspace's forms to the API. On
// success it flashes what done says and goes where it says, or back to the
// application when that is ""; a refusal shows the page again with the
// API's errors beside what was typed.
func (s *server) workspaceCommand(w http.ResponseWriter, r *http.Request, res commandAnswer, err error, done func(*apiclient.CommandResult) (flash, to string)) {
	id := mux.Vars(r)["id"]
	if err == nil {
		err = check(res, nil)
	}
	if errs, ok := refused(err); ok {
		s.renderWorkspace(w, r, refusalCode(err), r.PostForm, errs)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flash, to := done(res.GetJSON200())
	if to == "" {
		to = appPath(id)
	}
	s.flash(w, r, flash)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *server) decideEligibility(w http.ResponseWriter, r *http.Request) {
	res, err := s.api.DecideEligibilityWithResponse(r.Context(), mux.Vars(r)["id"], nil, apiclient.DecideEligibilityJSONRequestBody{
		Decision: apiclient.DecideEligibilityJSONBodyDecision(r.PostFormValue("decision")), Reason: r.PostFormValue("reason")}, keyed(r))
	s.workspaceCommand(w, r, res, err, func(o *apiclient.CommandResult) (string, string) {
		return "Eligibility decision recorded. Status: " + statusAfter(o), ""
	})
}

// declareConflict needs a yes or a no: with neither, there is no
// has_conflict to send, and sending false would declare there is none.
func (s *server) declareConflict(w http.ResponseWriter, r *http.Request) {
	answer := r.PostFormValue("has_conflict")
	if answer != "yes" && answer != "no" {
		s.renderWorkspace(w, r, http.StatusUnprocessableEntity, r.PostForm,
			[]fieldError{{Field: "has_conflict", Message: "Select yes if you have a conflict of interest with this organisation"}})
		return
	}
	body := apiclient.DeclareConflictJSONRequestBody{HasConflict: answer == "yes", Note: r.PostFormValue("note")}
	res, err := s.api.DeclareConflictWithResponse(r.Context(), mux.Vars(r)["id"], nil, body, keyed(r))
	s.workspaceCommand(w, r, res, err, func(*apiclient.CommandResult) (string, string) {
		if body.HasConflict {
			return "Conflict of interest declared", "/reviews"
		}
		return "You have declared no conflict of interest", ""
	})
}

func (s *server) raiseQuery(w http.ResponseWriter, r *http.Request) {
	res, err := s.api.RaiseQueryWithResponse(r.Context(), mux.Vars(r)["id"], nil, apiclient.RaiseQueryJSONRequestBody{
		Question: r.PostFormValue("question"), RespondWithin: r.PostFormValue("respond_within")}, keyed(r))
	s.workspaceCommand(w, r, res, err, func(o *apiclient.CommandResult) (string, string) {
		msg := "Query sent to the applicant"
		if !o.RespondBy.IsZero() {
			msg += ". They must answer by " + fmtTime(o.RespondBy, "2 January 2006 at 3:04pm")
		}
		return msg, ""
	})
}

// decide sends the panel chair's decision. The amount is read only for an
// approval, the one outcome that needs it. An approval the fund cannot
// cover comes back waitlisted with the API's reason, which the flash
// passes on.
func (s *server) decide(w http.ResponseWriter, r *http.Request) {
	body := apiclient.DecidePanelJSONRequestBody{Outcome: apiclient.DecidePanelJSONBodyOutcome(r.PostFormValue("outcome")), Conditions: nonBlankLines(r.PostFormValue("conditions")), Feedback: r.PostFormValue("feedback")}
	if body.Outcome == "approve" {
		pence, err := parsePence(r.PostFormValue("amount_pence"))
		if err != nil {
			s.renderWorkspace(w, r, http.StatusUnprocessableEntity, r.PostForm,
				[]fieldError{{Field: "amount_pence", Message: humanize(err.Error())}})
			return
		}
		body.AmountPence = pence
	}
	res, err := s.api.DecidePanelWithResponse(r.Context(), mux.Vars(r)["id"], nil, body, keyed(r))
	s.workspaceCommand(w, r, res, err, func(o *apiclient.CommandResult) (string, string) {
		msg := "Decision recorded. Status: " + statusAfter(o)
		if o.Reason != "" {
			msg += ". The approval could not be funded: " + o.Reason
		}
		return msg, ""
	})
}

// nonBlankLines reads a textarea of one item per line, leaving out blank lines.
func nonBlankLines(s string) []string {
	out := []string{}
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
