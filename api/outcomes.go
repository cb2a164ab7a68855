package api

import (
	"encoding/csv"
	"io"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/outcome"
	"github.com/fundflow/fundflow/internal/readmodel"
	"github.com/fundflow/fundflow/workflows"
)

// outcomesJSON is the roll-up with the fund's measures beside it, so a
// reader knows each figure's unit, kind and direction.
type outcomesJSON struct {
	outcome.Rollup
	Measures []fund.Measure `json:"measures"`
}

// outcomes rolls up every award of the fund that was taken up. Each award's
// targets and verified figures are read from its workflow, the record,
// rather than from a projection that could lag a verification just made;
// awards per fund are few (the seeded fund has four), so a query each is
// cheap. Only verified milestones count: submitted evidence is not yet a
// result.
func (s *server) outcomes(r *http.Request) (outcome.Rollup, workflows.FundView, error) {
	id := mux.Vars(r)["fund_id"]
	fv, err := s.fundView(r, id)
	if err != nil {
		return outcome.Rollup{}, fv, err
	}
	var awards []outcome.Award
	for _, st := range deploymentStatuses {
		cursor := ""
		for {
			rows, next, err := s.ReadModel.List(r.Context(), readmodel.Filter{FundID: id, Status: string(st)}, cursor, maxLimit)
			if err != nil {
				return outcome.Rollup{}, fv, err
			}
			for _, row := range rows {
				v, err := s.applicationView(r, row.ID)
				if err != nil {
					return outcome.Rollup{}, fv, err
				}
				awards = append(awards, s.award(v))
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return outcome.Roll(fv.Definition, awards), fv, nil
}

func (s *server) award(v workflows.ApplicationView) outcome.Award {
	a := outcome.Award{ApplicationID: v.ID, OrgCode: v.OrgCode, OrgName: v.OrgName,
		Routes: v.Content.DeploymentRoutes, PlannedReach: v.Content.PlannedReach, DrawnPence: v.DrawnPence,
		Targets: v.Content.Targets}
	if org, ok := s.Orgs.Lookup(v.OrgCode); ok {
		a.Nation = string(org.Nation)
	}
	for _, m := range v.Milestones {
		if m.Status == workflows.MilestoneVerified && m.Evidence != nil && len(m.Evidence.Outcomes) > 0 {
			a.Reports = append(a.Reports, outcome.Report{Milestone: m.ID, Figures: m.Evidence.Outcomes})
		}
	}
	return a
}

func (s *server) getOutcomes(w http.ResponseWriter, r *http.Request) {
	ru, fv, err := s.outcomes(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, outcomesJSON{Rollup: ru, Measures: fv.Definition.Measures})
}

// outcomesCSV is one row per group and measure, the suppression rule in a
// leading comment line, so a spreadsheet shows it above the table.
func (s *server) outcomesCSV(w http.ResponseWriter, r *http.Request) {
	ru, _, err := s.outcomes(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="outcomes-`+ru.FundID+`.csv"`)
	w.WriteHeader(http.StatusOK)
	// The rule has commas, so it is written as it is rather than as a
	// quoted CSV field.
	_, _ = io.WriteString(w, "# "+outcome.SuppressionRule+"\n")
	cw := csv.NewWriter(w)
	_ = cw.Write(outcome.CSVHeader)
	for _, row := range outcome.CSVRows(ru) {
		for i := range row {
			row[i] = cell(row[i])
		}
		_ = cw.Write(row)
	}
	cw.Flush()
}
