package application

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/fund"
)

// Limits on what a reviewer writes, in characters; exported for the form.
const (
	// MinJustificationChars asks for at least a short sentence per score:
	// the rejection letter quotes the feedback, and a panel moderating
	// scores needs to see why each was given.
	MinJustificationChars   = 20
	MaxJustificationChars   = 2000
	MaxFeedbackChars        = 5000
	MaxInternalCommentChars = 5000
	MaxConflictNoteChars    = 2000
)

// Score is one reviewer's score against one criterion, with the reason.
type Score struct {
	CriterionID   string `json:"criterion_id"`
	Score         int    `json:"score"`
	Justification string `json:"justification"`
}

// Assessment is one reviewer's scoring of an application. Feedback is shown
// to the applicant; InternalComment never is.
type Assessment struct {
	ReviewerID      string    `json:"reviewer_id"`
	ReviewerName    string    `json:"reviewer_name"`
	Scores          []Score   `json:"scores"`
	Feedback        string    `json:"feedback"`
	InternalComment string    `json:"internal_comment"`
	SubmittedAt     time.Time `json:"submitted_at"`
}

func (a Assessment) criterionScores() []fund.CriterionScore {
	out := make([]fund.CriterionScore, len(a.Scores))
	for i, s := range a.Scores {
		out[i] = fund.CriterionScore{CriterionID: s.CriterionID, Score: s.Score}
	}
	return out
}

// ValidateAssessment reports every problem with a at once: exactly one
// score per criterion of def, each on its criterion's scale and justified,
// and feedback for the applicant. def must be valid.
func ValidateAssessment(a Assessment, def fund.Definition) error {
	var v fundflow.Invalid
	if strings.TrimSpace(a.ReviewerID) == "" {
		v.Add("reviewer_id", "is required")
	}
	// The fund owns what a complete, in-range set of scores is; its field
	// errors already use this body's paths (scores[1].score).
	if _, err := def.WeightedScore(a.criterionScores()); err != nil {
		var fe *fundflow.Error
		if !errors.As(err, &fe) {
			return err
		}
		v = append(v, fe.Fields...)
	}
	for i, s := range a.Scores {
		field := path("scores", i) + ".justification"
		switch n := utf8.RuneCountInString(strings.TrimSpace(s.Justification)); {
		case n < MinJustificationChars:
			v.Add(field, "must explain the score in at least %d characters", MinJustificationChars)
		case utf8.RuneCountInString(s.Justification) > MaxJustificationChars:
			v.Add(field, "must be at most %d characters", MaxJustificationChars)
		}
	}
	text(&v, "feedback", a.Feedback, MaxFeedbackChars, true)
	text(&v, "internal_comment", a.InternalComment, MaxInternalCommentChars, false)
	return v.Err("the assessment is invalid")
}

// Reviewer is someone who can be assigned to assess applications.
type Reviewer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Assignment records a reviewer being put on the panel.
type Assignment struct {
	Reviewer   Reviewer  `json:"reviewer"`
	AssignedAt time.Time `json:"assigned_at"`
}

// Conflict is a reviewer's declared conflict of interest with an
// organisation. It is about the organisation, not this application, so the
// caller should also keep it where other applications' assignments can see
// it, and pass it to ChooseReviewers as an exclusion.
type Conflict struct {
	Reviewer   Reviewer  `json:"reviewer"`
	OrgCode    string    `json:"org_code"`
	Note       string    `json:"note,omitempty"`
	DeclaredAt time.Time `json:"declared_at"`
}

// Panel is the reviewers assessing one application and everything they
// have done, kept in full: assignments, conflicts and every version of
// every assessment. Nothing is deleted; a reviewer who declares a conflict
// stops counting, and a rescoring counts instead of the earlier version.
type Panel struct {
	OrgCode string `json:"org_code"`
	// Size is how many reviewers must assess (the fund's
	// reviewers_per_application).
	Size        int          `json:"size"`
	Assignments []Assignment `json:"assignments"`
	Conflicts   []Conflict   `json:"conflicts,omitempty"`
	Assessments []Assessment `json:"assessments,omitempty"`
}

// NewPanel is an empty panel of size reviewers for orgCode's application.
func NewPanel(orgCode string, size int) Panel {
	return Panel{OrgCode: orgCode, Size: size}
}

func (p Panel) conflicted(id string) bool {
	return slices.ContainsFunc(p.Conflicts, func(c Conflict) bool { return c.Reviewer.ID == id })
}

func (p Panel) current(id string) bool {
	return !p.conflicted(id) && slices.ContainsFunc(p.Assignments, func(a Assignment) bool { return a.Reviewer.ID == id })
}

// Current lists the reviewers whose assessments count: assigned and not
// conflicted, in assignment order.
func (p Panel) Current() []Reviewer {
	var out []Reviewer
	for _, a := range p.Assignments {
		if !p.conflicted(a.Reviewer.ID) {
			out = append(out, a.Reviewer)
		}
	}
	return out
}

// Needed is how many more reviewers must be assigned.
func (p Panel) Needed() int { return max(0, p.Size-len(p.Current())) }

// Excluded lists the reviewers ChooseReviewers must not pick for this
// panel: those already on it and those who declared a conflict.
func (p Panel) Excluded() []string {
	var out []string
	for _, a := range p.Assignments {
		out = append(out, a.Reviewer.ID)
	}
	for _, c := range p.Conflicts {
		if !slices.Contains(out, c.Reviewer.ID) {
			out = append(out, c.Reviewer.ID)
		}
	}
	return out
}

