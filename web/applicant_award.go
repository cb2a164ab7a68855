package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/calendar"
	funddef "github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/money"
	"github.com/fundflow/fundflow/web/apiclient"
)

// offerPage is the offer, and the forms that accept or decline it.
type offerPage struct {
	applicantApp
	Words    string
	AcceptBy time.Time
	Letter   *apiclient.LetterRecord
	Schedule []scheduleRow
	Values   url.Values
	// DeclineKey keeps the decline form's Idempotency-Key apart from the
	// accept form's, so each is its own command.
	DeclineKey string
	// CanAccept and CanDecline are the API's word on the two forms; an
	// offer whose letter is still being written can be declined but not
	// yet accepted.
	CanAccept, CanDecline bool
	// Agreement is the grant agreement an offer made on terms is signed
	// on, and Signatory the signed-in person's entry among those who may
	// sign it, if they are one.
	Agreement *apiclient.GrantAgreement
	Signatory *apiclient.SignOffCertifier
	Declared  bool
}

// scheduleRow is one of the fund's milestones as the offer describes it,
// before acceptance has fixed its date and amount.
type scheduleRow struct {
	Title, Due, Share string
}

func (s *server) offer(w http.ResponseWriter, r *http.Request) {
	s.renderOffer(w, r, http.StatusOK, nil)
}

func (s *server) renderOffer(w http.ResponseWriter, r *http.Request, status int, errs []fieldError) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o := p.App.Offer
	if o == nil {
		s.renderError(w, r, http.StatusNotFound, "Page not found", "There is no offer for this application.")
		return
	}
	page := offerPage{
		applicantApp: p, Words: money.Words(o.AmountPence), AcceptBy: o.AcceptBy,
		Letter: latestLetter(p.App.Letters, "offer"), Values: r.PostForm, DeclineKey: newKey(),
		CanAccept: can(p.App, "accept_offer"), CanDecline: can(p.App, "decline_offer"),
	}
	if page.AcceptBy.IsZero() {
		page.AcceptBy = p.App.Deadlines.OfferAcceptBy
	}
	for _, m := range p.Fund.Definition.Milestones {
		page.Schedule = append(page.Schedule, scheduleRow{Title: m.Title, Due: afterAcceptance(m.DueAfter), Share: basisPoints(m.DrawdownShareBP)})
	}
	if o.Terms == nil {
		s.render(w, r, status, "applicant/offer", view{Title: "Your offer", Errors: errs, Data: page})
		return
	}
	if page.Agreement, err = s.agreement(r.Context(), p.App.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if i := slices.IndexFunc(o.Signatories, func(c apiclient.SignOffCertifier) bool { return c.UserID == p.me.ID }); i >= 0 {
		page.Signatory = &o.Signatories[i]
	}
	page.Declared = r.PostFormValue("declare") == "true"
	s.render(w, r, status, "applicant/agreement", view{Title: "Sign the grant agreement", Errors: errs, Data: page})
}

// latestLetter is the most recent letter of a kind, if any.
func latestLetter(letters []apiclient.LetterRecord, kind apiclient.LetterKind) *apiclient.LetterRecord {
	for i := len(letters) - 1; i >= 0; i-- {
		if letters[i].Kind == kind {
			return &letters[i]
		}
	}
	return nil
}

// afterAcceptance says when a milestone falls due, from the fund's
// ISO-8601 offset ("P90D"), read by the parser the workflow counts it with:
// calendar days, a week being seven. An offset with a time part is shown as
// given.
func afterAcceptance(iso string) string {
	d, err := funddef.ParseDuration(iso)
	if err != nil || d.Clock() != 0 {
		return iso + " after you accept"
	}
	days := d.CalendarDays()
	if days == 1 {
		return "1 day after you accept"
	}
	return strconv.Itoa(days) + " days after you accept"
}

// basisPoints shows a share of the award as a percentage: 2500 is 25%,
// 3333 is 33.33%.
func basisPoints(bp int) string {
	s := strconv.Itoa(bp / 100)
	if f := bp % 100; f != 0 {
		s += "." + strings.TrimRight(strconv.Itoa(100 + f)[1:], "0")
	}
	return s + "%"
}

// acceptOffer accepts the offer or, on an offer made on terms, signs the
// grant agreement: the form carries the hash of the terms it showed, so
// the signature is of exactly what was read.
func (s *server) acceptOffer(w http.ResponseWriter, r *http.Request) {
	res, err := s.api.AcceptOfferWithResponse(r.Context(), mux.Vars(r)["id"], nil, apiclient.AcceptOfferJSONRequestBody{
		SignatoryName: r.PostFormValue("signatory_name"), SignatoryRole: r.PostFormValue("signatory_role"),
		TermsSha256: r.PostFormValue("terms_sha256"), Declare: r.PostFormValue("declare") == "true",
	}, keyed(r))
	msg := "Offer accepted"
	if r.PostForm.Has("terms_sha256") {
		msg = "Grant agreement signed and offer accepted"
	}
	s.offerAnswered(w, r, check(res, err), msg)
}

