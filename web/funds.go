package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/web/apiclient"
)

// allFunds is every fund, following the list's pages.
func (s *server) allFunds(ctx context.Context) ([]apiclient.Fund, error) {
	var out []apiclient.Fund
	params := &apiclient.ListFundsParams{Limit: new(200)}
	for {
		res, err := s.api.ListFundsWithResponse(ctx, params)
		if err := check(res, err); err != nil {
			return nil, err
		}
		out = append(out, res.JSON200.Items...)
		if res.JSON200.NextCursor == "" {
			return out, nil
		}
		params.Cursor = &res.JSON200.NextCursor
	}
}

// chooseFund is the fund a page shows, ?fund_id= or else the one pick
// chooses from every fund, with every fund for the page's chooser. chosen
// is nil when there are no funds.
func (s *server) chooseFund(r *http.Request, pick func([]apiclient.Fund) string) (funds []apiclient.Fund, chosen *apiclient.Fund, err error) {
	if funds, err = s.allFunds(r.Context()); err != nil {
		return nil, nil, err
	}
	id := r.URL.Query().Get("fund_id")
	if id == "" {
		id = pick(funds)
	}
	if id == "" {
		return funds, nil, nil
	}
	f, err := s.fundByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	return funds, f, nil
}

func fundPath(id string) string { return "/funds/" + url.PathEscape(id) }

func (s *server) funds(w http.ResponseWriter, r *http.Request) {
	funds, err := s.allFunds(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "funds/list", view{Title: "Funds", Data: funds})
}

// fundForm is the new fund form: what was typed, by field, and the funds
// whose routes, criteria, milestones, eligibility and deadlines can be
// copied.
type fundForm struct {
	Values map[string]string
	Funds  []apiclient.Fund
	Labels map[string]string
	// Preview is the typed application form's pages, when asked for.
	Preview *formPreview
}

// fundLabels name the form's fields, on the form and in its errors.
var fundLabels = map[string]string{
	"id":              "Fund ID",
	"name":            "Name",
	"sponsor":         "Sponsor",
	"description":     "Description",
	"total_pence":     "Total budget",
	"max_award_pence": "Largest award",
	"max_awards":      "Most awards",
	"opens_at":        "Opens",
	"closes_at":       "Closes",
	"template_fund":   "Copy routes, criteria, milestones, outcome measures, eligibility and SLAs from",
	"form_from":       "Copy the application form from",
	"form":            "Application form (JSON)",
}

// copiedFromTemplate are the parts of a definition taken whole from the
// chosen fund: the form has no fields for them. The pass mark goes with
// the criteria it is a score on, and the reminder and offer windows with
// the other deadlines.
var copiedFromTemplate = []string{
	"deployment_routes", "criteria", "pass_mark", "reviewers_per_application", "milestones",
	"eligible_org_types", "eligible_nations", "slas", "reminder_before", "offer_acceptance_window",
	"measures",
}

func (s *server) newFundForm(w http.ResponseWriter, r *http.Request) {
	s.renderFundForm(w, r, http.StatusOK, map[string]string{}, nil, nil)
}

func (s *server) renderFundForm(w http.ResponseWriter, r *http.Request, status int, values map[string]string, errs []fieldError, pv *formPreview) {
	funds, err := s.allFunds(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "funds/new", view{Title: "Create a fund", Errors: errs,
		Data: fundForm{Values: values, Funds: funds, Labels: fundLabels, Preview: pv}})
}

