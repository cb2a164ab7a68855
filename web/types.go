package web

import (
	"encoding/json"
	"slices"
	"time"
)

// These are the front end's own reading of the API's JSON (API.md and
// /openapi.json), as any client would keep one: the web layer depends on
// the HTTP contract, never on the engine's internal types.

type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

type actor struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	OrgCode string `json:"org_code"`
}

type fund struct {
	ID             string                   `json:"id"`
	Name           string                   `json:"name"`
	Sponsor        string                   `json:"sponsor"`
	Status         string                   `json:"status"`
	Budget         budget                   `json:"budget"`
	Awards         struct{ Count, Max int } `json:"awards"`
	WaitlistLength int                      `json:"waitlist_length"`
	Definition     fundDefinition           `json:"definition"`
	Applications   map[string]int           `json:"applications"`
	History        []statusChange           `json:"history"`
}

// statusChange is a fund moving between stored statuses: who, when, why.
type statusChange struct {
	At     time.Time `json:"at"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Actor  actor     `json:"actor"`
	Reason string    `json:"reason"`
}

// deployment is one award on the programme dashboard.
type deployment struct {
	ApplicationID string         `json:"application_id"`
	FundID        string         `json:"fund_id"`
	OrgCode       string         `json:"org_code"`
	OrgName       string         `json:"org_name"`
	Status        string         `json:"status"`
	AwardedPence  int64          `json:"awarded_pence"`
	DrawnPence    int64          `json:"drawn_pence"`
	NextMilestone *nextMilestone `json:"next_milestone"`
	RAG           string         `json:"rag"`
	OverdueCount  int            `json:"overdue_count"`
}

type budget struct {
	TotalPence     int64 `json:"total_pence"`
	AvailablePence int64 `json:"available_pence"`
	ReservedPence  int64 `json:"reserved_pence"`
	CommittedPence int64 `json:"committed_pence"`
	DrawnPence     int64 `json:"drawn_pence"`
}

type fundDefinition struct {
	ID               string      `json:"id"`
	Name             string      `json:"name"`
	Sponsor          string      `json:"sponsor"`
	Description      string      `json:"description"`
	TotalPence       int64       `json:"total_pence"`
	MaxAwardPence    int64       `json:"max_award_pence"`
	MaxAwards        int         `json:"max_awards"`
	EligibleOrgTypes []string    `json:"eligible_org_types"`
	EligibleNations  []string    `json:"eligible_nations"`
	OpensAt          time.Time   `json:"opens_at"`
	ClosesAt         time.Time   `json:"closes_at"`
	DeploymentRoutes []route     `json:"deployment_routes"`
	Criteria         []criterion `json:"criteria"`
	ReviewersPerApp  int         `json:"reviewers_per_application"`
	PassMark         int         `json:"pass_mark"`
	// Milestones is the fund's template, dated from each acceptance.
	Milestones []fundMilestone `json:"milestones"`
	Measures   []fundMeasure   `json:"measures"`
}

// fundMilestone is a milestone of the fund's template: DueAfter is an
// ISO-8601 offset from acceptance ("P90D"), and verifying it draws
// DrawdownShareBP basis points of the award.
type fundMilestone struct {
	ID               string   `json:"id"`
	Title            string   `json:"title"`
	DueAfter         string   `json:"due_after"`
	DrawdownShareBP  int      `json:"drawdown_share_bp"`
	EvidenceRequired []string `json:"evidence_required"`
	// DocumentsRequired are the kinds of file its evidence must cite.
	DocumentsRequired []requirement `json:"documents_required"`
}

// requirement is a kind of document, such as {dpia, "DPIA signed off"}.
type requirement struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
}

// KindLabel names a kind of document as the fund does, or in words.
func (d fundDefinition) KindLabel(kind string) string {
	if i := slices.IndexFunc(d.DocumentKinds(), func(r requirement) bool { return r.Kind == kind }); i >= 0 {
		return d.DocumentKinds()[i].Label
	}
	return humanize(kind)
}

// DocumentKinds are the kinds any of the fund's milestones requires, each
// once: what a file can be labelled as before it is tied to a milestone.
func (d fundDefinition) DocumentKinds() []requirement {
	var out []requirement
	for _, m := range d.Milestones {
		for _, r := range m.DocumentsRequired {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

type route struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type criterion struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Guidance string `json:"guidance"`
	Weight   int    `json:"weight"`
	Scale    struct {
		Min    int      `json:"min"`
		Max    int      `json:"max"`
		Labels []string `json:"labels"`
	} `json:"scale"`
}

// row is an application in a list, from the API's read model.
type row struct {
	ID             string         `json:"id"`
	FundID         string         `json:"fund_id"`
	OrgCode        string         `json:"org_code"`
	OrgName        string         `json:"org_name"`
	Status         string         `json:"status"`
	StatusLabel    string         `json:"status_label"`
	RequestedPence int64          `json:"requested_pence"`
	AwardedPence   int64          `json:"awarded_pence"`
	WeightedScore  *int           `json:"weighted_score"`
	StageDueAt     *time.Time     `json:"stage_due_at"`
	DrawnPence     int64          `json:"drawn_pence"`
	NextMilestone  *nextMilestone `json:"next_milestone"`
	RAG            string         `json:"rag"`
	OverdueCount   int            `json:"overdue_count"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	// Targets are sent while the application awaits the panel.
	Targets []target `json:"targets"`
}

