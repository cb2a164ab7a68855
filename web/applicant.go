package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/mux"

	appdomain "github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/web/apiclient"
)

// applicationStatuses are the API's status values, in lifecycle order, for
// the staff filter.
var applicationStatuses = []appdomain.Status{
	"draft", "awaiting_sign_off", "submitted", "eligibility", "information_requested", "ineligible", "assessment", "panel",
	"rejected", "waitlisted", "offered", "accepted", "declined", "offer_expired", "in_deployment",
	"completed", "withdrawn", "terminated",
}

// applicationsPage is the list of applications: an applicant's own
// organisation's with a way to start one and the bids they were invited
// onto, a co-applicant's invitations, or for staff every application,
// filtered.
type applicationsPage struct {
	Staff bool
	Rows  []apiclient.ApplicationRow
	// Invited are other organisations' bids the signed-in person was
	// invited onto.
	Invited   []apiclient.ApplicationRow
	FundNames map[string]string
	// Funds fill the staff filter; OpenFunds the applicant's start form,
	// when Starts.
	Funds     []apiclient.Fund
	OpenFunds []apiclient.Fund
	Starts    bool
	Statuses  []appdomain.Status
	// FundID and Status are the staff filter; Chosen the fund an applicant
	// picked to start, kept when starting was refused.
	FundID, Status, Chosen string
	// Next is the link to the following page, when there is one.
	Next string
}

func (s *server) applications(w http.ResponseWriter, r *http.Request) {
	s.renderApplications(w, r, http.StatusOK, nil)
}

// renderApplications serves the list, and shows it again with the errors
// when starting an application was refused.
func (s *server) renderApplications(w http.ResponseWriter, r *http.Request, status int, errs []fieldError) {
	ctx := r.Context()
	me := meFrom(ctx)
	staff := !applying(me)
	fres, err := s.api.ListFundsWithResponse(ctx, &apiclient.ListFundsParams{Limit: new(200)})
	if err := check(fres, err); err != nil {
		s.fail(w, r, err)
		return
	}
	funds := fres.JSON200
	// Bids are started for an organisation; a co-applicant, bound to none,
	// joins other organisations' bids instead.
	p := applicationsPage{Staff: staff, Starts: !staff && me.OrgCode != "", Funds: funds.Items, FundNames: map[string]string{}, Statuses: applicationStatuses}
	for _, f := range funds.Items {
		p.FundNames[f.ID] = f.Name
		if f.Status == "open" {
			p.OpenFunds = append(p.OpenFunds, f)
		}
	}
	q := r.URL.Query()
	if staff {
		p.FundID, p.Status = q.Get("fund_id"), q.Get("status")
	} else {
		p.Chosen = r.PostFormValue("fund_id")
	}
	// listQuery keeps the filter on every page of the list.
	listQuery := func(cursor string) url.Values {
		v := url.Values{}
		for k, x := range map[string]string{"fund_id": p.FundID, "status": p.Status, "cursor": cursor} {
			if x != "" {
				v.Set(k, x)
			}
		}
		return v
	}
	params := &apiclient.ListApplicationsParams{}
	for k, v := range listQuery(q.Get("cursor")) {
		switch k {
		case "fund_id":
			params.FundID = &v[0]
		case "status":
			params.Status = new(apiclient.ApplicationStatus(v[0]))
		case "cursor":
			params.Cursor = &v[0]
		}
	}
	res, err := s.api.ListApplicationsWithResponse(ctx, params)
	if err := check(res, err); err != nil {
		s.fail(w, r, err)
		return
	}
	switch {
	case me.Role == apiclient.MeRoleCoApplicant:
		// A co-applicant's list is the bids they were invited onto.
		p.Invited = res.JSON200.Items
	case !staff:
		p.Rows = res.JSON200.Items
		inv, err := s.api.ListApplicationsWithResponse(ctx, &apiclient.ListApplicationsParams{Invited: new(true)})
		if err := check(inv, err); err != nil {
			s.fail(w, r, err)
			return
		}
		p.Invited = inv.JSON200.Items
	default:
		p.Rows = res.JSON200.Items
	}
	if c := res.JSON200.NextCursor; c != "" {
		p.Next = "/applications?" + listQuery(c).Encode()
	}
	title := "Applications"
	if !staff {
		title = "Your applications"
	}
	s.render(w, r, status, "applications", view{Title: title, Errors: errs, Data: p})
}

