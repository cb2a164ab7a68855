package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/web/apiclient"
)

// changeRequestForm asks for a change to the award: for each milestone still to
// be drawn down a new due date and drawdown, a new total and a new SRO.
// It starts from the award as it stands, and only what differs from it is
// sent, as the API reads a milestone left out as unchanged.
type changeRequestForm struct {
	awardPage
	Rows   []milestoneChangeRow
	Values url.Values
}

// milestoneChangeRow is one milestone's inputs: Due names the date's parts
// (Due-day, Due-month, Due-year; the day's input has Due as its id) and
// Drawdown the amount in pounds.
type milestoneChangeRow struct {
	apiclient.Milestone
	Due, Drawdown string
}

// Cite is the form's choice of supporting files.
func (p changeRequestForm) Cite() citeForm {
	return newCiteForm(p.App, p.Values["documents"], func(kind string) string { return kindLabel(documentKinds(p.Fund.Definition), kind) })
}

// AwardPence is the total award as it stands: the offer's amount, which
// approved changes vary.
func (p awardPage) AwardPence() int64 {
	if p.App.Offer != nil {
		return p.App.Offer.AmountPence
	}
	return p.App.AwardedPence
}

func milestoneChangeRows(app *apiclient.Application) []milestoneChangeRow {
	var out []milestoneChangeRow
	for _, m := range app.Milestones {
		if m.Status == apiclient.MilestoneStatusVerified {
			continue
		}
		out = append(out, milestoneChangeRow{Milestone: m, Due: "due-" + m.ID, Drawdown: "drawdown-" + m.ID})
	}
	return out
}

func (s *server) changeForm(w http.ResponseWriter, r *http.Request) {
	s.renderChangeForm(w, r, http.StatusOK, nil)
}