func (s *server) createFund(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	values := map[string]string{}
	for f := range fundLabels {
		values[f] = strings.TrimSpace(r.PostFormValue(f))
	}
	// The application form: copied from another fund into the textarea
	// to edit, previewed, or sent with the fund; none is the API's
	// standard form.
	switch r.PostFormValue("action") {
	case "copy_form":
		if values["form_from"] == "" {
			s.renderFundForm(w, r, http.StatusUnprocessableEntity, values,
				[]fieldError{{Field: "form_from", Message: "Select a fund to copy the application form from"}}, nil)
			return
		}
		f, err := s.loadForm(ctx, values["form_from"], 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.Version = 0
		values["form"] = formJSON(f)
		s.renderFundForm(w, r, http.StatusOK, values, nil, nil)
		return
	case "preview_form":
		f, err := parseFormJSON(values["form"])
		if err != nil {
			s.renderFundForm(w, r, http.StatusUnprocessableEntity, values, []fieldError{badForm("form", err)}, nil)
			return
		}
		s.renderFundForm(w, r, http.StatusOK, values, nil, preview(f, s.templateDefinition(r, values["template_fund"])))
		return
	}
	body, errs := s.fundBody(ctx, values)
	if values["form"] != "" {
		f, err := parseFormJSON(values["form"])
		if err != nil {
			errs = append(errs, badForm("form", err))
		}
		body["form"] = f
	}
	if len(errs) > 0 {
		s.renderFundForm(w, r, http.StatusUnprocessableEntity, values, errs, nil)
		return
	}
	ct, rd, err := jsonBody(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.api.CreateFundWithBodyWithResponse(ctx, nil, ct, rd, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderFundForm(w, r, problemStatus(err), values, onFundForm(errs, body["form"]), nil)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "Fund created as a draft")
	http.Redirect(w, r, fundPath(values["id"]), http.StatusSeeOther)
}

// fundBody reads the form into the API's fund definition, with the chosen
// fund's parts copied in. Only what the web itself must parse — amounts,
// dates, the fund to copy — is checked here; the API checks the rest.
func (s *server) fundBody(ctx context.Context, values map[string]string) (map[string]any, []fieldError) {
	var errs []fieldError
	bad := func(field, msg string) { errs = append(errs, fieldError{Field: field, Message: msg}) }
	body := map[string]any{"id": values["id"], "name": values["name"], "sponsor": values["sponsor"], "description": values["description"]}
	for _, f := range []string{"total_pence", "max_award_pence"} {
		p, err := parsePence(values[f])
		if err != nil {
			bad(f, fundLabels[f]+": "+err.Error())
		}
		body[f] = p
	}
	if n, err := strconv.Atoi(values["max_awards"]); err == nil {
		body["max_awards"] = n
	} else {
		bad("max_awards", "Enter the most awards the fund can make as a whole number, like 10")
	}
	for _, f := range []string{"opens_at", "closes_at"} {
		t, err := time.ParseInLocation("2006-01-02T15:04", values[f], calendar.London)
		if err != nil {
			bad(f, "Enter the date and time the fund "+strings.ToLower(fundLabels[f])+", like 1 April 2026 at 9:00am")
			continue
		}
		body[f] = t.Format(time.RFC3339)
	}
	id := values["template_fund"]
	if id == "" {
		bad("template_fund", "Select a fund to copy routes, criteria, milestones, outcome measures, eligibility and SLAs from")
		return body, errs
	}
	// The parts are copied as the API wrote them, whatever they hold.
	var from struct {
		Definition map[string]json.RawMessage `json:"definition"`
	}
	res, err := s.api.GetFundWithResponse(ctx, id)
	if err == nil {
		err = check(res, nil)
	}
	if err == nil {
		err = json.Unmarshal(res.Body, &from)
	}
	if err != nil {
		bad("template_fund", "The fund to copy from could not be read; select another")
		return body, errs
	}
	for _, k := range copiedFromTemplate {
		if v, ok := from.Definition[k]; ok {
			body[k] = v
		}
	}
	return body, errs
}

// templateDefinition is the definition of the fund chosen to copy from,
// whose routes and measures a preview shows; empty when none is chosen or
// it cannot be read, as a preview can do without.
func (s *server) templateDefinition(r *http.Request, id string) apiclient.FundDefinition {
	if id == "" {
		return apiclient.FundDefinition{}
	}
	f, err := s.fundByID(r.Context(), id)
	if err != nil {
		return apiclient.FundDefinition{}
	}
	return f.Definition
}

// onFundForm names the fields in the API's errors, points an error about
// the application form at its textarea, and one about a part copied from
// another fund, which has no field of its own, at the choice of fund.
func onFundForm(errs []fieldError, sent any) []fieldError {
	f, _ := sent.(form.Form)
	var formErrs, rest []fieldError
	for _, e := range errs {
		if e.Field == "form" || strings.HasPrefix(e.Field, "form.") {
			formErrs = append(formErrs, e)
		} else {
			rest = append(rest, e)
		}
	}
	errs = append(explain(rest, fundLabels), formErrors(formErrs, f, "form")...)
	for i, e := range errs {
		if _, ok := fundLabels[e.Field]; !ok && e.Field != "" {
			errs[i].Field = "template_fund"
			errs[i].Message = "In the copied fund, " + e.Message
		}
	}
	return errs
}

// fundPage is a fund's page: its figures and what an admin can do next.
type fundPage struct {
	Fund   *apiclient.Fund
	Budget budgetChart
	Reason string
}

func (s *server) fund(w http.ResponseWriter, r *http.Request) {
	s.renderFund(w, r, http.StatusOK, nil, "")
}

func (s *server) renderFund(w http.ResponseWriter, r *http.Request, status int, errs []fieldError, reason string) {
	f, err := s.fundByID(r.Context(), mux.Vars(r)["fund_id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "funds/fund", view{Title: f.Name, Errors: errs,
		Data: fundPage{Fund: f, Budget: newBudgetChart(f.Budget), Reason: reason}})
}

func (s *server) openFund(w http.ResponseWriter, r *http.Request) {
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	res, err := s.api.OpenFundWithResponse(r.Context(), mux.Vars(r)["fund_id"], nil, apiclient.OpenFundJSONRequestBody{Reason: reason}, keyed(r))
	s.fundLifecycle(w, r, check(res, err), reason, "Fund opened")
}

func (s *server) closeFund(w http.ResponseWriter, r *http.Request) {
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	res, err := s.api.CloseFundWithResponse(r.Context(), mux.Vars(r)["fund_id"], nil, apiclient.CloseFundJSONRequestBody{Reason: reason}, keyed(r))
	s.fundLifecycle(w, r, check(res, err), reason, "Fund closed")
}

// fundLifecycle is the answer to opening or closing the fund; a refusal is
// shown on the fund's page with the reason as typed.
func (s *server) fundLifecycle(w http.ResponseWriter, r *http.Request, err error, reason, done string) {
	id := mux.Vars(r)["fund_id"]
	if errs, ok := refused(err); ok {
		s.renderFund(w, r, problemStatus(err), explain(errs, map[string]string{"reason": "The reason"}), reason)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, done)
	http.Redirect(w, r, fundPath(id), http.StatusSeeOther)
}