func (s *server) startApplication(w http.ResponseWriter, r *http.Request) {
	res, err := s.api.CreateApplicationWithResponse(r.Context(), nil,
		apiclient.CreateApplicationJSONRequestBody{"fund_id": r.PostFormValue("fund_id")}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderApplications(w, r, problemStatus(err), explainErrors(errs, fieldLabels{"fund_id": {"Fund", "fund_id"}}))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, nil, "Application started", appPath(res.JSON201.ID))
}

// applicantApp is what every page about one of the applicant's
// applications starts from: the application and the fund it is to.
type applicantApp struct {
	App  *apiclient.Application
	Fund *apiclient.Fund
	// Form is the version of the fund's form the application is on.
	Form appForm
	// Upload is what the upload form says about files it takes.
	Upload uploadLimits
	// answers are the application's, by question id.
	answers map[string]any
	// me is the signed-in person, whose place on the bid's team (if any)
	// says which sections they may change.
	me *apiclient.Me
}

func (s *server) loadApplicantApp(ctx context.Context, id string) (applicantApp, error) {
	p := applicantApp{Upload: s.uploadLimits(), me: meFrom(ctx)}
	var err error
	if p.App, err = s.applicationByID(ctx, id); err != nil {
		return p, err
	}
	if p.Fund, err = s.fundByID(ctx, p.App.FundID); err != nil {
		return p, err
	}
	if p.answers, err = contentAnswers(p.App.Content); err != nil {
		return p, err
	}
	f, err := s.loadForm(ctx, p.App.FundID, p.App.FormVersion)
	p.Form = newAppForm(f, p.Fund.Definition, p.App.Documents, p.App.Content.DeploymentRoutes)
	return p, err
}

// values are the application's saved answers as the form's inputs show
// them.
func (p applicantApp) values() url.Values {
	return p.Form.values(p.answers, contentTargets(p.App.Content))
}

// answerGroups are every section's answers as they read.
func (p applicantApp) answerGroups() []answerGroup { return p.Form.answerGroups(p.values(), true) }

// FundName names the fund, or says which it is when it has no name.
func (p applicantApp) FundName() string {
	if p.Fund.Name != "" {
		return p.Fund.Name
	}
	return p.App.FundID
}

// Application is the application, for a partial the staff pages share.
func (p applicantApp) Application() *apiclient.Application { return p.App }

// Path is the application's page.
func (p applicantApp) Path() string { return appPath(p.App.ID) }

// applicantApplication is a draft's task list, or once submitted, where
// the application stands and what the applicant can do next.
func (s *server) applicantApplication(w http.ResponseWriter, r *http.Request) {
	s.renderApplicant(w, r, mux.Vars(r)["id"], http.StatusOK, nil)
}

// statusPage is a submitted application as its applicant follows it.
type statusPage struct {
	applicantApp
	OpenQuery *apiclient.Query
	// CanAnswer: the open query is the applicant's to answer now.
	CanAnswer bool
	// Answer is what the applicant typed, kept when sending it was refused.
	Answer      string
	AnswerLimit int
	// Cited are the files the answer form chose, kept likewise.
	Cited       []string
	PastQueries []apiclient.Query
	Milestones  []milestoneRow
	Timeline    []apiclient.TimelineEntry
	CanWithdraw bool
	Answers     []answerGroup
	Note        noteForm
	// Award is what follows acceptance; Held the overdue return the fund
	// holds drawdowns for, when it pays by results.
	Award award
	Held  *apiclient.MonitoringReturn
}

// milestoneRow is a milestone with what the applicant may do about it.
type milestoneRow struct {
	apiclient.Milestone
	// Shown is the status to show: a pending milestone past its due date
	// is overdue.
	Shown     string
	CanReport bool
	CanExtend bool
	// ExtensionAsked: an extension request awaits a decision.
	ExtensionAsked bool
}

