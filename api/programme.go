package api

import (
	"cmp"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/application"
)

// deploymentStatuses are the statuses of an award that was taken up.
var deploymentStatuses = []application.Status{application.StatusInDeployment, application.StatusCompleted, application.StatusTerminated}

// deploymentRow is one award on the programme dashboard.
type deploymentRow struct {
	ApplicationID string                     `json:"application_id"`
	Reference     string                     `json:"reference,omitempty"`
	FundID        string                     `json:"fund_id"`
	OrgCode       string                     `json:"org_code"`
	OrgName       string                     `json:"org_name,omitempty"`
	Status        string                     `json:"status"`
	AwardedPence  int64                      `json:"awarded_pence"`
	DrawnPence    int64                      `json:"drawn_pence"`
	NextMilestone *application.NextMilestone `json:"next_milestone"`
	RAG           string                     `json:"rag,omitempty"`
	OverdueCount  int                        `json:"overdue_count"`
	Partners      []string                   `json:"partners"`
	// OpenChange is the change request awaiting a decision, "" for none.
	OpenChange     string                  `json:"open_change_request"`
	NextReturn     *application.NextReturn `json:"next_return"`
	OverdueReturns int                     `json:"overdue_returns"`
}

// deployments reads every award from the read model, a page at a time, in
// organisation order so the list and the CSV compare line for line.
func (s *server) deployments(r *http.Request) ([]deploymentRow, error) {
	fundID := r.URL.Query().Get("fund_id")
	var v fundflow.Invalid
	if checkID(&v, "fund_id", fundID); len(v) > 0 {
		return nil, v.Err("the list parameters are invalid")
	}
	var out []deploymentRow
	for _, st := range deploymentStatuses {
		cursor := ""
		for {
			rows, next, err := s.ReadModel.List(r.Context(), readmodel.Filter{FundID: fundID, Status: string(st)}, cursor, maxLimit)
			if err != nil {
				return nil, err
			}
			for _, a := range rows {
				out = append(out, deploymentRow{
					ApplicationID: a.ID, Reference: a.Reference, FundID: a.FundID, OrgCode: a.OrgCode, OrgName: a.OrgName, Status: a.Status,
					// A terminated award holds nothing any more; what it
					// drew is what it was, in the end, awarded.
					AwardedPence: max(a.AwardedPence, a.DrawnPence), DrawnPence: a.DrawnPence,
					NextMilestone: a.NextMilestone, RAG: a.RAG, OverdueCount: a.OverdueCount, Partners: nonNilSlice(a.Partners),
					OpenChange: a.OpenChange, NextReturn: a.NextReturn, OverdueReturns: a.OverdueReturns,
				})
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	slices.SortFunc(out, func(a, b deploymentRow) int {
		return cmp.Or(cmp.Compare(a.OrgCode, b.OrgCode), cmp.Compare(a.ApplicationID, b.ApplicationID))
	})
	return out, nil
}

func (s *server) listDeployments(w http.ResponseWriter, r *http.Request) {
	rows, err := s.deployments(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[deploymentRow]{Items: nonNilRows(rows)})
}

func nonNilRows(rows []deploymentRow) []deploymentRow {
	if rows == nil {
		return []deploymentRow{}
	}
	return rows
}

var deploymentsCSVHeader = []string{
	"application_id", "fund_id", "org_code", "org_name", "status", "awarded_pence", "drawn_pence",
	"next_milestone_id", "next_milestone_title", "next_milestone_due_at", "rag", "overdue_count",
	// Added after the rest, so a spreadsheet reading columns by position
	// still finds them where they were.
	"reference", "partners",
	"open_change_request", "next_return_id", "next_return_title", "next_return_due_at", "overdue_returns",
}

// deploymentsCSV is the same rows for a spreadsheet.
func (s *server) deploymentsCSV(w http.ResponseWriter, r *http.Request) {
	rows, err := s.deployments(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="deployments.csv"`)
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write(deploymentsCSVHeader)
	for _, d := range rows {
		var id, title, due string
		if m := d.NextMilestone; m != nil {
			id, title, due = m.ID, m.Title, m.DueAt.UTC().Format(time.RFC3339)
		}
		var rid, rtitle, rdue string
		if n := d.NextReturn; n != nil {
			rid, rtitle, rdue = n.ID, n.Title, n.DueAt.UTC().Format(time.RFC3339)
		}
		_ = cw.Write([]string{
			d.ApplicationID, d.FundID, d.OrgCode, cell(d.OrgName), d.Status,
			strconv.FormatInt(d.AwardedPence, 10), strconv.FormatInt(d.DrawnPence, 10),
			id, cell(title), due, d.RAG, strconv.Itoa(d.OverdueCount), d.Reference, cell(strings.Join(d.Partners, "; ")),
			d.OpenChange, rid, cell(rtitle), rdue, strconv.Itoa(d.OverdueReturns),
		})
	}
	cw.Flush()
}

// cell keeps free text from being read as a formula when the CSV is opened
// in a spreadsheet.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