func (s *server) declineOffer(w http.ResponseWriter, r *http.Request) {
	res, err := s.api.DeclineOfferWithResponse(r.Context(), mux.Vars(r)["id"], nil,
		apiclient.DeclineOfferJSONRequestBody{Reason: r.PostFormValue("reason")}, keyed(r))
	s.offerAnswered(w, r, check(res, err), "Offer declined")
}

func (s *server) offerAnswered(w http.ResponseWriter, r *http.Request, err error, msg string) {
	id := mux.Vars(r)["id"]
	if errs, ok := refused(err); ok {
		if slices.ContainsFunc(errs, func(e fieldError) bool { return e.Field == "terms_sha256" }) {
			// The page shows the terms as they stand now, with their hash,
			// and the declaration to be made again about them.
			r.PostForm.Del("declare")
			errs = []fieldError{{Message: "The terms of this offer are not the ones you read. Read the agreement again below: it now shows the terms as they stand. Then sign it if you still can."}}
		}
		labels := fieldLabels{
			"signatory_name": {"Signatory name", "signatory_name"},
			"signatory_role": {"Signatory job title", "signatory_role"},
			"declare":        {"", "declare"},
			"reason":         {"Your reason", "reason"},
		}
		out := make([]fieldError, 0, len(errs))
		for _, e := range errs {
			// A name that is not the signer's own is refused with what to
			// type instead: a sentence of its own, not one about the field.
			if e.Field == "signatory_name" && !strings.HasPrefix(e.Message, "must ") {
				out = append(out, fieldError{Field: e.Field, Message: capitalise(e.Message)})
				continue
			}
			out = append(out, explainErrors([]fieldError{e}, labels)...)
		}
		s.renderOffer(w, r, problemStatus(err), out)
		return
	}
	s.done(w, r, err, msg, appPath(id))
}

// milestonePage is a form about one milestone of the award.
type milestonePage struct {
	applicantApp
	Milestone apiclient.Milestone
	// ReturnNote is why the last evidence was sent back, if it was.
	ReturnNote string
	Values     url.Values
	Metrics    []int
	Outcomes   []outcomeRow
}

// metricRows is how many metric rows the evidence form offers, at least.
const metricRows = 3

// renderMilestone shows the form name about milestone mid, with values
// typed (or, when values is nil, what evidence sent back had, or the
// files of the kinds it requires).
func (s *server) renderMilestone(w http.ResponseWriter, r *http.Request, mid string, values url.Values, status int, name, title string, errs []fieldError) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	i := slices.IndexFunc(p.App.Milestones, func(m apiclient.Milestone) bool { return m.ID == mid })
	if i < 0 {
		s.renderError(w, r, http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct.")
		return
	}
	m := p.App.Milestones[i]
	page := milestonePage{applicantApp: p, Milestone: m, Values: values, Outcomes: p.outcomeRows(m)}
	if n := len(m.Reviews); n > 0 && m.Reviews[n-1].Decision == "return" {
		page.ReturnNote = m.Reviews[n-1].Note
	}
	if page.Values == nil {
		page.Values = url.Values{}
		page.Values["documents"] = page.requiredFiles()
		if e := m.Evidence; e != nil && name == "applicant/evidence" {
			page.Values["documents"] = e.Documents
			page.Values.Set("summary", e.Summary)
			page.Values.Set("links", strings.Join(e.Links, "\n"))
			prefillOutcomes(page.Values, page.Outcomes, e.Outcomes)
			names := make([]string, 0, len(e.Metrics))
			for k := range e.Metrics {
				names = append(names, k)
			}
			slices.Sort(names)
			for j, k := range names {
				page.Values.Set("metric_name_"+strconv.Itoa(j+1), k)
				page.Values.Set("metric_value_"+strconv.Itoa(j+1), strconv.FormatInt(e.Metrics[k], 10))
			}
		}
	}
	rows := max(metricRows, countMetricRows(page.Values))
	for j := 1; j <= rows; j++ {
		page.Metrics = append(page.Metrics, j)
	}
	s.render(w, r, status, name, view{Title: title, Errors: errs, Data: page})
}

// countMetricRows is how many metric rows a form holds.
func countMetricRows(form url.Values) int {
	n := 0
	for form.Has("metric_name_" + strconv.Itoa(n+1)) {
		n++
	}
	return n
}

func (s *server) evidenceForm(w http.ResponseWriter, r *http.Request) {
	s.renderMilestone(w, r, mux.Vars(r)["milestone_id"], nil, http.StatusOK, "applicant/evidence", "Submit evidence", nil)
}

// evidenceLabels places the API's evidence errors: a problem with the
// metrics as a whole is shown at the first metric.
var evidenceLabels = fieldLabels{
	"summary":   {"Summary", "summary"},
	"metrics":   {"Metrics", "metric_name_1"},
	"links":     {"Links", "links"},
	"documents": {"Documents", "documents"},
}