type nextMilestone struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	DueAt time.Time `json:"due_at"`
}

// application is GET /v1/applications/{id}. Applicants get fewer fields
// than staff; what they do not get stays zero.
type application struct {
	ID          string  `json:"id"`
	FundID      string  `json:"fund_id"`
	OrgCode     string  `json:"org_code"`
	OrgName     string  `json:"org_name"`
	Status      string  `json:"status"`
	StatusLabel string  `json:"status_label"`
	Final       bool    `json:"final"`
	Content     content `json:"content"`
	// FormVersion is the version of the fund's form the application was
	// started on, and is checked against.
	FormVersion    int          `json:"form_version"`
	RequestedPence int64        `json:"requested_pence"`
	AwardedPence   int64        `json:"awarded_pence"`
	DrawnPence     int64        `json:"drawn_pence"`
	WeightedScore  *int         `json:"weighted_score"`
	PassMark       int          `json:"pass_mark"`
	Eligibility    *eligibility `json:"eligibility"`
	// EligibilityChecks is the applicant's view of the automatic checks.
	EligibilityChecks []ruleResult `json:"eligibility_checks"`
	Feedback          []string     `json:"feedback"`
	Reviewers         []actor      `json:"reviewers"`
	Panel             panel        `json:"panel"`
	Queries           []query      `json:"queries"`
	Decision          *decision    `json:"decision"`
	Offer             *offer       `json:"offer"`
	Acceptance        *struct {
		SignatoryName string    `json:"signatory_name"`
		SignatoryRole string    `json:"signatory_role"`
		At            time.Time `json:"at"`
	} `json:"acceptance"`
	Ending *struct {
		Status string    `json:"status"`
		Reason string    `json:"reason"`
		At     time.Time `json:"at"`
	} `json:"ending"`
	Closed *struct {
		At     time.Time `json:"at"`
		Reason string    `json:"reason"`
	} `json:"closed"`
	Deadlines struct {
		Stage          string    `json:"stage"`
		StageDueAt     time.Time `json:"stage_due_at"`
		QueryRespondBy time.Time `json:"query_respond_by"`
		OfferAcceptBy  time.Time `json:"offer_accept_by"`
	} `json:"deadlines"`
	Milestones []milestone `json:"milestones"`
	Letters    []letter    `json:"letters"`
	Documents  []document  `json:"documents"`
	// Actions are what the signed-in user may do to it now, as the API
	// judges them: pages offer exactly these, and decide nothing
	// themselves about who may do what.
	Actions     []allowed `json:"actions"`
	CreatedAt   time.Time `json:"created_at"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// content is the application's answers: the well-known ones the pages
// use by name, and in Answers every answer by question id, as the form
// reads them.
type content struct {
	Answers     map[string]any `json:"-"`
	LeadContact struct {
		Name  string `json:"name"`
		Email string `json:"email"`
		Role  string `json:"role"`
	} `json:"lead_contact"`
	SRO struct {
		Name string `json:"name"`
		Role string `json:"role"`
	} `json:"sro"`
	SRODeclaration    bool     `json:"sro_declaration"`
	PopulationCovered int64    `json:"population_covered"`
	DeploymentRoutes  []string `json:"deployment_routes"`
	TargetCohorts     []string `json:"target_cohorts"`
	PlannedReach      int64    `json:"planned_reach"`
	RequestedPence    int64    `json:"requested_pence"`
	Need              string   `json:"need"`
	DeliveryPlan      string   `json:"delivery_plan"`
	IntegrationPlan   string   `json:"integration_plan"`
	Evaluation        string   `json:"evaluation"`
	ThreeShifts       string   `json:"three_shifts"`
	IGReadiness       string   `json:"ig_readiness"`
	DPIAStatus        string   `json:"dpia_status"`
	DTACStatus        string   `json:"dtac_status"`
	Targets           []target `json:"targets"`
}

func (c *content) UnmarshalJSON(b []byte) error {
	type plain content
	if err := json.Unmarshal(b, (*plain)(c)); err != nil {
		return err
	}
	var err error
	c.Answers, err = decodeAnswers(b)
	return err
}

// target is an application's baseline and target for a measure on a route.
type target struct {
	Measure  string `json:"measure"`
	Route    string `json:"route"`
	Baseline string `json:"baseline"`
	Target   string `json:"target"`
}

type ruleResult struct {
	Rule   string `json:"rule"`
	Result string `json:"result"`
	Reason string `json:"reason"`
}

type eligibility struct {
	Checks    []ruleResult `json:"checks"`
	Automatic string       `json:"automatic"`
	Decision  *struct {
		Decision  string    `json:"decision"`
		Reason    string    `json:"reason"`
		Overrides bool      `json:"overrides"`
		By        actor     `json:"by"`
		At        time.Time `json:"at"`
	} `json:"decision"`
}

type panel struct {
	Size        int `json:"size"`
	Assignments []struct {
		Reviewer   actor     `json:"reviewer"`
		AssignedAt time.Time `json:"assigned_at"`
	} `json:"assignments"`
	Conflicts []struct {
		Reviewer   actor     `json:"reviewer"`
		Note       string    `json:"note"`
		DeclaredAt time.Time `json:"declared_at"`
	} `json:"conflicts"`
	Assessments []assessment `json:"assessments"`
}

type assessment struct {
	ReviewerID      string           `json:"reviewer_id"`
	ReviewerName    string           `json:"reviewer_name"`
	Scores          []criterionScore `json:"scores"`
	Feedback        string           `json:"feedback"`
	InternalComment string           `json:"internal_comment"`
	SubmittedAt     time.Time        `json:"submitted_at"`
}

type criterionScore struct {
	CriterionID   string `json:"criterion_id"`
	Score         int    `json:"score"`
	Justification string `json:"justification"`
}

type query struct {
	ID         string    `json:"id"`
	AskedBy    actor     `json:"asked_by"`
	Question   string    `json:"question"`
	AskedAt    time.Time `json:"asked_at"`
	RespondBy  time.Time `json:"respond_by"`
	Answer     string    `json:"answer"`
	AnsweredAt time.Time `json:"answered_at"`
	Outcome    string    `json:"outcome"`
	Documents  []string  `json:"documents"`
}

type decision struct {
	Outcome     string    `json:"outcome"`
	AmountPence int64     `json:"amount_pence"`
	Conditions  []string  `json:"conditions"`
	Feedback    string    `json:"feedback"`
	At          time.Time `json:"at"`
	Reason      string    `json:"reason"`
}

type offer struct {
	AmountPence int64     `json:"amount_pence"`
	Conditions  []string  `json:"conditions"`
	ReservedAt  time.Time `json:"reserved_at"`
	ReleasedAt  time.Time `json:"released_at"`
	AcceptBy    time.Time `json:"accept_by"`
}

type milestone struct {
	ID               string   `json:"id"`
	Title            string   `json:"title"`
	EvidenceRequired []string `json:"evidence_required"`
	// DocumentsRequired are the kinds of file the evidence must cite.
	DocumentsRequired []requirement `json:"documents_required"`
	DueAt             time.Time     `json:"due_at"`
	DrawdownPence     int64         `json:"drawdown_pence"`
	Status            string        `json:"status"`
	Overdue           bool          `json:"overdue"`
	OutcomesRequired  []struct {
		Measure string `json:"measure"`
		Route   string `json:"route"`
	} `json:"outcomes_required"`
	Evidence *struct {
		Summary   string                       `json:"summary"`
		Metrics   map[string]int64             `json:"metrics"`
		Outcomes  []map[string]json.RawMessage `json:"outcomes"`
		Links     []string                     `json:"links"`
		Documents []string                     `json:"documents"`
		By        actor                        `json:"by"`
		At        time.Time                    `json:"at"`
	} `json:"evidence"`
	Reviews []struct {
		Decision string    `json:"decision"`
		Note     string    `json:"note"`
		By       actor     `json:"by"`
		At       time.Time `json:"at"`
	} `json:"reviews"`
	Extensions []struct {
		FromDueAt   time.Time `json:"from_due_at"`
		NewDueAt    time.Time `json:"new_due_at"`
		Reason      string    `json:"reason"`
		RequestedBy actor     `json:"requested_by"`
		RequestedAt time.Time `json:"requested_at"`
		Approved    *bool     `json:"approved"`
		Note        string    `json:"note"`
		DecidedAt   time.Time `json:"decided_at"`
	} `json:"extensions"`
	VerifiedAt time.Time `json:"verified_at"`
	DrawnPence int64     `json:"drawn_pence"`
}

// document is a file attached to an application; only a clean (or, with
// scanning off, not scanned) one can be downloaded.
type document struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Size       int64     `json:"size"`
	Kind       string    `json:"kind"`
	ScanStatus string    `json:"scan_status"`
	UploadedAt time.Time `json:"uploaded_at"`
}

func (d document) Servable() bool { return d.ScanStatus == "clean" || d.ScanStatus == "not_scanned" }

type letter struct {
	Ref      string    `json:"ref"`
	Kind     string    `json:"kind"`
	IssuedAt time.Time `json:"issued_at"`
	SHA256   string    `json:"sha256"`
}

type timelineEntry struct {
	Seq    int       `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Role   string    `json:"role"`
	Action string    `json:"action"`
	Detail string    `json:"detail"`
}

