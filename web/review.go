package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/web/apiclient"
)

// reviewQueuePage is a reviewer's assignments, in the API's order (due
// soonest first).
type reviewQueuePage struct {
	Items []queueItem
	// Screening is applications waiting for any reviewer's eligibility
	// check: nobody is assigned to them until they pass it.
	Screening []queueItem
	FundNames map[string]string
	NextPage  string
}

type queueItem struct {
	apiclient.ApplicationRow
	Overdue bool
}

// reviewQueue is a reviewer's own work: the applications assigned to them.
func (s *server) reviewQueue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var params apiclient.ListReviewsParams
	if c := r.URL.Query().Get("cursor"); c != "" {
		params.Cursor = &c
	}
	rows, err := s.api.ListReviewsWithResponse(ctx, &params)
	if err := check(rows, err); err != nil {
		s.fail(w, r, err)
		return
	}
	names, err := s.fundNames(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	screening, err := s.api.ListApplicationsWithResponse(ctx, &apiclient.ListApplicationsParams{
		Status: new(apiclient.ApplicationStatusEligibility), Limit: new(200)})
	if err := check(screening, err); err != nil {
		s.fail(w, r, err)
		return
	}
	now := time.Now()
	due := func(rows []apiclient.ApplicationRow) []queueItem {
		var out []queueItem
		for _, it := range rows {
			out = append(out, queueItem{ApplicationRow: it, Overdue: it.StageDueAt != nil && it.StageDueAt.Before(now)})
		}
		return out
	}
	page := reviewQueuePage{FundNames: names, Items: due(rows.JSON200.Items), Screening: due(screening.JSON200.Items)}
	if c := rows.JSON200.NextCursor; c != "" {
		page.NextPage = "/reviews?cursor=" + url.QueryEscape(c)
	}
	s.render(w, r, http.StatusOK, "review/queue", view{Title: "Your review queue", Data: page})
}

// fundNames names each fund by its id, for lists whose rows carry only the
// id.
func (s *server) fundNames(r *http.Request) (map[string]string, error) {
	funds, err := s.allFunds(r.Context())
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(funds))
	for _, f := range funds {
		names[f.ID] = f.Name
	}
	return names, nil
}

// assessmentPage is the scoring form: one fieldset per criterion of the
// fund, then the feedback and the internal comment.
type assessmentPage struct {
	App             *apiclient.Application
	Fund            *apiclient.Fund
	Criteria        []criterionForm
	Feedback        string
	InternalComment string
}

// criterionForm is one criterion's part of the form. Field is its place in
// the API's body (scores[0]), so the API's errors name its inputs.
type criterionForm struct {
	apiclient.Criterion
	Field         string
	Points        []scalePoint
	Justification string
}

type scalePoint struct {
	Value   int
	Label   string
	ID      string
	Checked bool
}

// scoreField is the i-th score's path in the API's body.
func scoreField(i int) string { return "scores[" + strconv.Itoa(i) + "]" }

// newCriterionForm lays out criterion i with the score chosen ("" for
// none) and its justification.
func newCriterionForm(i int, c apiclient.Criterion, chosen, justification string) criterionForm {
	f := criterionForm{Criterion: c, Field: scoreField(i), Justification: justification}
	for v := c.Scale.Min; v <= c.Scale.Max; v++ {
		p := scalePoint{Value: v, Label: strconv.Itoa(v), ID: f.Field + ".score", Checked: strconv.Itoa(v) == chosen}
		if k := v - c.Scale.Min; k < len(c.Scale.Labels) && c.Scale.Labels[k] != "" {
			p.Label += " – " + c.Scale.Labels[k]
		}
		// The first radio carries the field's own id, so the error
		// summary's link lands on it; the others add their value.
		if v > c.Scale.Min {
			p.ID += "-" + strconv.Itoa(v)
		}
		f.Points = append(f.Points, p)
	}
	return f
}

// loadAssessment reads the application and the fund whose criteria it is
// scored against.
func (s *server) loadAssessment(r *http.Request) (assessmentPage, error) {
	var p assessmentPage
	var err error
	if p.App, err = s.applicationByID(r.Context(), mux.Vars(r)["id"]); err != nil {
		return p, err
	}
	p.Fund, err = s.fundByID(r.Context(), p.App.FundID)
	return p, err
}

// assessmentForm starts from the reviewer's own latest assessment, if they
// are rescoring, so they change only what they mean to.
func (s *server) assessmentForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.loadAssessment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var mine apiclient.Assessment
	for _, a := range p.App.Panel.Assessments {
		if a.ReviewerID == meFrom(r.Context()).ID {
			mine = a
		}
	}
	p.Feedback, p.InternalComment = mine.Feedback, mine.InternalComment
	for i, c := range p.Fund.Definition.Criteria {
		var chosen, why string
		for _, sc := range mine.Scores {
			if sc.CriterionID == c.ID {
				chosen, why = strconv.Itoa(sc.Score), sc.Justification
			}
		}
		p.Criteria = append(p.Criteria, newCriterionForm(i, c, chosen, why))
	}
	s.render(w, r, http.StatusOK, "review/assessment", view{Title: "Score this application", Data: p})
}

// submitAssessment scores every criterion in the fund's order, so each
// score's place in the body is its place on the form. A criterion left
// unscored cannot be put in the body at all, so it is the form's error.
func (s *server) submitAssessment(w http.ResponseWriter, r *http.Request) {
	p, err := s.loadAssessment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := apiclient.SubmitAssessmentJSONRequestBody{Scores: []apiclient.ScoreInput{}, Feedback: r.PostFormValue("feedback"), InternalComment: r.PostFormValue("internal_comment")}
	p.Feedback, p.InternalComment = body.Feedback, body.InternalComment
	var errs []fieldError
	for i, c := range p.Fund.Definition.Criteria {
		field := scoreField(i)
		chosen := r.PostFormValue(field + ".score")
		f := newCriterionForm(i, c, chosen, r.PostFormValue(field+".justification"))
		p.Criteria = append(p.Criteria, f)
		score, err := strconv.Atoi(chosen)
		if err != nil {
			errs = append(errs, fieldError{Field: field + ".score", Message: "Select a score for " + c.Title})
			continue
		}
		body.Scores = append(body.Scores, apiclient.ScoreInput{CriterionID: c.ID, Score: score, Justification: f.Justification})
	}
	again := func(status int, errs []fieldError) {
		s.render(w, r, status, "review/assessment", view{Title: "Score this application", Errors: errs, Data: p})
	}
	if errs != nil {
		again(http.StatusUnprocessableEntity, errs)
		return
	}
	res, err := s.api.SubmitAssessmentWithResponse(r.Context(), p.App.ID, nil, body, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		again(refusalCode(err), errs)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "Scores submitted")
	http.Redirect(w, r, "/reviews", http.StatusSeeOther)
}

// refusalCode is the status of a refusal the API gave, for the page that
// shows it again.
func refusalCode(err error) int {
	var p *problem
	if errors.As(err, &p) {
		return p.Status
	}
	return http.StatusUnprocessableEntity
}
