package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/web/apiclient"
)

// returnPage is one monitoring return: its questions as a form for the
// lead while it takes answers, and otherwise the answers sent, with the
// certifier's sign-off or the programme manager's review where the API
// offers them.
type returnPage struct {
	awardPage
	Return *apiclient.MonitoringReturn
	// Form is the return's questions, asked by the application form's
	// own code; Values what its inputs hold.
	Form     appForm
	Values   url.Values
	Outcomes []outcomeRow
	Declared bool
	// Review is the review form as typed, kept when the API refused it.
	Review url.Values
	// CanSubmit, CanSignOff and CanReview are the API's word on the forms.
	CanSubmit, CanSignOff, CanReview bool
}

// Sections are the return's sections as the form asks them.
func (p returnPage) Sections() []returnSection {
	var out []returnSection
	for _, sec := range p.Form.tasks() {
		out = append(out, returnSection{Section: sec, Fields: p.Form.fields(sec.Questions, "", p.Values, true)})
	}
	return out
}

// Repeats says whether the form has a repeating group, whose Add and
// Remove buttons are submit buttons too.
func (p returnPage) Repeats() bool {
	return slices.ContainsFunc(p.Sections(), func(sec returnSection) bool {
		return slices.ContainsFunc(sec.Fields, func(f field) bool { return f.Type == form.RepeatingGroup })
	})
}

type returnSection struct {
	form.Section
	Fields []field
}

// Declarations are the return's declarations, asked after its questions.
func (p returnPage) Declarations() []form.Question { return p.Form.declarations() }

// Answers are the answers sent, as they read.
func (p returnPage) Answers() []answerGroup { return p.Form.answerGroups(p.Values, false) }

// Figures are the outcome figures sent, as they read: each row's inputs
// with what they hold.
func (p returnPage) Figures() []figureRow {
	var out []figureRow
	for _, row := range p.Outcomes {
		f := figureRow{Title: row.Title, RouteTitle: row.RouteTitle}
		for _, in := range row.Inputs {
			f.Values = append(f.Values, answer{Key: in.Label, Value: p.Values.Get(in.Name)})
		}
		out = append(out, f)
	}
	return out
}

type figureRow struct {
	Title, RouteTitle string
	Values            []answer
}

// ReturnNote is why the programme manager last sent the return back, if
// they did.
func (p returnPage) ReturnNote() string {
	if n := len(p.Return.Reviews); n > 0 && p.Return.Reviews[n-1].Decision == apiclient.MilestoneReviewDecisionReturn {
		return p.Return.Reviews[n-1].Note
	}
	return ""
}

// loadReturn reads the return the path names, answering itself when the
// award has no such return.
func (s *server) loadReturn(w http.ResponseWriter, r *http.Request) (returnPage, bool) {
	ap, err := s.loadAwardPage(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return returnPage{}, false
	}
	ret := ap.Award.Return(mux.Vars(r)["return_id"])
	if ret == nil {
		s.notFound(w, r)
		return returnPage{}, false
	}
	app := ap.App
	p := returnPage{
		awardPage: ap, Return: ret,
		Form:      newAppForm(ret.Questions, ap.Fund.Definition, app.Documents, app.Content.DeploymentRoutes),
		Outcomes:  newOutcomeRows(ap.Fund.Definition, ret.OutcomesRequired),
		CanSubmit: canOnReturn(app, "submit_return", ret.ID), CanSignOff: canOnReturn(app, "sign_off_return", ret.ID),
		CanReview: canOnReturn(app, "review_return", ret.ID),
	}
	p.Values = url.Values{}
	if sub := ret.Submission; sub != nil {
		answers, err := exactAnswers(sub.Answers)
		if err != nil {
			s.fail(w, r, err)
			return p, false
		}
		p.Values = p.Form.values(answers, nil)
		prefillOutcomes(p.Values, p.Outcomes, sub.Outcomes)
	}
	return p, true
}

// exactAnswers are answers as the form reads them, numbers kept as the
// API wrote them.
func exactAnswers(m map[string]any) (map[string]any, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return decodeAnswers(b)
}

func (s *server) returnForm(w http.ResponseWriter, r *http.Request) {
	p, ok := s.loadReturn(w, r)
	if !ok {
		return
	}
	s.renderReturn(w, r, http.StatusOK, p, nil)
}

func (s *server) renderReturn(w http.ResponseWriter, r *http.Request, status int, p returnPage, errs []fieldError) {
	p.Declared, p.Review = r.PostFormValue("declare") == "true", r.PostForm
	s.render(w, r, status, "award/return", view{Title: p.Return.Title, Errors: errs, Data: p})
}

