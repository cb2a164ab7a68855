// Package fund is the pure domain of a fund: its definition as an admin
// writes it, and the credit ledger the fund workflow keeps. Every rule can
// be tested directly, and the workflow stays a thin, deterministic shell
// around it.
//
// Money is int64 pence throughout and scores are integer hundredths; there
// is no float anywhere in this package.
//
// It is pure domain: it imports the root package and the domain packages
// decimal, document and form only, never Temporal, Redis or an adapter.
package fund

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/form"
)

// OrgType is the kind of organisation that may apply, as spelled in the
// organisation registry's org_type column.
type OrgType string

const (
	OrgTypeICB                   OrgType = "ICB"
	OrgTypeScottishHealthBoard   OrgType = "SCOTTISH_HEALTH_BOARD"
	OrgTypeWelshLocalHealthBoard OrgType = "WELSH_LOCAL_HEALTH_BOARD"
	OrgTypeNIHSCTrust            OrgType = "NI_HSC_TRUST"
)

// Nation is a UK nation as spelled in the registry's nation column.
type Nation string

const (
	NationEngland         Nation = "England"
	NationScotland        Nation = "Scotland"
	NationWales           Nation = "Wales"
	NationNorthernIreland Nation = "Northern Ireland"
)

// orgTypeNations says where each organisation type exists, so a definition
// that admits nobody (ICBs, but only in Wales) is caught when it is written.
var orgTypeNations = []struct {
	orgType OrgType
	nation  Nation
}{
	{OrgTypeICB, NationEngland},
	{OrgTypeScottishHealthBoard, NationScotland},
	{OrgTypeWelshLocalHealthBoard, NationWales},
	{OrgTypeNIHSCTrust, NationNorthernIreland},
}

// Definition is a fund as an admin writes it. Funds are data: nothing in the
// engine may depend on a particular fund's figures, criteria or milestones.
type Definition struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Sponsor     string `json:"sponsor"`
	Description string `json:"description"`
	// ReferencePrefix starts every reference the fund gives its
	// applications (PIF in PIF-0007). Left out, it is the initials of the
	// name (Prefix); it is frozen once the fund opens, and no two funds
	// share one, so a reference names one application everywhere.
	ReferencePrefix string `json:"reference_prefix,omitempty"`

	TotalPence    int64 `json:"total_pence"`
	MaxAwardPence int64 `json:"max_award_pence"`
	MaxAwards     int   `json:"max_awards"`

	EligibleOrgTypes []OrgType `json:"eligible_org_types"`
	EligibleNations  []Nation  `json:"eligible_nations"`

	// OpensAt and ClosesAt are instants; Europe/London is only how they are
	// shown. Submissions are accepted from OpensAt up to, not including,
	// ClosesAt.
	OpensAt  time.Time `json:"opens_at"`
	ClosesAt time.Time `json:"closes_at"`

	DeploymentRoutes []Route     `json:"deployment_routes"`
	Criteria         []Criterion `json:"criteria"`

	ReviewersPerApplication int `json:"reviewers_per_application"`
	// PassMark is a weighted score in hundredths of a scale point (300 is
	// 3.00); see WeightedScore.
	PassMark int `json:"pass_mark"`

	SLAs SLAs `json:"slas"`
	// ReminderBefore is how long before an SLA or milestone deadline a
	// reminder goes out; its days are calendar days.
	ReminderBefore Duration `json:"reminder_before"`
	// OfferAcceptanceWindow runs from the offer; its days are calendar days.
	OfferAcceptanceWindow Duration `json:"offer_acceptance_window"`

	Milestones []Milestone `json:"milestones"`
	// Measures are the outcomes awards set targets for and report at
	// milestones; see measure.go.
	Measures []Measure `json:"measures,omitempty"`

	// Form is the application form new drafts are started on. A fund
	// defined before forms were data has none and asks form.Seeded().
	Form *form.Form `json:"form,omitempty"`

	// SignOff says whether a bid needs its certifier's sign-off to count
	// as submitted; Invitations whom a lead may invite onto one.
	SignOff     SignOff     `json:"sign_off,omitzero"`
	Invitations Invitations `json:"invitations,omitempty"`

	// Terms are the grant agreement an offer is signed on; a fund without
	// them takes a signatory's name and role only, as before agreements.
	Terms *Terms `json:"terms,omitempty"`
	// Reporting schedules an award's monitoring returns; nil asks for none.
	Reporting *Reporting `json:"reporting,omitempty"`
	// Variations are the rules for changing an award after acceptance.
	Variations Variations `json:"variations,omitzero"`
	// DeliveryEndsAt is the latest any milestone of an award may fall due,
	// moved or not; zero leaves only the two-year bound on a move.
	DeliveryEndsAt time.Time `json:"delivery_ends_at,omitzero"`
}