func (s *server) submitEvidence(w http.ResponseWriter, r *http.Request) {
	again := func(status int, errs []fieldError) {
		s.renderMilestone(w, r, mux.Vars(r)["milestone_id"], r.PostForm, status, "applicant/evidence", "Submit evidence", errs)
	}
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rows []outcomeRow
	if i := slices.IndexFunc(p.App.Milestones, func(m apiclient.Milestone) bool { return m.ID == mux.Vars(r)["milestone_id"] }); i >= 0 {
		rows = p.outcomeRows(p.App.Milestones[i])
	}
	metrics, errs := parseMetrics(r.PostForm)
	outcomes, oerrs := parseOutcomes(r.PostForm, rows)
	if errs = append(errs, oerrs...); len(errs) > 0 {
		again(http.StatusUnprocessableEntity, errs)
		return
	}
	links := []string{}
	for l := range strings.Lines(r.PostFormValue("links")) {
		if l = strings.TrimSpace(l); l != "" {
			links = append(links, l)
		}
	}
	body := apiclient.SubmitEvidenceJSONRequestBody{Summary: strings.TrimSpace(r.PostFormValue("summary")), Metrics: metrics, Links: links,
		Outcomes: outcomes, Documents: cited(r.PostForm)}
	res, err := s.api.SubmitEvidenceWithResponse(r.Context(), mux.Vars(r)["id"], mux.Vars(r)["milestone_id"], nil, body, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		mine, rest := outcomeErrors(errs, rows)
		again(problemStatus(err), append(citeErrors(explainErrors(rest, evidenceLabels), p.App), mine...))
		return
	}
	s.done(w, r, err, "Evidence submitted", appPath(mux.Vars(r)["id"]))
}

// parseMetrics reads the metric rows into {name: whole number}. A row left
// blank is skipped; a half-filled or repeated one is the form's error.
func parseMetrics(form url.Values) (map[string]int64, []fieldError) {
	out := map[string]int64{}
	var errs []fieldError
	for i := 1; i <= countMetricRows(form); i++ {
		nameField, valueField := "metric_name_"+strconv.Itoa(i), "metric_value_"+strconv.Itoa(i)
		name, value := strings.TrimSpace(form.Get(nameField)), strings.TrimSpace(form.Get(valueField))
		switch {
		case name == "" && value == "":
		case name == "":
			errs = append(errs, fieldError{Field: nameField, Message: "Enter a name for metric " + strconv.Itoa(i)})
		case value == "":
			errs = append(errs, fieldError{Field: valueField, Message: "Enter a value for " + name})
		default:
			n, err := wholeNumber(value)
			_, repeated := out[name]
			switch {
			case err != nil:
				errs = append(errs, fieldError{Field: valueField, Message: "The value for " + name + " must be a whole number, like 250"})
			case repeated:
				errs = append(errs, fieldError{Field: nameField, Message: "You have already given a value for " + name})
			default:
				out[name] = n
			}
		}
	}
	return out, errs
}

func (s *server) extensionForm(w http.ResponseWriter, r *http.Request) {
	s.renderMilestone(w, r, mux.Vars(r)["milestone_id"], nil, http.StatusOK, "applicant/extension", "Request an extension", nil)
}

func (s *server) requestExtension(w http.ResponseWriter, r *http.Request) {
	again := func(status int, errs []fieldError) {
		s.renderMilestone(w, r, mux.Vars(r)["milestone_id"], r.PostForm, status, "applicant/extension", "Request an extension", errs)
	}
	due, msg := endOfDay(r.PostFormValue("new_due_at-day"), r.PostFormValue("new_due_at-month"), r.PostFormValue("new_due_at-year"))
	if msg != "" {
		again(http.StatusUnprocessableEntity, []fieldError{{Field: "new_due_at", Message: msg}})
		return
	}
	res, err := s.api.RequestExtensionWithResponse(r.Context(), mux.Vars(r)["id"], mux.Vars(r)["milestone_id"], nil,
		apiclient.RequestExtensionJSONRequestBody{NewDueAt: due.UTC(), Reason: r.PostFormValue("reason")}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		again(problemStatus(err), explainErrors(errs, fieldLabels{
			"new_due_at": {"The new due date", "new_due_at"},
			"reason":     {"Your reason", "reason"},
		}))
		return
	}
	s.done(w, r, err, "Extension requested", appPath(mux.Vars(r)["id"]))
}

// endOfDay is the last second of a date typed as day, month and year, in
// Europe/London: a milestone due "on 30 June" can be met all that day.
func endOfDay(day, month, year string) (time.Time, string) {
	parts := []string{strings.TrimSpace(day), strings.TrimSpace(month), strings.TrimSpace(year)}
	if parts[0] == "" && parts[1] == "" && parts[2] == "" {
		return time.Time{}, "Enter the new due date"
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			return time.Time{}, "The new due date must be a real date, like 31 3 2027"
		}
		n[i] = v
	}
	t := time.Date(n[2], time.Month(n[1]), n[0], 23, 59, 59, 0, calendar.London)
	if n[2] < 1000 || n[2] > 9999 || t.Day() != n[0] || int(t.Month()) != n[1] {
		return time.Time{}, "The new due date must be a real date, like 31 3 2027"
	}
	return t, ""
}
