package form

// Seeded is the Prevention Innovation Fund's application form, version 1:
// the questions every application asked before forms were fund data, with
// the same ids, so its answers, its PATCH bodies and the histories of its
// workflows mean what they always did. A fund whose definition has no form
// uses it.
//
// Questions of type declaration are asked on the check-your-answers page,
// as GOV.UK forms ask them; sro_declaration sits in the first section only
// so that errors come out in the order applicants have always seen them.
func Seeded() Form {
	narrative := func(id, summary, label, hint string, limit int) Question {
		return Question{ID: id, Type: LongText, Label: label, Summary: summary, Hint: hint, Required: true, MaxChars: limit}
	}
	ig := []Option{{Value: "not_started", Label: "Not started"}, {Value: "in_progress", Label: "In progress"}, {Value: "complete", Label: "Complete"}}
	people := Question{Type: Integer, Required: true, Min: ptr(0), Max: ptr(maxPeople)}
	population, reach := people, people
	population.ID, population.Label = QPopulationCovered, "Population covered"
	population.Hint = "The number of people your system serves, as a whole number, like 1200000."
	reach.ID, reach.Label = QPlannedReach, "Planned reach"
	reach.Hint = "The number of people you plan to onboard in the first 12 months, as a whole number."
	return Form{Version: 1, Sections: []Section{
		{ID: "contacts", Title: "Contacts", Questions: []Question{
			LeadContactQuestion(), SROQuestion(), SRODeclarationQuestion(),
		}},
		{ID: "reach", Title: "Population and reach", Questions: []Question{
			population,
			DeploymentRoutesQuestion(),
			{ID: "target_cohorts", Type: MultipleChoice, Required: true, Label: "Which groups of people will the deployment target?", Summary: "Target cohorts",
				Hint: "Select all that apply.", Options: []Option{
					{Value: "hypertension", Label: "Hypertension"},
					{Value: "type_2_diabetes", Label: "Type 2 diabetes"},
					{Value: "obesity", Label: "Obesity"},
					{Value: "mental_wellbeing", Label: "Mental wellbeing"},
					{Value: "multimorbidity", Label: "Multimorbidity"},
					{Value: "other", Label: "Other (describe in the need section)"},
				}},
			reach,
		}},
		{ID: "funding", Title: "Funding requested", Questions: []Question{RequestedPenceQuestion()}},
		{ID: "need", Title: "Need", Questions: []Question{
			narrative("need", "Need", "Describe the need the deployment meets", "Who is affected, how many people, and what happens to them now.", 4000),
		}},
		{ID: "delivery", Title: "Delivery plan", Questions: []Question{
			narrative("delivery_plan", "Delivery plan", "Describe how you will deliver the deployment", "Who will do what, and when.", 5000),
		}},
		{ID: "integration", Title: "Integration plan", Questions: []Question{
			narrative("integration_plan", "Integration plan", "Describe how the service will fit into primary care or the NHS App", "", 4000),
		}},
		{ID: "evaluation", Title: "Evaluation and outcome measures", Questions: []Question{
			narrative("evaluation", "Evaluation", "Describe how you will evaluate the deployment and measure outcomes", "", 4000),
			TargetsQuestion(),
		}},
		{ID: "shifts", Title: "The three shifts", Questions: []Question{
			narrative("three_shifts", "Three shifts", "Describe how the deployment supports the three shifts",
				"From treatment to prevention, from hospital to community, and from analogue to digital.", 3000),
		}},
		{ID: "governance", Title: "Information governance", Questions: []Question{
			narrative("ig_readiness", "Information governance readiness", "Describe your information governance readiness", "", 3000),
			{ID: "dpia_status", Type: SingleChoice, Required: true, Summary: "DPIA status", Label: "Data protection impact assessment (DPIA) status", Options: ig},
			{ID: "dtac_status", Type: SingleChoice, Required: true, Summary: "DTAC status", Label: "Digital Technology Assessment Criteria (DTAC) status", Options: ig},
		}},
	}}
}

// maxPeople bounds population and reach figures: more than the UK's
// population, so it only catches typos, never a real plan.
const maxPeople = 100_000_000

// maxNameChars bounds people's names and job roles.
const maxNameChars = 200

func ptr(n int64) *int64 { return &n }

// The well-known questions as the seeded form asks them, for other forms
// to reuse: a fund may word them its own way as long as ids and types stay.

// LeadContactQuestion asks for the person the fund team deals with.
func LeadContactQuestion() Question {
	return Question{ID: QLeadContact, Type: Group, Label: "Lead contact", Required: true, Questions: []Question{
		{ID: "name", Type: Text, Required: true, MaxChars: maxNameChars, Label: "Lead contact's full name", Summary: "Lead contact name", Hint: "The person we will deal with day to day."},
		{ID: "email", Type: Email, Required: true, Label: "Lead contact's email address", Summary: "Lead contact email"},
		{ID: "role", Type: Text, Required: true, MaxChars: maxNameChars, Label: "Lead contact's job title", Summary: "Lead contact role"},
	}}
}

// SROQuestion asks for the senior responsible officer.
func SROQuestion() Question {
	return Question{ID: QSRO, Type: Group, Label: "Senior responsible officer", Required: true, Questions: []Question{
		{ID: "name", Type: Text, Required: true, MaxChars: maxNameChars, Label: "Senior responsible officer's full name", Summary: "Senior responsible officer name",
			Hint: "The senior responsible officer signs the application off before it is submitted."},
		{ID: "role", Type: Text, Required: true, MaxChars: maxNameChars, Label: "Senior responsible officer's job title", Summary: "Senior responsible officer role"},
	}}
}

// SRODeclarationQuestion is the senior responsible officer's sign-off.
func SRODeclarationQuestion() Question {
	return Question{ID: QSRODeclaration, Type: Declaration, Required: true, Summary: "The senior responsible officer's declaration",
		Label: "The senior responsible officer has approved this application, and the information in it is accurate"}
}

// DeploymentRoutesQuestion offers the fund's deployment routes.
func DeploymentRoutesQuestion() Question {
	return Question{ID: QDeploymentRoutes, Type: MultipleChoice, Required: true, OptionsFrom: OptionsDeploymentRoutes,
		Label: "How will you deploy the service?", Summary: "Deployment routes", Hint: "Select all that apply."}
}

// RequestedPenceQuestion asks for the award; the engine bounds it by the
// fund's maximum award, so the form need not.
func RequestedPenceQuestion() Question {
	return Question{ID: QRequestedPence, Type: Money, Required: true, Min: ptr(0), Label: "How much funding are you requesting?", Summary: "Amount requested",
		Hint: "In pounds, up to the fund's maximum award."}
}

// TargetsQuestion asks for a baseline and target per outcome measure on
// each chosen route; the fund's measures say which are required.
func TargetsQuestion() Question {
	return Question{ID: QTargets, Type: OutcomeTargets, Label: "Baselines and targets",
		Hint: "For each outcome measure on each route you deploy on, the figure now and the figure you aim for."}
}
