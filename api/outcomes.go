package api

import (
	"encoding/csv"
	"io"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/outcome"
	"github.com/fundflow/fundflow/internal/report"
	"github.com/fundflow/fundflow/workflows"
)

// outcomesJSON is the roll-up with the fund's measures beside it, so a
// reader knows each figure's unit, kind and direction.
type outcomesJSON struct {
	outcome.Rollup
	Measures []fund.Measure `json:"measures"`
}

// outcomes rolls up every award of the fund that was taken up, from the
// awards' outcome projections: one Redis read for the whole fund however
// many awards it has, rather than a workflow query per award. Each award's
// workflow projects its targets, plan, credit drawn and verified figures
// right after every change, so a verification shows here once its
// projection lands, normally within a fraction of a second; the award's own
// page reads the workflow and shows it at once. `fundflow reindex` rebuilds
// the projections from the workflows. Only verified milestones count:
// submitted evidence is not yet a result.
func (s *server) outcomes(r *http.Request) (outcome.Rollup, workflows.FundView, error) {
	id := mux.Vars(r)["fund_id"]
	fv, err := s.fundView(r, id)
	if err != nil {
		return outcome.Rollup{}, fv, err
	}
	awards, err := s.ReadModel.Outcomes(r.Context(), id)
	if err != nil {
		return outcome.Rollup{}, fv, err
	}
	for i := range awards {
		if org, ok := s.Orgs.Lookup(awards[i].OrgCode); ok {
			awards[i].Nation = string(org.Nation)
		}
	}
	return outcome.Roll(fv.Definition, awards), fv, nil
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

// outcomesPDF is the evaluation report a sponsor circulates, made from the
// same roll-up as the JSON and the CSV and dated by when it was read.
func (s *server) outcomesPDF(w http.ResponseWriter, r *http.Request) {
	ru, fv, err := s.outcomes(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pdf, err := report.Render(report.Input{Fund: fv.Definition, Rollup: ru, At: time.Now().UTC()})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="evaluation-`+ru.FundID+`.pdf"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(pdf)
}
