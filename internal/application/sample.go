package application

// Sample is a complete draft for the standard form (form.Seeded), every
// section written, as POST /v1/applications takes it: the one the API
// tests and the load benchmark submit, so both stay in step with the form.
func Sample(fundID, lead string, requested int64) map[string]any {
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
		"target_cohorts":     []string{string(CohortHypertension), string(CohortMentalWellbeing)},
		"planned_reach":      12000,
		"requested_pence":    requested,
		"need":               para("need"),
		"delivery_plan":      para("delivery plan"),
		"integration_plan":   para("integration plan"),
		"evaluation":         para("evaluation"),
		"three_shifts":       para("alignment with the three shifts"),
		"ig_readiness":       para("information governance readiness"),
		"dpia_status":        string(IGComplete),
		"dtac_status":        string(IGInProgress),
	}
}
