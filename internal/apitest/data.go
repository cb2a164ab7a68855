package apitest

import "github.com/fundflow/fundflow/internal/fund"

// Application is a complete draft for fundID, every section written, as
// POST /v1/applications takes it.
func Application(fundID, lead string, requested int64) map[string]any {
	para := func(topic string) string {
		return "Our " + topic + " is set out here in enough detail for reviewers to judge it against the fund's criteria."
	}
	return map[string]any{
		"fund_id":            fundID,
		"lead_contact":       map[string]any{"name": lead, "email": "prevention.lead@nhs.net", "role": "Head of Prevention"},
		"sro":                map[string]any{"name": "Dr Rhiannon Price", "role": "Director of Public Health"},
		"sro_declaration":    true,
		"population_covered": 650000,
		"deployment_routes":  []string{"primary_care_public_health", "nhs_app"},
		"target_cohorts":     []string{"hypertension", "mental_wellbeing"},
		"planned_reach":      12000,
		"requested_pence":    requested,
		"need":               para("need"),
		"delivery_plan":      para("delivery plan"),
		"integration_plan":   para("integration plan"),
		"evaluation":         para("evaluation"),
		"three_shifts":       para("alignment with the three shifts"),
		"ig_readiness":       para("information governance readiness"),
		"dpia_status":        "complete",
		"dtac_status":        "in_progress",
	}
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
