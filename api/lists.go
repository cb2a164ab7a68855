package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/readmodel"
)

// listApplications serves lists from the Redis projections, whose keys make
// every page cost O(log n + page) however many applications there are.
// Applicants only ever see their own organisation's.
func (s *server) listApplications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var v fundflow.Invalid
	limit := readLimit(r, &v)
	f := readmodel.Filter{FundID: q.Get("fund_id"), Status: q.Get("status"), OrgCode: q.Get("org_code")}
	p := principal(r.Context())
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
		for i := range rows {
			rows[i].StatusLabel = rows[i].ApplicantLabel
			rows[i].WeightedScore = nil
		}
	}
	out := list[readmodel.Application]{Items: rows}
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
	out := list[readmodel.Application]{Items: rows}
	if len(rows) > p.limit {
		out.Items = rows[:p.limit]
		next := encodeOffset(p.offset + p.limit)
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}
