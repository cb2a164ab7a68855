package web

import (
	"net/http"
	"slices"

	"github.com/fundflow/fundflow/web/apiclient"
)

// panelPage is one fund as the panel sees it: its money and the
// applications awaiting a decision, best weighted score first.
type panelPage struct {
	Funds []apiclient.Fund
	Fund  *apiclient.Fund
	Rows  []apiclient.ApplicationRow
	// Targets are each row's outcome targets, named as the fund names
	// them, shown beside the score.
	Targets [][]targetRow
	// More says the ranking goes on beyond the rows shown.
	More bool
}

// panel is the panel chair's ranking of one fund's applications. Without
// ?fund_id= it shows the first fund that can still have decisions to make.
func (s *server) panel(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	funds, f, err := s.chooseFund(r, defaultPanelFund)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := panelPage{Funds: funds}
	if f == nil {
		s.render(w, r, http.StatusOK, "panel/panel", view{Title: "Panel", Data: p})
		return
	}
	p.Fund = f
	res, err := s.api.ListPanelRankingWithResponse(ctx, f.ID, &apiclient.ListPanelRankingParams{Limit: new(200)})
	if err := check(res, err); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Rows, p.More = res.JSON200.Items, res.JSON200.NextCursor != ""
	for _, r := range p.Rows {
		var ts []targetRow
		for _, t := range r.Targets {
			ts = append(ts, newTargetRow(t, f.Definition))
		}
		p.Targets = append(p.Targets, ts)
	}
	s.render(w, r, http.StatusOK, "panel/panel", view{Title: "Panel", Data: p})
}

// defaultPanelFund is the first fund past its draft and not yet finished,
// or failing that the first fund.
func defaultPanelFund(funds []apiclient.Fund) string {
	if len(funds) == 0 {
		return ""
	}
	if i := slices.IndexFunc(funds, func(f apiclient.Fund) bool { return f.Status != "draft" && f.Status != "finished" }); i >= 0 {
		return funds[i].ID
	}
	return funds[0].ID
}