// allowed is one of an application's actions: an Update's name, and for one
// about a milestone or a query, which.
type allowed struct {
	Name        string `json:"name"`
	MilestoneID string `json:"milestone_id"`
	QueryID     string `json:"query_id"`
	DocumentID  string `json:"document_id"`
}

// Can reports whether the API allows action on the application itself now.
func (a *application) Can(action string) bool {
	return slices.ContainsFunc(a.Actions, func(x allowed) bool { return x.Name == action })
}

// CanOn reports whether the API allows action on one milestone now.
func (a *application) CanOn(action, milestoneID string) bool {
	return slices.ContainsFunc(a.Actions, func(x allowed) bool { return x.Name == action && x.MilestoneID == milestoneID })
}

// CanOnDocument reports whether the API allows action on one attached
// file now.
func (a *application) CanOnDocument(action, documentID string) bool {
	return slices.ContainsFunc(a.Actions, func(x allowed) bool { return x.Name == action && x.DocumentID == documentID })
}

// KindLabel names a kind of document as the milestone requires it, or in
// words.
func (m milestone) KindLabel(kind string) string {
	if i := slices.IndexFunc(m.DocumentsRequired, func(r requirement) bool { return r.Kind == kind }); i >= 0 {
		return m.DocumentsRequired[i].Label
	}
	return humanize(kind)
}