func (s *server) renderChangeForm(w http.ResponseWriter, r *http.Request, status int, errs []fieldError) {
	p, err := s.loadAwardPage(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !can(p.App, "request_change") && r.Method == http.MethodGet {
		http.Redirect(w, r, p.Path()+"#changes", http.StatusSeeOther)
		return
	}
	page := changeRequestForm{awardPage: p, Rows: milestoneChangeRows(p.App), Values: r.PostForm}
	if r.Method == http.MethodGet {
		page.Values = url.Values{"award": {pounds(p.AwardPence())}}
		for _, row := range page.Rows {
			due := row.DueAt.In(calendar.London)
			page.Values.Set(row.Due+"-day", strconv.Itoa(due.Day()))
			page.Values.Set(row.Due+"-month", strconv.Itoa(int(due.Month())))
			page.Values.Set(row.Due+"-year", strconv.Itoa(due.Year()))
			page.Values.Set(row.Drawdown, pounds(row.DrawdownPence))
		}
	}
	s.render(w, r, status, "award/change-new", view{Title: "Request a change to the award", Errors: errs, Data: page})
}

func (s *server) requestChange(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	app, err := s.applicationByID(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := milestoneChangeRows(app)
	body, errs := changeBody(r.PostForm, rows, awardPage{App: app}.AwardPence())
	if len(errs) > 0 {
		s.renderChangeForm(w, r, http.StatusUnprocessableEntity, errs)
		return
	}
	res, err := s.api.RequestChangeWithResponse(r.Context(), id, nil, body, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderChangeForm(w, r, problemStatus(err), changeErrors(errs, body.Milestones, rows))
		return
	}
	s.done(w, r, err, "Change requested: the programme team will decide it", appPath(id)+"#changes")
}

// changeBody reads the form into a change request: each milestone whose
// date or drawdown differs from the award's, the total if it differs, and
// the SRO if one is named. What the page cannot read (a date that is not
// one, pounds that are not money) is the form's own error.
func changeBody(form url.Values, rows []milestoneChangeRow, award int64) (apiclient.RequestChangeJSONRequestBody, []fieldError) {
	body := apiclient.RequestChangeJSONRequestBody{Reason: strings.TrimSpace(form.Get("reason")), Documents: cited(form)}
	var errs []fieldError
	for _, row := range rows {
		mc := apiclient.MilestoneChange{ID: row.ID}
		day, month, year := form.Get(row.Due+"-day"), form.Get(row.Due+"-month"), form.Get(row.Due+"-year")
		if strings.TrimSpace(day+month+year) != "" {
			due, msg := endOfDay(day, month, year)
			switch {
			case msg != "":
				errs = append(errs, fieldError{Field: row.Due, Message: row.Title + ": " + lowerFirst(msg)})
			case !sameDay(due, row.DueAt):
				mc.DueAt = new(due.UTC())
			}
		}
		if v := form.Get(row.Drawdown); strings.TrimSpace(v) != "" {
			p, err := parsePence(v)
			switch {
			case err != nil:
				errs = append(errs, fieldError{Field: row.Drawdown, Message: row.Title + ": new drawdown: " + err.Error()})
			case p != row.DrawdownPence:
				mc.DrawdownPence = &p
			}
		}
		if mc.DueAt != nil || mc.DrawdownPence != nil {
			body.Milestones = append(body.Milestones, mc)
		}
	}
	if v := form.Get("award"); strings.TrimSpace(v) != "" {
		p, err := parsePence(v)
		switch {
		case err != nil:
			errs = append(errs, fieldError{Field: "award", Message: "New total award: " + err.Error()})
		case p != award:
			body.AwardPence = p
		}
	}
	if name, role := strings.TrimSpace(form.Get("sro_name")), strings.TrimSpace(form.Get("sro_role")); name != "" || role != "" {
		body.SRO = &apiclient.SRO{Name: name, Role: role}
	}
	return body, errs
}

// sameDay reports whether two instants fall on one London day: a due date
// is the end of its day, however it was typed.
func sameDay(a, b time.Time) bool {
	return a.In(calendar.London).Format(time.DateOnly) == b.In(calendar.London).Format(time.DateOnly)
}

// changeErrors places the API's errors at the inputs: milestones[i] is the
// i-th milestone sent, whose inputs are its row's, and a problem with the
// milestones as a whole (their drawdowns do not add up to the award, or
// nothing changes) at the total.
func changeErrors(errs []fieldError, sent []apiclient.MilestoneChange, rows []milestoneChangeRow) []fieldError {
	var out []fieldError
	var rest []fieldError
	for _, e := range errs {
		idx, member, ok := strings.Cut(strings.TrimPrefix(e.Field, "milestones["), "]")
		i, err := strconv.Atoi(idx)
		if !strings.HasPrefix(e.Field, "milestones[") || !ok || err != nil || i >= len(sent) {
			rest = append(rest, e)
			continue
		}
		var row milestoneChangeRow
		for _, r := range rows {
			if r.ID == sent[i].ID {
				row = r
			}
		}
		switch strings.TrimPrefix(member, ".") {
		case "drawdown_pence":
			out = append(out, fieldError{Field: row.Drawdown, Message: row.Title + ": the new drawdown " + e.Message})
		case "due_at":
			out = append(out, fieldError{Field: row.Due, Message: row.Title + ": the new due date " + e.Message})
		default:
			out = append(out, fieldError{Field: row.Due, Message: row.Title + ": " + e.Message})
		}
	}
	return append(out, explainErrors(rest, fieldLabels{
		"reason":      {"Your reason", "reason"},
		"milestones":  {"", "award"},
		"award_pence": {"The new total award", "award"},
		"sro":         {"The senior responsible officer", "sro_name"},
		"sro.name":    {"The new SRO's name", "sro_name"},
		"sro.role":    {"The new SRO's job title", "sro_role"},
		"documents":   {"Supporting files", "documents"},
	})...)
}

// changePage is one change request: what it asks, its decisions, and the
// forms the signed-in person may use on it.
type changePage struct {
	awardPage
	Change *apiclient.ChangeRequest
	Form   url.Values
	// WithdrawKey keeps the withdrawal's Idempotency-Key apart from the
	// decision's.
	WithdrawKey string
}

func (s *server) change(w http.ResponseWriter, r *http.Request) {
	s.renderChange(w, r, http.StatusOK, nil)
}

func (s *server) renderChange(w http.ResponseWriter, r *http.Request, status int, errs []fieldError) {
	p, err := s.loadAwardPage(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := p.Award.Change(mux.Vars(r)["change_id"])
	if c == nil {
		s.notFound(w, r)
		return
	}
	s.render(w, r, status, "award/change", view{Title: "Change request " + c.ID, Errors: errs,
		Data: changePage{awardPage: p, Change: c, Form: r.PostForm, WithdrawKey: newKey()}})
}

func (s *server) decideChange(w http.ResponseWriter, r *http.Request) {
	// An unanswered question must not reach the API as a refusal, which
	// is what a missing approve would decode to.
	approve := r.PostFormValue("approve")
	if approve != "true" && approve != "false" {
		s.renderChange(w, r, http.StatusUnprocessableEntity, []fieldError{{Field: "approve", Message: "Select whether to approve or refuse the change"}})
		return
	}
	v := mux.Vars(r)
	body := apiclient.DecideChangeJSONRequestBody{Approve: approve == "true", Note: strings.TrimSpace(r.PostFormValue("note"))}
	res, err := s.api.DecideChangeWithResponse(r.Context(), v["id"], v["change_id"], nil, body, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderChange(w, r, problemStatus(err), explainErrors(errs, fieldLabels{"note": {"Your note", "note"}}))
		return
	}
	msg := "Change refused"
	if body.Approve {
		msg = "Change approved"
	}
	s.awardDone(w, r, err, msg)
}

func (s *server) withdrawChange(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	res, err := s.api.WithdrawChangeWithResponse(r.Context(), v["id"], v["change_id"], nil,
		apiclient.WithdrawChangeJSONRequestBody{Reason: strings.TrimSpace(r.PostFormValue("reason"))}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderChange(w, r, problemStatus(err), explainErrors(errs, fieldLabels{"reason": {"Your reason", "reason"}}))
		return
	}
	s.awardDone(w, r, err, "Change request withdrawn")
}