// Prefix is ReferencePrefix, or for a fund that has none, such as one
// defined before references, the initials of its name's words
// ("Prevention Innovation Fund" is PIF), made up to two letters from its id.
func (d Definition) Prefix() string {
	if d.ReferencePrefix != "" {
		return d.ReferencePrefix
	}
	var p []byte
	for _, w := range strings.Fields(d.Name) {
		if c := w[0] | 0x20; c >= 'a' && c <= 'z' && len(p) < 6 {
			p = append(p, c-0x20)
		}
	}
	for _, c := range []byte(d.ID) {
		if len(p) >= 2 {
			break
		}
		if c >= 'a' && c <= 'z' {
			p = append(p, c-0x20)
		}
	}
	for len(p) < 2 {
		p = append(p, 'F')
	}
	return string(p)
}

// ApplicationForm is the form new drafts use: Form, or the seeded one.
func (d Definition) ApplicationForm() form.Form {
	if d.Form == nil {
		return form.Seeded()
	}
	return *d.Form
}

// FormVersion is ApplicationForm's version.
func (d Definition) FormVersion() int { return d.ApplicationForm().Version }

// TermsVersion is the version of the fund's terms, 0 when it has none.
func (d Definition) TermsVersion() int {
	if d.Terms == nil {
		return 0
	}
	return d.Terms.Version
}

// Route is a way the funded service can be deployed.
type Route struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Criterion is one thing assessors score.
type Criterion struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Guidance string `json:"guidance,omitempty"`
	Weight   int    `json:"weight"`
	Scale    Scale  `json:"scale"`
}

// Scale is the whole-number range a criterion is scored on. Labels, when
// given, name each point from Min to Max.
type Scale struct {
	Min    int      `json:"min"`
	Max    int      `json:"max"`
	Labels []string `json:"labels,omitempty"`
}

// SLAs are stage deadlines. Their days are working days in the applicant's
// nation; their time part is elapsed time.
type SLAs struct {
	Eligibility   Duration `json:"eligibility"`
	Assessment    Duration `json:"assessment"`
	Panel         Duration `json:"panel"`
	QueryResponse Duration `json:"query_response"`
}

// Milestone is a step of a funded deployment. Verifying it draws down
// DrawdownShareBP basis points of the award.
type Milestone struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// DueAfter runs from offer acceptance; its days are calendar days.
	DueAfter         Duration `json:"due_after"`
	DrawdownShareBP  int      `json:"drawdown_share_bp"`
	EvidenceRequired []string `json:"evidence_required,omitempty"`
	// DocumentsRequired are the kinds of document the evidence must
	// include, such as {dpia, "Signed-off DPIA"}.
	DocumentsRequired []document.Requirement `json:"documents_required,omitempty"`
}

// Limits that keep a definition sane. The money ceiling is far above any
// prevention fund; it exists to catch a pounds-for-pence typo, not to set
// policy.
const (
	MaxTotalPence = 100_000_000_000 // £1bn
	maxAwards     = 1000
	maxNameLen    = 200
	maxTitleLen   = 200
	maxTextLen    = 10_000
	maxLabelLen   = 100
	maxRoutes     = 10
	maxCriteria   = 50
	maxMilestones = 50
	// maxDocumentsRequired keeps a milestone's list of kinds short enough
	// to read as a checklist.
	maxDocumentsRequired = 10
	maxWeight            = 1000
	maxScalePoint        = 100
	maxReviewers         = 10
	basisPointsFull      = 10_000
)

