package api

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/workflows"
)

// listApplications serves lists from the Redis projections, whose keys make
// every page cost O(log n + page) however many applications there are.
// Applicants only ever see their own organisation's.
func (s *server) listApplications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var v fundflow.Invalid
	limit := readLimit(r, &v)
	f := readmodel.Filter{FundID: q.Get("fund_id"), Status: q.Get("status"), OrgCode: q.Get("org_code")}
	checkID(&v, "fund_id", f.FundID)
	checkID(&v, "status", f.Status)
	checkID(&v, "org_code", f.OrgCode)
	checkID(&v, "cursor", q.Get("cursor"))
	p := principal(r.Context())
	// A co-applicant's applications are those they were invited to; an
	// applicant asks for theirs in other organisations' bids with
	// invited=true.
	if p.Role == fundflow.RoleCoApplicant || (p.Role == fundflow.RoleApplicant && q.Get("invited") == "true") {
		s.listTeamApplications(w, r, p.ID, f, &v)
		return
	}
	if p.Role == fundflow.RoleApplicant {
		if f.OrgCode != "" && f.OrgCode != p.OrgCode {
			v.Add("org_code", "you can only list your own organisation's applications")
		}
		f.OrgCode = p.OrgCode
	}
	if err := v.Err("the list parameters are invalid"); err != nil {
		s.writeError(w, r, err)
		return
	}
	rows, next, err := s.ReadModel.List(r.Context(), f, q.Get("cursor"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.Role == fundflow.RoleApplicant {
		applicantRows(rows)
	}
	out := list[application.Row]{Items: rows}
	if next != "" {
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}

// panelRanking is a fund's applications awaiting the panel, best weighted
// score first, from the read model.
func (s *server) panelRanking(w http.ResponseWriter, r *http.Request) {
	p, err := readPage(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := mux.Vars(r)["fund_id"]
	if _, err := s.fundView(r, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	// One row more than the page says whether another page follows.
	rows, err := s.ReadModel.Panel(r.Context(), id, p.offset, p.limit+1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := list[application.Row]{Items: rows}
	if len(rows) > p.limit {
		out.Items = rows[:p.limit]
		next := encodeOffset(p.offset + p.limit)
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}

// listReviews is the caller's live review assignments across every fund,
// due soonest first. Each fund's workflow decides assignments, so it is
// asked rather than a projection that could lag behind an assignment just
// made; there are few funds, so a query per fund is cheap. The rows come
// from the read model, like every other list.
func (s *server) listReviews(w http.ResponseWriter, r *http.Request) {
	p, err := readPage(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	funds, err := workflows.ListIDs(r.Context(), s.Temporal, workflows.RunningFunds)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reviewer := principal(r.Context()).ID
	var ids []string
	for _, f := range funds {
		var assigned []string
		if err := s.query(r.Context(), workflows.FundWorkflowID(f), workflows.QueryReviewerAssignments, &assigned, reviewer); err != nil {
			s.writeError(w, r, err)
			return
		}
		ids = append(ids, assigned...)
	}
	rows, err := s.ReadModel.Rows(r.Context(), ids)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	slices.SortFunc(rows, func(a, b application.Row) int {
		return cmp.Or(compareDue(a.StageDueAt, b.StageDueAt), cmp.Compare(a.ID, b.ID))
	})
	writeJSON(w, http.StatusOK, paginate(rows, p))
}

// compareDue orders due dates soonest first, and work with none after all
// that have one.
func compareDue(a, b *time.Time) int {
	switch {
	case a != nil && b != nil:
		return a.Compare(*b)
	case a != nil:
		return -1
	case b != nil:
		return 1
	}
	return 0
}

// listTeamApplications lists a co-applicant's applications: those they
// were invited to, which are few, in one page.
func (s *server) listTeamApplications(w http.ResponseWriter, r *http.Request, userID string, f readmodel.Filter, v *fundflow.Invalid) {
	if err := v.Err("the list parameters are invalid"); err != nil {
		s.writeError(w, r, err)
		return
	}
	rows, err := s.ReadModel.TeamRows(r.Context(), userID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rows = slices.DeleteFunc(rows, func(row application.Row) bool { return !f.Matches(row) })
	applicantRows(rows)
	writeJSON(w, http.StatusOK, list[application.Row]{Items: rows})
}

// applicantRows shows rows as the bid's side reads them: its own labels,
// no scores.
func applicantRows(rows []application.Row) {
	for i := range rows {
		rows[i].StatusLabel = rows[i].ApplicantLabel
		rows[i].WeightedScore = nil
	}
}
