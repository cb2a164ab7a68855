package application

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/money"
)

// Limits on what an applicant may write, in characters (runes, so Welsh
// diacritics and curly quotes count once). They are exported so the web form
// can show the same limits the API enforces.
const (
	MaxNeedChars            = 4000
	MaxDeliveryPlanChars    = 5000
	MaxIntegrationPlanChars = 4000
	MaxEvaluationChars      = 4000
	MaxThreeShiftsChars     = 3000
	MaxIGReadinessChars     = 3000
	// MaxNameChars bounds people's names and job roles.
	MaxNameChars = 200
	// MaxEmailChars is the longest address SMTP can deliver to (RFC 5321).
	MaxEmailChars = 254
	// MaxPeople bounds population and reach figures: more than the UK's
	// population, so it only catches typos, never a real plan.
	MaxPeople = 100_000_000
)

// Cohort is a population group the deployment targets. The list is fixed so
// that applications can be compared and reported on; anything else is
// CohortOther, described in the need section.
type Cohort string

const (
	CohortHypertension    Cohort = "hypertension"
	CohortType2Diabetes   Cohort = "type_2_diabetes"
	CohortObesity         Cohort = "obesity"
	CohortMentalWellbeing Cohort = "mental_wellbeing"
	CohortMultimorbidity  Cohort = "multimorbidity"
	CohortOther           Cohort = "other"
)

var cohortLabels = []struct {
	cohort Cohort
	label  string
}{
	{CohortHypertension, "Hypertension"},
	{CohortType2Diabetes, "Type 2 diabetes"},
	{CohortObesity, "Obesity"},
	{CohortMentalWellbeing, "Mental wellbeing"},
	{CohortMultimorbidity, "Multimorbidity"},
	{CohortOther, "Other (describe in the need section)"},
}

// Cohorts lists every cohort in the order a form shows them.
func Cohorts() []Cohort {
	out := make([]Cohort, len(cohortLabels))
	for i, c := range cohortLabels {
		out[i] = c.cohort
	}
	return out
}

// Label is the cohort's name for people; "" for an unknown cohort.
func (c Cohort) Label() string {
	for _, x := range cohortLabels {
		if x.cohort == c {
			return x.label
		}
	}
	return ""
}

// IGStatus is how far an information-governance assessment (DPIA or DTAC)
// has got.
type IGStatus string

const (
	IGNotStarted IGStatus = "not_started"
	IGInProgress IGStatus = "in_progress"
	IGComplete   IGStatus = "complete"
)

// Label is the status's name for people; "" for an unknown status.
func (s IGStatus) Label() string {
	switch s {
	case IGNotStarted:
		return "Not started"
	case IGInProgress:
		return "In progress"
	case IGComplete:
		return "Complete"
	}
	return ""
}

// LeadContact is the person the fund team deals with day to day.
type LeadContact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// SRO is the senior responsible officer, who signs the application off.
type SRO struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// Content is what an applicant writes. A zero field means "not given yet":
// every figure a submission needs must be more than zero, so zero can never
// be a real answer, and drafts may leave anything out.
type Content struct {
	// OrgCode comes from the applicant's token, never from the body, so an
	// applicant cannot apply for another organisation. Patch has no such
	// field, and a strict decoder refuses one.
	OrgCode     string      `json:"org_code"`
	LeadContact LeadContact `json:"lead_contact"`
	SRO         SRO         `json:"sro"`
	// SRODeclaration is the SRO's sign-off; a submission needs it true.
	SRODeclaration    bool     `json:"sro_declaration"`
	PopulationCovered int64    `json:"population_covered"`
	DeploymentRoutes  []string `json:"deployment_routes"` // ids of the fund's routes
	TargetCohorts     []Cohort `json:"target_cohorts"`
	// PlannedReach is people onboarded in the first 12 months.
	PlannedReach   int64 `json:"planned_reach"`
	RequestedPence int64 `json:"requested_pence"`

	Need            string `json:"need"`
	DeliveryPlan    string `json:"delivery_plan"`
	IntegrationPlan string `json:"integration_plan"`
	Evaluation      string `json:"evaluation"`
	ThreeShifts     string `json:"three_shifts"`
	IGReadiness     string `json:"ig_readiness"`

	DPIAStatus IGStatus `json:"dpia_status"`
	DTACStatus IGStatus `json:"dtac_status"`

	// Targets are the evaluation's baseline and target per outcome measure
	// and route; Evaluation stays as the narrative around them.
	Targets []fund.Target `json:"targets,omitempty"`

	// Answers are the answers to the fund's own questions, by question id:
	// the ones the fields above do not hold. They are members of the same
	// JSON object (see answers.go); a Content only ever holds answers that
	// are not null.
	Answers map[string]json.RawMessage `json:"-"`
}