// PrefixRule is the shape of a reference prefix, which every reference
// (application.IsReference) starts with.
const PrefixRule = `[A-Z]{2,6}`

var (
	slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{2,63}$`)
	// Route, criterion and milestone ids appear in URLs and JSON keys, and
	// the seeded routes use underscores, so both separators are allowed.
	keyPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	prefixPattern = regexp.MustCompile(`^` + PrefixRule + `$`)
)

// Defaults fills what an admin may leave out and puts the window in UTC, the
// API's wire zone, so equal definitions compare and serialise equal.
func (d Definition) Defaults() Definition {
	set := func(p *Duration, iso string) {
		if p.IsZero() {
			*p = MustParseDuration(iso)
		}
	}
	d.ReferencePrefix = d.Prefix()
	if d.ReviewersPerApplication == 0 {
		d.ReviewersPerApplication = 2
	}
	set(&d.OfferAcceptanceWindow, "P14D")
	set(&d.ReminderBefore, "P2D")
	set(&d.SLAs.Eligibility, "P5D")
	set(&d.SLAs.Assessment, "P15D")
	set(&d.SLAs.Panel, "P10D")
	set(&d.SLAs.QueryResponse, "P10D")
	set(&d.Variations.DecideWithin, "P10D")
	d.OpensAt, d.ClosesAt, d.DeliveryEndsAt = d.OpensAt.UTC(), d.ClosesAt.UTC(), d.DeliveryEndsAt.UTC()
	d.SignOff = d.SignOff.Defaults()
	if d.Form != nil && d.Form.Version == 0 {
		// An admin writing a fund's first form need not number it.
		first := *d.Form
		first.Version = 1
		d.Form = &first
	}
	if d.Terms != nil && d.Terms.Version == 0 {
		// Nor its first terms.
		first := *d.Terms
		first.Version = 1
		d.Terms = &first
	}
	if d.Reporting != nil {
		r := *d.Reporting
		if r.EscalateAfter == 0 {
			r.EscalateAfter = 5
		}
		if len(r.RemindBefore) == 0 {
			r.RemindBefore = []int{10, 3}
		}
		d.Reporting = &r
	}
	return d
}

// Validate reports every problem with d at once, each against the JSON path
// of its field (criteria[1].weight), so a form can show them all together.
// Call it after Defaults: a missing optional field is a zero here.
func (d Definition) Validate() error {
	var v fundflow.Invalid
	if !slugPattern.MatchString(d.ID) {
		v.Add("id", "must be 3 to 64 lowercase letters, digits or hyphens, not starting with a hyphen")
	}
	v.Text("name", d.Name, maxNameLen, true)
	v.Text("sponsor", d.Sponsor, maxNameLen, true)
	v.Text("description", d.Description, maxTextLen, true)
	if !prefixPattern.MatchString(d.ReferencePrefix) {
		v.Add("reference_prefix", "must be 2 to 6 capital letters, such as PIF")
	}

	d.validateMoney(&v)
	d.validateEligibility(&v)

	if d.OpensAt.IsZero() {
		v.Add("opens_at", "is required")
	}
	if d.ClosesAt.IsZero() {
		v.Add("closes_at", "is required")
	} else if !d.OpensAt.IsZero() && !d.ClosesAt.After(d.OpensAt) {
		v.Add("closes_at", "must be after opens_at")
	}
	if !d.DeliveryEndsAt.IsZero() && !d.DeliveryEndsAt.After(d.ClosesAt) {
		v.Add("delivery_ends_at", "must be after closes_at")
	}

	count(&v, "deployment_routes", len(d.DeploymentRoutes), maxRoutes)
	unique(&v, "deployment_routes", ".id", len(d.DeploymentRoutes), func(i int) string { return d.DeploymentRoutes[i].ID })
	for i, r := range d.DeploymentRoutes {
		p := path("deployment_routes", i)
		key(&v, p+".id", r.ID)
		v.Text(p+".title", r.Title, maxTitleLen, true)
	}

	before := len(v)
	d.validateCriteria(&v)
	// The pass mark is only meaningful against criteria that are themselves
	// valid; otherwise the range below would be nonsense.
	if len(v) == before {
		lo, hi := d.scoreRange()
		if d.PassMark < lo || d.PassMark > hi {
			v.Add("pass_mark", "must be a weighted score between %d and %d (hundredths of a point)", lo, hi)
		}
	}

	if r := d.ReviewersPerApplication; r < 1 || r > maxReviewers {
		v.Add("reviewers_per_application", "must be between 1 and %d", maxReviewers)
	}

	positive(&v, "slas.eligibility", d.SLAs.Eligibility)
	positive(&v, "slas.assessment", d.SLAs.Assessment)
	positive(&v, "slas.panel", d.SLAs.Panel)
	positive(&v, "slas.query_response", d.SLAs.QueryResponse)
	positive(&v, "reminder_before", d.ReminderBefore)
	positive(&v, "offer_acceptance_window", d.OfferAcceptanceWindow)

	d.validateMilestones(&v)
	d.validateMeasures(&v)
	d.validatePartnership(&v)
	if d.Form != nil {
		if d.Form.Version < 1 {
			v.Add("form.version", "must be at least 1")
		}
		for _, fe := range d.Form.Problems() {
			v.Add("form."+fe.Field, "%s", fe.Message)
		}
	}
	if d.Terms != nil {
		if d.Terms.Version < 1 {
			v.Add("terms.version", "must be at least 1")
		}
		for _, fe := range d.Terms.Problems() {
			v.Add("terms."+fe.Field, "%s", fe.Message)
		}
	}
	d.validateReporting(&v)
	if p := d.Variations.ChairAbovePercent; p < 0 || p > 100 {
		v.Add("variations.chair_above_percent", "must be a percentage between 0 and 100")
	}
	return v.Err("the fund definition is invalid")
}

func (d Definition) validateMoney(v *fundflow.Invalid) {
	if d.TotalPence <= 0 || d.TotalPence > MaxTotalPence {
		v.Add("total_pence", "must be more than 0 and at most %d", int64(MaxTotalPence))
	}
	switch {
	case d.MaxAwardPence <= 0:
		v.Add("max_award_pence", "must be more than 0")
	case d.MaxAwardPence > d.TotalPence:
		v.Add("max_award_pence", "must not exceed total_pence")
	}
	// max_awards × max_award_pence may exceed the total: awards are often
	// smaller than the maximum, and the ledger never lets the total be
	// overspent whatever the count.
	if d.MaxAwards < 1 || d.MaxAwards > maxAwards {
		v.Add("max_awards", "must be between 1 and %d", maxAwards)
	}
}

func (d Definition) validateEligibility(v *fundflow.Invalid) {
	before := len(*v)
	count(v, "eligible_org_types", len(d.EligibleOrgTypes), len(orgTypeNations))
	unique(v, "eligible_org_types", "", len(d.EligibleOrgTypes), func(i int) string { return string(d.EligibleOrgTypes[i]) })
	for i, t := range d.EligibleOrgTypes {
		if nationOf(t) == "" {
			v.Add(path("eligible_org_types", i), "must be one of ICB, SCOTTISH_HEALTH_BOARD, WELSH_LOCAL_HEALTH_BOARD, NI_HSC_TRUST")
		}
	}
	count(v, "eligible_nations", len(d.EligibleNations), len(orgTypeNations))
	unique(v, "eligible_nations", "", len(d.EligibleNations), func(i int) string { return string(d.EligibleNations[i]) })
	for i, n := range d.EligibleNations {
		if !knownNation(n) {
			v.Add(path("eligible_nations", i), "must be one of England, Scotland, Wales, Northern Ireland")
		}
	}
	if len(*v) == before && !d.admitsSomeone() {
		v.Add("eligible_org_types", "none of these organisation types exists in an eligible nation")
	}
}

func (d Definition) admitsSomeone() bool {
	for _, t := range d.EligibleOrgTypes {
		if d.NationEligible(nationOf(t)) {
			return true
		}
	}
	return false
}

// OrgTypeEligible reports whether organisations of type t may apply.
func (d Definition) OrgTypeEligible(t OrgType) bool {
	for _, x := range d.EligibleOrgTypes {
		if x == t {
			return true
		}
	}
	return false
}

// NationEligible reports whether organisations in nation n may apply.
func (d Definition) NationEligible(n Nation) bool {
	for _, x := range d.EligibleNations {
		if x == n {
			return true
		}
	}
	return false
}

func nationOf(t OrgType) Nation {
	for _, x := range orgTypeNations {
		if x.orgType == t {
			return x.nation
		}
	}
	return ""
}

func knownNation(n Nation) bool {
	for _, x := range orgTypeNations {
		if x.nation == n {
			return true
		}
	}
	return false
}

func (d Definition) validateCriteria(v *fundflow.Invalid) {
	count(v, "criteria", len(d.Criteria), maxCriteria)
	unique(v, "criteria", ".id", len(d.Criteria), func(i int) string { return d.Criteria[i].ID })
	for i, c := range d.Criteria {
		p := path("criteria", i)
		key(v, p+".id", c.ID)
		v.Text(p+".title", c.Title, maxTitleLen, true)
		v.Text(p+".guidance", c.Guidance, maxTextLen, false)
		if c.Weight < 1 || c.Weight > maxWeight {
			v.Add(p+".weight", "must be between 1 and %d", maxWeight)
		}
		s := c.Scale
		switch {
		case s.Min < 0:
			v.Add(p+".scale.min", "must not be negative")
		case s.Max > maxScalePoint:
			v.Add(p+".scale.max", "must be at most %d", maxScalePoint)
		case s.Min >= s.Max:
			v.Add(p+".scale.max", "must be more than scale.min")
		case len(s.Labels) > 0 && len(s.Labels) != s.Max-s.Min+1:
			v.Add(p+".scale.labels", "must name every point from min to max (%d labels) or be empty", s.Max-s.Min+1)
		}
		for j, l := range s.Labels {
			v.Text(path(p+".scale.labels", j), l, maxLabelLen, true)
		}
	}
}

func (d Definition) validateMilestones(v *fundflow.Invalid) {
	count(v, "milestones", len(d.Milestones), maxMilestones)
	unique(v, "milestones", ".id", len(d.Milestones), func(i int) string { return d.Milestones[i].ID })
	sum := 0
	for i, m := range d.Milestones {
		p := path("milestones", i)
		key(v, p+".id", m.ID)
		v.Text(p+".title", m.Title, maxTitleLen, true)
		positive(v, p+".due_after", m.DueAfter)
		if m.DrawdownShareBP < 1 || m.DrawdownShareBP > basisPointsFull {
			v.Add(p+".drawdown_share_bp", "must be between 1 and %d basis points", basisPointsFull)
		}
		for j, e := range m.EvidenceRequired {
			v.Text(path(p+".evidence_required", j), e, maxTitleLen, true)
		}
		if len(m.DocumentsRequired) > maxDocumentsRequired {
			v.Add(p+".documents_required", "must have at most %d entries", maxDocumentsRequired)
		}
		unique(v, p+".documents_required", ".kind", len(m.DocumentsRequired), func(j int) string { return m.DocumentsRequired[j].Kind })
		for j, r := range m.DocumentsRequired {
			if !document.ValidKind(r.Kind) {
				v.Add(path(p+".documents_required", j)+".kind", document.KindRule)
			}
			v.Text(path(p+".documents_required", j)+".label", r.Label, maxTitleLen, true)
		}
		sum += m.DrawdownShareBP
	}
	if len(d.Milestones) > 0 && sum != basisPointsFull {
		v.Add("milestones", "drawdown shares must add up to exactly 10000 basis points, not %d", sum)
	}
}

// Milestone returns the template milestone with the given id.
func (d Definition) Milestone(id string) (Milestone, bool) {
	for _, m := range d.Milestones {
		if m.ID == id {
			return m, true
		}
	}
	return Milestone{}, false
}

// DocumentKinds are the kinds of document any milestone requires, each
// once, in template order: what an applicant may label a file as before
// it is tied to a milestone.
func (d Definition) DocumentKinds() []document.Requirement {
	var out []document.Requirement
	for _, m := range d.Milestones {
		for _, r := range m.DocumentsRequired {
			if !slices.ContainsFunc(out, func(x document.Requirement) bool { return x.Kind == r.Kind }) {
				out = append(out, r)
			}
		}
	}
	return out
}

// DrawdownSchedule splits an award across the milestones in template order.
// Each share is rounded down to whole pence and the last milestone takes
// what is left, so the schedule always adds up to the award exactly. d must
// be valid, so there is at least one milestone.
func (d Definition) DrawdownSchedule(awardPence int64) []int64 {
	out := make([]int64, len(d.Milestones))
	rest := awardPence
	for i, m := range d.Milestones[:len(d.Milestones)-1] {
		out[i] = awardPence * int64(m.DrawdownShareBP) / basisPointsFull
		rest -= out[i]
	}
	out[len(out)-1] = rest
	return out
}

// CriterionScore is one assessor's score against one criterion.
type CriterionScore struct {
	CriterionID string `json:"criterion_id"`
	Score       int    `json:"score"`
}

// WeightedScore combines one score per criterion into the figure the pass
// mark is compared with: the weight-averaged score in hundredths of a scale
// point, rounded half up,
//
//	⌊ (200 × Σ score×weight + Σ weight) / (2 × Σ weight) ⌋
//
// so scores 4 and 3 with weights 3 and 1 give 375 (3.75). Integer maths keeps
// the same scores giving the same result everywhere, which a float would not
// promise at a pass-mark boundary. Every criterion needs exactly one score.
// d must be valid.
func (d Definition) WeightedScore(scores []CriterionScore) (int, error) {
	var v fundflow.Invalid
	unique(&v, "scores", ".criterion_id", len(scores), func(i int) string { return scores[i].CriterionID })
	for i, s := range scores {
		c, ok := d.criterion(s.CriterionID)
		switch {
		case !ok:
			v.Add(path("scores", i)+".criterion_id", "is not a criterion of this fund")
		case s.Score < c.Scale.Min || s.Score > c.Scale.Max:
			v.Add(path("scores", i)+".score", "must be between %d and %d", c.Scale.Min, c.Scale.Max)
		}
	}
	scoreOf := func(c Criterion) int {
		return slices.IndexFunc(scores, func(s CriterionScore) bool { return s.CriterionID == c.ID })
	}
	for _, c := range d.Criteria {
		if scoreOf(c) < 0 {
			v.Add("scores", "criterion %q has no score", c.ID)
		}
	}
	if err := v.Err("the scores are invalid"); err != nil {
		return 0, err
	}
	return d.weighted(func(c Criterion) int { return scores[scoreOf(c)].Score }), nil
}

func (d Definition) criterion(id string) (Criterion, bool) {
	for _, c := range d.Criteria {
		if c.ID == id {
			return c, true
		}
	}
	return Criterion{}, false
}

// scoreRange is the lowest and highest weighted score the criteria allow.
func (d Definition) scoreRange() (lo, hi int) {
	return d.weighted(func(c Criterion) int { return c.Scale.Min }),
		d.weighted(func(c Criterion) int { return c.Scale.Max })
}

func (d Definition) weighted(score func(Criterion) int) int {
	var sum, weights int
	for _, c := range d.Criteria {
		sum += score(c) * c.Weight
		weights += c.Weight
	}
	return (200*sum + weights) / (2 * weights)
}

func path(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

func key(v *fundflow.Invalid, field, s string) {
	if !keyPattern.MatchString(s) {
		v.Add(field, "must be 1 to 64 lowercase letters, digits, hyphens or underscores, not starting with a separator")
	}
}

func count(v *fundflow.Invalid, field string, n, limit int) {
	if n < 1 || n > limit {
		v.Add(field, "must have between 1 and %d entries", limit)
	}
}

func positive(v *fundflow.Invalid, field string, d Duration) {
	if d.IsZero() {
		v.Add(field, "must be a positive ISO-8601 duration")
	}
}

// unique flags every repeat of an id after its first appearance, at
// field[i]+suffix. It is quadratic, which is nothing at these list sizes.
func unique(v *fundflow.Invalid, field, suffix string, n int, id func(int) string) {
	for i := range n {
		for j := range i {
			if id(i) == id(j) {
				v.Add(path(field, i)+suffix, "duplicates %s%s (%q)", path(field, j), suffix, id(i))
				break
			}
		}
	}
}
