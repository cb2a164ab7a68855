package apitest

import (
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/fund"
)

// Application is a complete draft for fundID, every section written, as
// POST /v1/applications takes it.
func Application(fundID, lead string, requested int64) map[string]any {
	return application.Sample(fundID, lead, requested)
}

// Assessment scores every criterion of def alike, with an internal comment
// that applicants must never see.
func Assessment(def fund.Definition, score int) map[string]any {
	var ss []map[string]any
	for _, c := range def.Criteria {
		ss = append(ss, map[string]any{"criterion_id": c.ID, "score": score, "justification": "Evidence in the application supports this score."})
	}
	return map[string]any{"scores": ss, "feedback": "A clear plan with credible outcome measures.", "internal_comment": "Discussed with the panel secretary."}
}