// Cites reports whether m's evidence cites a file of app's of this kind.
func (m milestone) Cites(app *application, kind string) bool {
	return m.Evidence != nil && slices.ContainsFunc(m.Evidence.Documents, func(id string) bool {
		d := app.Document(id)
		return d != nil && d.Kind == kind
	})
}

// Document is the application's file with id, or nil: evidence and
// answers cite files by id.
func (a *application) Document(id string) *document {
	if i := slices.IndexFunc(a.Documents, func(d document) bool { return d.ID == id }); i >= 0 {
		return &a.Documents[i]
	}
	return nil
}

// Citable are the files a submission may cite now: those that can be
// downloaded.
func (a *application) Citable() []document {
	var out []document
	for _, d := range a.Documents {
		if d.Servable() {
			out = append(out, d)
		}
	}
	return out
}

// CanAnswer reports whether the applicant may answer query queryID now.
func (a *application) CanAnswer(queryID string) bool {
	return slices.ContainsFunc(a.Actions, func(x allowed) bool { return x.Name == "answer_query" && x.QueryID == queryID })
}

// outcomes is GET /v1/funds/{id}/outcomes: every figure is text as the API
// shows it ("<8" when suppressed), nil when there is none.
type outcomes struct {
	Suppression string         `json:"suppression"`
	Awards      int            `json:"awards"`
	Reporting   int            `json:"awards_reporting"`
	Fund        outcomeGroup   `json:"fund"`
	Routes      []outcomeGroup `json:"routes"`
	Nations     []outcomeGroup `json:"nations"`
}

type outcomeGroup struct {
	Key              string           `json:"key"`
	Title            string           `json:"title"`
	Awards           int              `json:"awards"`
	PlannedReach     *string          `json:"planned_reach"`
	Onboarded        *string          `json:"people_onboarded"`
	Active           *string          `json:"people_active"`
	ReachPercent     *string          `json:"reach_percent_of_plan"`
	DrawnPence       *string          `json:"drawn_pence"`
	CostPerOnboarded *string          `json:"cost_per_person_onboarded_pence"`
	CostPerActive    *string          `json:"cost_per_person_active_pence"`
	Measures         []outcomeMeasure `json:"measures"`
}

type outcomeMeasure struct {
	Measure      string  `json:"measure"`
	Title        string  `json:"title"`
	Unit         string  `json:"unit"`
	Kind         string  `json:"kind"`
	Direction    string  `json:"direction"`
	Count        *string `json:"count"`
	BaselineN    *string `json:"baseline_n"`
	BaselineMean *string `json:"baseline_mean"`
	FollowUpN    *string `json:"follow_up_n"`
	FollowUpMean *string `json:"follow_up_mean"`
	Change       *string `json:"change"`
	Percent      *string `json:"percent"`
}
