package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	appform "github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/workflows"
)

// formJSON is one version of a fund's application form, with a JSON
// Schema of a complete answer set for it.
type formJSON struct {
	FundID  string         `json:"fund_id"`
	Version int            `json:"version"`
	Form    appform.Form   `json:"form"`
	Schema  map[string]any `json:"schema"`
}

func toFormJSON(v workflows.FormView, def fund.Definition) formJSON {
	return formJSON{FundID: v.FundID, Version: v.Version, Form: v.Form, Schema: v.Form.Schema(routeIDs(def))}
}

func routeIDs(def fund.Definition) []string {
	ids := make([]string, len(def.DeploymentRoutes))
	for i, r := range def.DeploymentRoutes {
		ids[i] = r.ID
	}
	return ids
}

// fundForm is version n of a fund's form, the current one for 0.
func (s *server) fundForm(r *http.Request, fundID string, n int) (workflows.FormView, error) {
	var v workflows.FormView
	if err := s.query(r.Context(), workflows.FundWorkflowID(fundID), workflows.QueryForm, &v, n); err != nil {
		return v, orNotFound(err, "no fund %q", fundID)
	}
	if v.Version == 0 {
		return v, fundflow.Errorf(fundflow.ENOTFOUND, "fund %s has no form version %d", fundID, n)
	}
	return v, nil
}

// versionParam is the ?version=N of a read of one version of what, 0 when
// it asks for the current one.
func versionParam(r *http.Request, what string) (int, error) {
	q := r.URL.Query()
	if !q.Has("version") {
		return 0, nil
	}
	n, err := strconv.Atoi(q.Get("version"))
	if err != nil || n < 1 {
		return 0, fundflow.Invalid{{Field: "version", Message: "must be a whole number from 1"}}.Err("the " + what + " version is invalid")
	}
	return n, nil
}

// getFundForm answers GET /v1/funds/{fund_id}/form[?version=N]: the
// version new drafts use, or an earlier one that applications started on
// are still judged by.
func (s *server) getFundForm(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["fund_id"]
	n, err := versionParam(r, "form")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fv, err := s.fundView(r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.fundForm(r, id, n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toFormJSON(v, fv.Definition))
}

// putFundForm answers PUT /v1/funds/{fund_id}/form: a draft fund's form is
// replaced; an open fund gets the next version, which only drafts started
// from now on use.
func (s *server) putFundForm(w http.ResponseWriter, r *http.Request) {
	var body appform.Form
	cmd, err := readCommand(w, r, &body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if r.ContentLength == 0 {
		s.writeError(w, r, fundflow.Errorf(fundflow.EMALFORMED, "the body is empty; send the form as a JSON object"))
		return
	}
	id := mux.Vars(r)["fund_id"]
	var v workflows.FormView
	if err := s.update(r.Context(), workflows.FundWorkflowID(id), workflows.UpdatePublishForm, cmd.Key,
		workflows.PublishFormRequest{Command: cmd, Form: body}, &v); err != nil {
		s.writeError(w, r, orNotFound(err, "no fund %q", id))
		return
	}
	fv, err := s.fundView(r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toFormJSON(v, fv.Definition))
}

// known is what the API's validation of answers knows that a workflow's
// cannot: the organisation registry.
func (s *server) known() application.Known {
	if s.Orgs == nil {
		return application.Known{}
	}
	return application.Known{Organisation: func(code string) bool {
		_, ok := s.Orgs.Lookup(code)
		return ok
	}}
}

// checkAnswers judges a draft's patch with the registry before the
// workflow takes it, when the application's form asks for an
// organisation: the workflow checks everything else itself. The form is
// the version the application was started on.
func (s *server) checkAnswers(r *http.Request, id string, p application.Patch) error {
	if s.Orgs == nil || len(p.Answers) == 0 {
		return nil
	}
	v, err := s.applicationView(r, id)
	if err != nil {
		return err
	}
	f, err := s.fundForm(r, v.FundID, v.FormVersion)
	if err != nil {
		return err
	}
	if !asksOrganisation(f.Form) {
		return nil
	}
	fv, err := s.fundView(r, v.FundID)
	if err != nil {
		return err
	}
	def := fv.Definition
	def.Form = &f.Form
	return s.known().ValidateDraft(v.Content.Apply(p), def)
}

func asksOrganisation(f appform.Form) bool {
	var walk func([]appform.Question) bool
	walk = func(qs []appform.Question) bool {
		return slices.ContainsFunc(qs, func(q appform.Question) bool { return q.Type == appform.Organisation || walk(q.Questions) })
	}
	return slices.ContainsFunc(f.Sections, func(s appform.Section) bool { return walk(s.Questions) })
}