// Assign puts r on the panel.
func (p *Panel) Assign(r Reviewer, at time.Time) error {
	switch {
	case strings.TrimSpace(r.ID) == "":
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "a reviewer needs an id to be assigned")
	case p.conflicted(r.ID):
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "reviewer %s has declared a conflict of interest with %s", r.ID, p.OrgCode)
	case p.current(r.ID):
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "reviewer %s is already assigned", r.ID)
	case p.Needed() == 0:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "the panel already has its %d reviewers", p.Size)
	}
	p.Assignments = append(p.Assignments, Assignment{Reviewer: r, AssignedAt: at.UTC()})
	return nil
}

// CheckDeclareConflict reports whether DeclareConflict would succeed,
// changing nothing.
func (p Panel) CheckDeclareConflict(r Reviewer, note string) error {
	var v fundflow.Invalid
	if strings.TrimSpace(r.ID) == "" {
		v.Add("reviewer_id", "is required")
	}
	text(&v, "note", note, MaxConflictNoteChars, false)
	return v.Err("the conflict declaration is invalid")
}

// DeclareConflict records that r has a conflict of interest with the
// panel's organisation. Any reviewer may declare one, assigned or not, so
// that they are never assigned later. replace reports that r was on the
// panel and has been taken off, so the caller must assign someone else;
// r's assessments stay in the history but no longer count. A conflict
// stays declared: declaring it again changes nothing.
func (p *Panel) DeclareConflict(r Reviewer, note string, at time.Time) (replace bool, err error) {
	if err := p.CheckDeclareConflict(r, note); err != nil {
		return false, err
	}
	if p.conflicted(r.ID) {
		return false, nil
	}
	replace = p.current(r.ID)
	p.Conflicts = append(p.Conflicts, Conflict{Reviewer: r, OrgCode: p.OrgCode, Note: note, DeclaredAt: at.UTC()})
	return replace, nil
}

// CheckSubmit reports whether Submit would succeed, changing nothing.
func (p Panel) CheckSubmit(a Assessment, def fund.Definition) error {
	switch {
	case p.conflicted(a.ReviewerID):
		return fundflow.Errorf(fundflow.EFORBIDDEN, "reviewer %s has declared a conflict of interest with this organisation", a.ReviewerID)
	case a.ReviewerID != "" && !p.current(a.ReviewerID):
		return fundflow.Errorf(fundflow.EFORBIDDEN, "reviewer %s is not assigned to this application", a.ReviewerID)
	}
	return ValidateAssessment(a, def)
}

// Submit records an assessment by an assigned reviewer. A reviewer who
// submits again rescores: the new version counts and the old stays in the
// history.
func (p *Panel) Submit(a Assessment, def fund.Definition) error {
	if err := p.CheckSubmit(a, def); err != nil {
		return err
	}
	a.Scores = slices.Clone(a.Scores)
	a.SubmittedAt = a.SubmittedAt.UTC()
	p.Assessments = append(p.Assessments, a)
	return nil
}

// Latest is the assessment that counts for each current reviewer who has
// submitted one, in assignment order.
func (p Panel) Latest() []Assessment {
	var out []Assessment
	for _, r := range p.Current() {
		for i := len(p.Assessments) - 1; i >= 0; i-- {
			if p.Assessments[i].ReviewerID == r.ID {
				out = append(out, p.Assessments[i])
				break
			}
		}
	}
	return out
}

// Complete reports whether the panel is full and every current reviewer
// has submitted. A full panel is part of it: while a conflicted reviewer
// awaits replacement, everyone left may have scored, yet the panel is not
// done.
func (p Panel) Complete() bool {
	return p.Size > 0 && p.Needed() == 0 && len(p.Latest()) == len(p.Current())
}

// WeightedTotal is the application's score against the pass mark: the mean
// of each current reviewer's fund.Definition.WeightedScore, in hundredths of
// a scale point, rounded half up,
//
//	⌊ (2 × Σ score + n) / (2n) ⌋
//
// so reviewer scores 375 and 350 give 363. Averaging the per-reviewer
// figures, rather than every raw score, keeps the total checkable from the
// numbers the panel sees. It needs a complete panel.
func (p Panel) WeightedTotal(def fund.Definition) (int, error) {
	if !p.Complete() {
		return 0, fundflow.Errorf(fundflow.EINVALIDSTATE, "the assessments are not complete")
	}
	latest := p.Latest()
	sum := 0
	for _, a := range latest {
		s, err := def.WeightedScore(a.criterionScores())
		if err != nil {
			return 0, err
		}
		sum += s
	}
	n := len(latest)
	return (2*sum + n) / (2 * n), nil
}

// ChooseReviewers picks n reviewers from pool for a new assignment, never
// one in excluded: the least loaded first (load counts each reviewer's open
// assignments; missing means none), ties going to the lower id, so equal
// inputs always give the same panel and work spreads evenly. A reviewer
// listed twice in pool counts once. Fewer than n eligible reviewers is an
// invalid_state error, since the application cannot proceed until someone
// adds reviewers or clears a conflict.
func ChooseReviewers(pool []Reviewer, load map[string]int, excluded []string, n int) ([]Reviewer, error) {
	var eligible []Reviewer
	for _, r := range pool {
		if !slices.Contains(excluded, r.ID) &&
			!slices.ContainsFunc(eligible, func(e Reviewer) bool { return e.ID == r.ID }) {
			eligible = append(eligible, r)
		}
	}
	if len(eligible) < n {
		return nil, fundflow.Errorf(fundflow.EINVALIDSTATE,
			"%d reviewers are needed but only %d are available without a conflict of interest or an existing assignment",
			n, len(eligible))
	}
	slices.SortFunc(eligible, func(a, b Reviewer) int {
		return cmp.Or(cmp.Compare(load[a.ID], load[b.ID]), cmp.Compare(a.ID, b.ID))
	})
	return eligible[:max(n, 0)], nil
}