// Field is one member of a JSON merge patch (RFC 7396), which has three
// states: absent (the zero Field: leave the value alone), null (Set with a
// zero Value: clear it) or a value (Set: replace it, or for an object merge
// into it). A cleared field reads back as its zero value, the same as one
// never given, so sending null and sending "" or 0 or [] mean the same.
//
// Fields marshal back to the same JSON, absent ones omitted (tag them
// omitzero), so a Patch survives the trip into a workflow unchanged.
type Field[T any] struct {
	Set   bool
	Value T
}

// Set is a Field holding v.
func Set[T any](v T) Field[T] { return Field[T]{Set: true, Value: v} }

// IsZero reports an absent field, for omitzero.
func (f Field[T]) IsZero() bool { return !f.Set }

// MarshalJSON writes the value; an absent field is left out by omitzero.
func (f Field[T]) MarshalJSON() ([]byte, error) { return json.Marshal(f.Value) }

// UnmarshalJSON is only called for members present in the body, which is
// what makes absent and null different.
func (f *Field[T]) UnmarshalJSON(b []byte) error {
	*f = Field[T]{Set: true}
	if string(b) == "null" {
		return nil
	}
	// A custom unmarshaler gets no options from the outer decoder, so
	// nested objects must refuse unknown members here, or a typo such as
	// lead_contact.emial would be silently dropped.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&f.Value)
}

// LeadContactPatch merges into LeadContact.
type LeadContactPatch struct {
	Name  Field[string] `json:"name,omitzero"`
	Email Field[string] `json:"email,omitzero"`
	Role  Field[string] `json:"role,omitzero"`
}

// SROPatch merges into SRO.
type SROPatch struct {
	Name Field[string] `json:"name,omitzero"`
	Role Field[string] `json:"role,omitzero"`
}

// Patch is a PATCH body with JSON merge-patch semantics: only members
// present change anything, null clears, and lead_contact and sro merge
// member by member ({"lead_contact": {"email": "…"}} keeps the name) unless
// they are null, which clears the whole object. Lists are replaced whole.
type Patch struct {
	LeadContact       Field[*LeadContactPatch] `json:"lead_contact,omitzero"`
	SRO               Field[*SROPatch]         `json:"sro,omitzero"`
	SRODeclaration    Field[bool]              `json:"sro_declaration,omitzero"`
	PopulationCovered Field[int64]             `json:"population_covered,omitzero"`
	DeploymentRoutes  Field[[]string]          `json:"deployment_routes,omitzero"`
	TargetCohorts     Field[[]Cohort]          `json:"target_cohorts,omitzero"`
	PlannedReach      Field[int64]             `json:"planned_reach,omitzero"`
	RequestedPence    Field[int64]             `json:"requested_pence,omitzero"`
	Need              Field[string]            `json:"need,omitzero"`
	DeliveryPlan      Field[string]            `json:"delivery_plan,omitzero"`
	IntegrationPlan   Field[string]            `json:"integration_plan,omitzero"`
	Evaluation        Field[string]            `json:"evaluation,omitzero"`
	ThreeShifts       Field[string]            `json:"three_shifts,omitzero"`
	IGReadiness       Field[string]            `json:"ig_readiness,omitzero"`
	DPIAStatus        Field[IGStatus]          `json:"dpia_status,omitzero"`
	DTACStatus        Field[IGStatus]          `json:"dtac_status,omitzero"`
	Targets           Field[[]fund.Target]     `json:"targets,omitzero"`
	// Answers are members for the fund's own questions, by question id,
	// merged into Content.Answers by RFC 7396 (null removes).
	Answers map[string]json.RawMessage `json:"-"`
}

// Apply merges p into c. It never validates: an applicant may save anything
// and is told what is wrong by ValidateDraft, so no typing is lost. An
// empty list is stored as nil, so [] and null leave the same content.
func (c Content) Apply(p Patch) Content {
	if p.LeadContact.Set {
		if lp := p.LeadContact.Value; lp == nil {
			c.LeadContact = LeadContact{}
		} else {
			set(&c.LeadContact.Name, lp.Name)
			set(&c.LeadContact.Email, lp.Email)
			set(&c.LeadContact.Role, lp.Role)
		}
	}
	if p.SRO.Set {
		if sp := p.SRO.Value; sp == nil {
			c.SRO = SRO{}
		} else {
			set(&c.SRO.Name, sp.Name)
			set(&c.SRO.Role, sp.Role)
		}
	}
	set(&c.SRODeclaration, p.SRODeclaration)
	set(&c.PopulationCovered, p.PopulationCovered)
	setList(&c.DeploymentRoutes, p.DeploymentRoutes)
	setList(&c.TargetCohorts, p.TargetCohorts)
	set(&c.PlannedReach, p.PlannedReach)
	set(&c.RequestedPence, p.RequestedPence)
	set(&c.Need, p.Need)
	set(&c.DeliveryPlan, p.DeliveryPlan)
	set(&c.IntegrationPlan, p.IntegrationPlan)
	set(&c.Evaluation, p.Evaluation)
	set(&c.ThreeShifts, p.ThreeShifts)
	set(&c.IGReadiness, p.IGReadiness)
	set(&c.DPIAStatus, p.DPIAStatus)
	set(&c.DTACStatus, p.DTACStatus)
	setList(&c.Targets, p.Targets)
	if len(p.Answers) > 0 {
		c.Answers = mergeAnswers(c.Answers, p.Answers)
	}
	return c
}

