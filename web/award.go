package web

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/web/apiclient"
)

// award is what follows an accepted offer: the signed grant agreement, the
// requests to vary the award and its monitoring returns, as the
// application's view carries them, while what anyone may do about them
// stays the view's actions.
type award struct {
	Agreement *apiclient.GrantAgreement
	Changes   []apiclient.ChangeRequest
	Returns   []apiclient.MonitoringReturn
}

// loadAward is app's award; before acceptance there is none.
func (s *server) loadAward(_ context.Context, app *apiclient.Application) (award, error) {
	if app.Acceptance == nil {
		return award{}, nil
	}
	return award{Agreement: app.Agreement, Changes: app.ChangeRequests, Returns: app.Returns}, nil
}

// agreement is GET /v1/applications/{id}/agreement.
func (s *server) agreement(ctx context.Context, id string) (*apiclient.GrantAgreement, error) {
	res, err := s.api.GetAgreementWithResponse(ctx, id)
	if err := check(res, err); err != nil {
		return nil, err
	}
	return res.JSON200, nil
}

// Change is the change request with id, or nil.
func (a award) Change(id string) *apiclient.ChangeRequest {
	if i := slices.IndexFunc(a.Changes, func(c apiclient.ChangeRequest) bool { return c.ID == id }); i >= 0 {
		return &a.Changes[i]
	}
	return nil
}

// Return is the monitoring return with id, or nil.
func (a award) Return(id string) *apiclient.MonitoringReturn {
	if i := slices.IndexFunc(a.Returns, func(r apiclient.MonitoringReturn) bool { return r.ID == id }); i >= 0 {
		return &a.Returns[i]
	}
	return nil
}

// Overdue is the first return past its due date and not yet accepted,
// as the API marks them, or nil.
func (a award) Overdue() *apiclient.MonitoringReturn {
	i := slices.IndexFunc(a.Returns, func(r apiclient.MonitoringReturn) bool {
		return r.Overdue && r.Status != apiclient.MonitoringReturnStatusAccepted
	})
	if i < 0 {
		return nil
	}
	return &a.Returns[i]
}

// heldBy is the overdue return that holds the programme manager's
// drawdowns: evidence awaits verification, the view does not offer to
// verify it, and a return is overdue. It is what the view shows, not the
// fund's rule worked out again, so it is only for the role that verifies.
func heldBy(me *apiclient.Me, app *apiclient.Application, a award) *apiclient.MonitoringReturn {
	if me == nil || me.Role != apiclient.MeRoleProgrammeManager {
		return nil
	}
	waiting := slices.ContainsFunc(app.Milestones, func(m apiclient.Milestone) bool {
		return m.Status == apiclient.MilestoneStatusSubmitted && !canOn(app, "verify_milestone", m.ID)
	})
	if !waiting {
		return nil
	}
	return a.Overdue()
}

// canOnChange reports whether the API allows action on change request id.
func canOnChange(a *apiclient.Application, action, id string) bool {
	return slices.ContainsFunc(a.Actions, func(x apiclient.Action) bool { return string(x.Name) == action && x.ChangeID == id })
}

// canOnReturn reports whether the API allows action on return id.
func canOnReturn(a *apiclient.Application, action, id string) bool {
	return slices.ContainsFunc(a.Actions, func(x apiclient.Action) bool { return string(x.Name) == action && x.ReturnID == id })
}

// awaiting names the role whose decision an open change request waits
// for: the first of its approvers not yet heard from.
func awaiting(c apiclient.ChangeRequest) string {
	if c.Status != apiclient.ChangeRequestStatusOpen || len(c.Decisions) >= len(c.Approvers) {
		return ""
	}
	return roleName(string(c.Approvers[len(c.Decisions)]))
}

// roleName is a role as a sentence names it.
func roleName(role string) string { return strings.ToLower(humanize(role)) }

// paragraphs splits terms text into its paragraphs, at blank lines.
func paragraphs(text string) []string {
	var out []string
	for p := range strings.SplitSeq(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var awardFuncs = template.FuncMap{
	"canOnChange": canOnChange,
	"canOnReturn": canOnReturn,
	"awaiting":    awaiting,
	"roleName":    func(role any) string { return roleName(plain(role)) },
	"paragraphs":  paragraphs,
}

// awardPage is a page about one part of an award, for whoever may open
// the application: the application, its fund and its award.
type awardPage struct {
	App   *apiclient.Application
	Fund  *apiclient.Fund
	Award award
}

func (s *server) loadAwardPage(ctx context.Context, id string) (awardPage, error) {
	var p awardPage
	var err error
	if p.App, err = s.applicationByID(ctx, id); err != nil {
		return p, err
	}
	if p.Fund, err = s.fundByID(ctx, p.App.FundID); err != nil {
		return p, err
	}
	p.Award, err = s.loadAward(ctx, p.App)
	return p, err
}

// Path is the application's page.
func (p awardPage) Path() string { return appPath(p.App.ID) }

// FundName names the fund, or says which it is when it has no name.
func (p awardPage) FundName() string {
	if p.Fund.Name != "" {
		return p.Fund.Name
	}
	return p.App.FundID
}

// notFound is the page for a change request or return the award has not.
func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct.")
}

// awardDone redirects to the application with a confirmation, or shows
// why the command failed.
func (s *server) awardDone(w http.ResponseWriter, r *http.Request, err error, msg string) {
	s.done(w, r, err, msg, appPath(mux.Vars(r)["id"]))
}
