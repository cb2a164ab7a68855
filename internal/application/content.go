package application

import (
	"bytes"
	"encoding/json"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fundflow/fundflow"
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

// narratives drives validation of the free-text sections, in form order.
var narratives = []struct {
	field string
	limit int
	text  func(Content) string
}{
	{"need", MaxNeedChars, func(c Content) string { return c.Need }},
	{"delivery_plan", MaxDeliveryPlanChars, func(c Content) string { return c.DeliveryPlan }},
	{"integration_plan", MaxIntegrationPlanChars, func(c Content) string { return c.IntegrationPlan }},
	{"evaluation", MaxEvaluationChars, func(c Content) string { return c.Evaluation }},
	{"three_shifts", MaxThreeShiftsChars, func(c Content) string { return c.ThreeShifts }},
	{"ig_readiness", MaxIGReadinessChars, func(c Content) string { return c.IGReadiness }},
}

// ValidateDraft checks the shape of what has been written so far, without
// asking for anything missing, and reports every problem at once against
// the field's JSON path (lead_contact.email, deployment_routes[1]).
func ValidateDraft(c Content, def fund.Definition) error {
	return validate(c, def, false).Err("the application has invalid fields")
}

// ValidateSubmission is ValidateDraft plus completeness: everything a
// submission needs is present and signed off. It too reports every problem
// at once, so the applicant can fix them in one pass.
func ValidateSubmission(c Content, def fund.Definition) error {
	return validate(c, def, true).Err("the application is not ready to submit")
}

func validate(c Content, def fund.Definition, complete bool) fundflow.Invalid {
	var v fundflow.Invalid
	if complete && strings.TrimSpace(c.OrgCode) == "" {
		v.Add("org_code", "is required")
	}
	text(&v, "lead_contact.name", c.LeadContact.Name, MaxNameChars, complete)
	email(&v, "lead_contact.email", c.LeadContact.Email, complete)
	text(&v, "lead_contact.role", c.LeadContact.Role, MaxNameChars, complete)
	text(&v, "sro.name", c.SRO.Name, MaxNameChars, complete)
	text(&v, "sro.role", c.SRO.Role, MaxNameChars, complete)
	if complete && !c.SRODeclaration {
		v.Add("sro_declaration", "must be true: the senior responsible officer must sign the application off")
	}
	people(&v, "population_covered", c.PopulationCovered, complete)

	if complete && len(c.DeploymentRoutes) == 0 {
		v.Add("deployment_routes", "choose at least one deployment route")
	}
	routeIDs := make([]string, len(def.DeploymentRoutes))
	for i, r := range def.DeploymentRoutes {
		routeIDs[i] = r.ID
	}
	list(&v, "deployment_routes", c.DeploymentRoutes, func(id string) bool { return slices.Contains(routeIDs, id) },
		"is not a deployment route of this fund; choose from "+strings.Join(routeIDs, ", "))

	if complete && len(c.TargetCohorts) == 0 {
		v.Add("target_cohorts", "choose at least one target cohort")
	}
	var cohortIDs []string
	for _, x := range Cohorts() {
		cohortIDs = append(cohortIDs, string(x))
	}
	list(&v, "target_cohorts", c.TargetCohorts, func(x Cohort) bool { return x.Label() != "" },
		"is not a known cohort; choose from "+strings.Join(cohortIDs, ", "))

	people(&v, "planned_reach", c.PlannedReach, complete)

	switch {
	case c.RequestedPence < 0:
		v.Add("requested_pence", "must not be negative")
	case c.RequestedPence > def.MaxAwardPence:
		v.Add("requested_pence", "must be at most %d (%s), the fund's maximum award",
			def.MaxAwardPence, money.Format(def.MaxAwardPence))
	case complete && c.RequestedPence == 0:
		v.Add("requested_pence", "must be more than 0")
	}

	for _, n := range narratives {
		text(&v, n.field, n.text(c), n.limit, complete)
	}
	igStatus(&v, "dpia_status", c.DPIAStatus, complete)
	igStatus(&v, "dtac_status", c.DTACStatus, complete)
	if len(c.Targets) > len(def.Measures)*max(len(def.DeploymentRoutes), 1) {
		v.Add("targets", "must have at most one entry per measure and route")
	} else {
		// A draft may set targets before choosing its routes; a submission
		// sets them only for the routes it deploys on.
		routes := routeIDs
		if complete {
			routes = c.DeploymentRoutes
		}
		def.ValidateTargets(&v, "targets", routes, c.Targets)
		if complete {
			def.RequireTargets(&v, "targets", routes, c.Targets)
		}
	}
	return v
}

func text(v *fundflow.Invalid, field, s string, limit int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > limit:
		v.Add(field, "must be at most %d characters, not %d", limit, utf8.RuneCountInString(s))
	}
}

func email(v *fundflow.Invalid, field, s string, required bool) {
	switch {
	case s == "":
		if required {
			v.Add(field, "is required")
		}
	case utf8.RuneCountInString(s) > MaxEmailChars:
		v.Add(field, "must be at most %d characters", MaxEmailChars)
	case !validEmail(s):
		v.Add(field, "must be an email address such as name@nhs.net")
	}
}

// validEmail accepts a bare address (no display name, no surrounding
// space) whose domain has a dot: messages are sent to it, so "Jo <jo@x>"
// or "jo@localhost" would fail later, where nobody sees why.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	return strings.Contains(strings.Trim(domain, "."), ".")
}

func people(v *fundflow.Invalid, field string, n int64, required bool) {
	switch {
	case n < 0:
		v.Add(field, "must not be negative")
	case n > MaxPeople:
		v.Add(field, "must be at most %d people", MaxPeople)
	case required && n == 0:
		v.Add(field, "must be more than 0")
	}
}

func igStatus(v *fundflow.Invalid, field string, s IGStatus, required bool) {
	switch {
	case s == "":
		if required {
			v.Add(field, "is required")
		}
	case s.Label() == "":
		v.Add(field, "must be one of not_started, in_progress, complete")
	}
}

// list flags unknown entries and every repeat after the first, at the
// entry's index, so the form can point at the exact item.
func list[T comparable](v *fundflow.Invalid, field string, xs []T, known func(T) bool, unknown string) {
	for i, x := range xs {
		at := path(field, i)
		if j := slices.Index(xs, x); j < i {
			v.Add(at, "repeats %s[%d]", field, j)
		} else if !known(x) {
			v.Add(at, "%s", unknown)
		}
	}
}

func path(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