func set[T any](dst *T, f Field[T]) {
	if f.Set {
		*dst = f.Value
	}
}

// setList copies, so the content never shares an array with the patch.
func setList[T any](dst *[]T, f Field[[]T]) {
	switch {
	case !f.Set:
	case len(f.Value) == 0:
		*dst = nil
	default:
		*dst = slices.Clone(f.Value)
	}
}

// Known is what validation knows beyond the content and the fund: the
// application's documents, and the organisation registry where one is at
// hand. The zero Known checks neither.
type Known struct {
	// Documents are the application's; nil leaves document answers'
	// ids unchecked, as when creating a draft, which has none yet.
	Documents []document.Document
	// Organisation reports whether an ODS code is in the registry.
	Organisation func(code string) bool
}

// ValidateDraft checks the shape of what has been written so far, without
// asking for anything missing, and reports every problem at once against
// the field's JSON path (lead_contact.email, deployment_routes[1]). The
// rules are the fund's application form's (def.ApplicationForm, which for
// an application is the version it was started on).
func ValidateDraft(c Content, def fund.Definition) error { return Known{}.ValidateDraft(c, def) }

// ValidateSubmission is ValidateDraft plus completeness: everything a
// submission needs is present and signed off. It too reports every problem
// at once, so the applicant can fix them in one pass.
func ValidateSubmission(c Content, def fund.Definition) error {
	return Known{}.ValidateSubmission(c, def)
}

// ValidateDraft is the package's ValidateDraft, with what k knows.
func (k Known) ValidateDraft(c Content, def fund.Definition) error {
	return k.validate(c, def, form.Draft).Err("the application has invalid fields")
}

// ValidateSubmission is the package's ValidateSubmission, with what k
// knows.
func (k Known) ValidateSubmission(c Content, def fund.Definition) error {
	return k.validate(c, def, form.Submission).Err("the application is not ready to submit")
}

func (k Known) validate(c Content, def fund.Definition, mode form.Mode) fundflow.Invalid {
	var v fundflow.Invalid
	complete := mode == form.Submission
	if complete && strings.TrimSpace(c.OrgCode) == "" {
		v.Add("org_code", "is required")
	}
	routeIDs := make([]string, len(def.DeploymentRoutes))
	for i, r := range def.DeploymentRoutes {
		routeIDs[i] = r.ID
	}
	env := form.Env{
		Routes:       routeIDs,
		Organisation: k.Organisation,
		Targets: func(v *fundflow.Invalid, field string, _ json.RawMessage, _ form.Answers, _ form.Mode) {
			if len(c.Targets) > len(def.Measures)*max(len(def.DeploymentRoutes), 1) {
				v.Add(field, "must have at most one entry per measure and route")
				return
			}
			// A draft may set targets before choosing its routes; a
			// submission sets them only for the routes it deploys on.
			routes := routeIDs
			if complete {
				routes = c.DeploymentRoutes
			}
			def.ValidateTargets(v, field, routes, c.Targets)
			if complete {
				def.RequireTargets(v, field, routes, c.Targets)
			}
		},
		// No form may offer more than the fund's maximum award.
		Also: func(v *fundflow.Invalid, field string, _ json.RawMessage) {
			if field == form.QRequestedPence && c.RequestedPence > def.MaxAwardPence {
				v.Add(field, "must be at most %d (%s), the fund's maximum award", def.MaxAwardPence, money.Format(def.MaxAwardPence))
			}
		},
	}
	if k.Documents != nil {
		env.DocumentKinds = make(map[string]string, len(k.Documents))
		for _, d := range k.Documents {
			env.DocumentKinds[d.ID] = d.Kind
		}
	}
	return append(v, def.ApplicationForm().Validate(c.AnswerSet(), env, mode)...)
}

// AnswerSet is the content as answers to its form: every answer given,
// typed or the fund's own, by question id. A typed field at its zero value
// is not given: every figure the seeded form asks must be more than zero,
// and a declaration not made is false.
func (c Content) AnswerSet() form.Answers {
	b, err := json.Marshal(contentFields(c))
	if err != nil {
		panic(err) // unreachable: the typed fields always marshal
	}
	var typed map[string]json.RawMessage
	_ = json.Unmarshal(b, &typed)
	delete(typed, "org_code")
	out := make(form.Answers, len(typed)+len(c.Answers))
	for id, a := range typed {
		if form.Answered(a) && string(a) != "0" && string(a) != "false" {
			out[id] = a
		}
	}
	maps.Copy(out, c.Answers)
	return out
}

func path(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

func text(v *fundflow.Invalid, field, s string, limit int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > limit:
		v.Add(field, "must be at most %d characters, not %d", limit, utf8.RuneCountInString(s))
	}
}