// submitReturn sends the lead's answers. Adding or removing an item of a
// repeating group shows the form again with one more or one fewer, as a
// section page does; nothing is sent until the lead sends the return.
func (s *server) submitReturn(w http.ResponseWriter, r *http.Request) {
	p, ok := s.loadReturn(w, r)
	if !ok {
		return
	}
	p.Values = r.PostForm
	if name := r.PostFormValue("add"); name != "" {
		p.Values.Set(name+"-items", strconv.Itoa(itemCount(p.Values, name)+1))
		s.renderReturn(w, r, http.StatusOK, p, nil)
		return
	}
	if item := r.PostFormValue("remove"); item != "" {
		removeItem(p.Values, item)
		s.renderReturn(w, r, http.StatusOK, p, nil)
		return
	}
	answers, errs := p.answers()
	outcomes, oerrs := parseOutcomes(p.Values, p.Outcomes)
	if errs = append(errs, oerrs...); len(errs) > 0 {
		s.renderReturn(w, r, http.StatusUnprocessableEntity, p, errs)
		return
	}
	v := mux.Vars(r)
	res, err := s.api.SubmitReturnWithResponse(r.Context(), v["id"], v["return_id"], nil,
		apiclient.SubmitReturnJSONRequestBody{Answers: answers, Outcomes: outcomes}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		mine, rest := outcomeErrors(errs, p.Outcomes)
		names := p.Form.labels(p.Values, func(f field) string {
			if f.Type == form.Group {
				return ""
			}
			return f.Name
		}, "")
		// The questions come before the figures on the page, and so in
		// the error summary.
		s.renderReturn(w, r, problemStatus(err), p, append(explainErrors(rest, names), mine...))
		return
	}
	s.awardDone(w, r, err, p.Return.Title+" sent")
}

// answers are the form's answers as the return's body takes them: every
// section's, a return being sent whole, and none left blank.
func (p returnPage) answers() (map[string]any, []fieldError) {
	out := map[string]any{}
	var errs []fieldError
	for _, sec := range p.Form.tasks() {
		body, e := p.Form.patch(sec, p.Values)
		errs = append(errs, e...)
		for k, v := range body {
			if v != nil {
				out[k] = v
			}
		}
	}
	for _, q := range p.Form.declarations() {
		out[q.ID] = p.Values.Get(q.ID) == "true"
	}
	return out, errs
}

func (s *server) signOffReturn(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	res, err := s.api.SignOffReturnWithResponse(r.Context(), v["id"], v["return_id"], nil,
		apiclient.SignOffReturnJSONRequestBody{Declare: r.PostFormValue("declare") == "true"}, keyed(r))
	s.returnAnswered(w, r, check(res, err), "Return signed off: it has gone to the programme team", fieldLabels{"declare": {"", "declare"}})
}

func (s *server) reviewReturn(w http.ResponseWriter, r *http.Request) {
	// An unanswered question must not reach the API, which would refuse
	// it as an unknown decision rather than ask for one.
	decision := r.PostFormValue("decision")
	if decision != "verify" && decision != "return" {
		if p, ok := s.loadReturn(w, r); ok {
			s.renderReturn(w, r, http.StatusUnprocessableEntity, p, []fieldError{{Field: "decision", Message: "Select whether to accept the return or send it back"}})
		}
		return
	}
	v := mux.Vars(r)
	res, err := s.api.ReviewReturnWithResponse(r.Context(), v["id"], v["return_id"], nil, apiclient.ReviewReturnJSONRequestBody{
		Decision: apiclient.ReviewReturnJSONBodyDecision(decision), Note: strings.TrimSpace(r.PostFormValue("note"))}, keyed(r))
	msg := "Return accepted"
	if decision == "return" {
		msg = "Return sent back to the organisation"
	}
	s.returnAnswered(w, r, check(res, err), msg, fieldLabels{"decision": {"Your decision", "decision"}, "note": {"Your note", "note"}})
}

// returnAnswered is the answer to a sign-off or review: back to the
// application, or the return again with why the API refused.
func (s *server) returnAnswered(w http.ResponseWriter, r *http.Request, err error, msg string, labels fieldLabels) {
	if errs, ok := refused(err); ok {
		if p, ok := s.loadReturn(w, r); ok {
			s.renderReturn(w, r, problemStatus(err), p, explainErrors(errs, labels))
		}
		return
	}
	s.awardDone(w, r, err, msg)
}