func (s *server) renderStatus(w http.ResponseWriter, r *http.Request, status int, p applicantApp, errs []fieldError, answer string) {
	tl, err := s.timeline(r.Context(), p.App.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := statusPage{
		applicantApp: p, Answer: answer, AnswerLimit: appdomain.MaxAnswerChars, Timeline: tl, Cited: r.PostForm["documents"],
		CanWithdraw: can(p.App, "withdraw"), Note: noteForm{Text: r.PostFormValue("note"), Section: r.PostFormValue("note_section")},
	}
	page.Answers = p.answerGroups()
	if page.Award, err = s.loadAward(r.Context(), p.App); err != nil {
		s.fail(w, r, err)
		return
	}
	if rep := p.Fund.Definition.Reporting; rep != nil && rep.HoldDrawdown {
		page.Held = page.Award.Overdue()
	}
	for i, q := range p.App.Queries {
		if q.Outcome == "open" {
			page.OpenQuery = &p.App.Queries[i]
			page.CanAnswer = canAnswer(p.App, q.ID)
		} else {
			page.PastQueries = append(page.PastQueries, q)
		}
	}
	for _, m := range p.App.Milestones {
		asked := len(m.Extensions) > 0 && m.Extensions[len(m.Extensions)-1].Approved == nil
		shown := string(m.Status)
		if m.Overdue && m.Status == apiclient.MilestoneStatusPending {
			shown = "overdue"
		}
		page.Milestones = append(page.Milestones, milestoneRow{
			Milestone:      m,
			Shown:          shown,
			CanReport:      canOn(p.App, "submit_evidence", m.ID),
			CanExtend:      canOn(p.App, "request_extension", m.ID),
			ExtensionAsked: asked,
		})
	}
	s.render(w, r, status, "applicant/status", view{Title: p.FundName(), Errors: errs, Data: page})
}

func (s *server) answerQuery(w http.ResponseWriter, r *http.Request) {
	id, qid := mux.Vars(r)["id"], mux.Vars(r)["query_id"]
	answer := r.PostFormValue("answer")
	res, err := s.api.AnswerQueryWithResponse(r.Context(), id, qid, nil,
		apiclient.AnswerQueryJSONRequestBody{Answer: answer, Documents: cited(r.PostForm)}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		p, lerr := s.loadApplicantApp(r.Context(), id)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		labels := fieldLabels{"answer": {"Your answer", "answer"}, "documents": {"Files", "documents"}}
		s.renderStatus(w, r, problemStatus(err), p, citeErrors(explainErrors(errs, labels), p.App), answer)
		return
	}
	s.done(w, r, err, "Answer sent", appPath(id))
}

// withdrawPage confirms a withdrawal and asks why.
type withdrawPage struct {
	applicantApp
	Reason string
}

func (s *server) withdrawForm(w http.ResponseWriter, r *http.Request) {
	s.renderWithdraw(w, r, http.StatusOK, nil)
}

func (s *server) renderWithdraw(w http.ResponseWriter, r *http.Request, status int, errs []fieldError) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "applicant/withdraw", view{Title: "Withdraw your application", Errors: errs,
		Data: withdrawPage{applicantApp: p, Reason: r.PostFormValue("reason")}})
}

func (s *server) withdraw(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := s.api.WithdrawApplicationWithResponse(r.Context(), id, nil,
		apiclient.WithdrawApplicationJSONRequestBody{Reason: r.PostFormValue("reason")}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderWithdraw(w, r, problemStatus(err), explainErrors(errs, fieldLabels{"reason": {"Your reason", "reason"}}))
		return
	}
	s.done(w, r, err, "Application withdrawn", appPath(id))
}

// done finishes a command the API accepted with a confirmation on the page
// it leads to, or shows why it failed.
func (s *server) done(w http.ResponseWriter, r *http.Request, err error, msg, to string) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// fieldLabel says what the API's name for a field is called on a page,
// and which input shows it ("" when none does).
type fieldLabel struct{ Label, Input string }

type fieldLabels map[string]fieldLabel

// explainErrors makes the API's field errors read as sentences on a page
// ("Lead contact email must be an email address…", where the API says
// only "must be an email address…"), points an error about one item of a
// list (deployment_routes[1], links[0]) at the list's input, and links an
// error only to an input the page has, so no link in the error summary
// goes nowhere.
func explainErrors(errs []fieldError, labels fieldLabels) []fieldError {
	out := make([]fieldError, 0, len(errs))
	for _, e := range errs {
		if e.Field == "" {
			out = append(out, fieldError{Message: capitalise(e.Message)})
			continue
		}
		if l, ok := labels[e.Field]; ok {
			out = append(out, fieldError{Field: l.Input, Message: capitalise(strings.TrimSpace(l.Label + " " + e.Message))})
			continue
		}
		base, index, indexed := strings.Cut(e.Field, "[")
		l, known := labels[base]
		if !known {
			l.Label = humanize(strings.ReplaceAll(base, ".", " "))
		}
		msg := l.Label
		if indexed {
			if n, err := strconv.Atoi(strings.TrimSuffix(index, "]")); err == nil {
				msg += " (item " + strconv.Itoa(n+1) + ")"
			}
		}
		out = append(out, fieldError{Field: l.Input, Message: msg + " " + e.Message})
	}
	return out
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
