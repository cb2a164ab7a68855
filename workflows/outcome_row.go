package workflows

import (
	"slices"
	"time"

	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/outcome"
)

// panelTargets are the targets the panel sees beside the score: only while
// the application awaits it, so other lists' rows stay small.
func panelTargets(v ApplicationView) []fund.Target {
	if v.Status != application.StatusPanel {
		return nil
	}
	return v.Content.Targets
}

// awardOutcome is what the outcome roll-up needs of an award, projected with
// its row: plan, routes, targets, credit drawn and the figures of verified
// milestones (submitted evidence is not yet a result). Applications that
// were never taken up have none.
func awardOutcome(v ApplicationView) *outcome.Award {
	switch v.Status {
	case application.StatusInDeployment, application.StatusCompleted, application.StatusTerminated:
	default:
		return nil
	}
	a := &outcome.Award{ApplicationID: v.ID, Reference: v.Reference, OrgCode: v.OrgCode, OrgName: v.OrgName,
		Routes: v.Content.DeploymentRoutes, PlannedReach: v.Content.PlannedReach, DrawnPence: v.DrawnPence,
		Targets: v.Content.Targets}
	// Verified milestones and accepted returns report alike, in the order
	// their figures came in, so the latest figure is the newest.
	type dated struct {
		at time.Time
		r  outcome.Report
	}
	var reports []dated
	for _, m := range v.Milestones {
		if m.Status == MilestoneVerified && m.Evidence != nil && len(m.Evidence.Outcomes) > 0 {
			reports = append(reports, dated{m.Evidence.At, outcome.Report{Milestone: m.ID, Figures: m.Evidence.Outcomes}})
		}
	}
	for _, r := range v.Returns {
		if r.Status == ReturnAccepted && r.Submission != nil && len(r.Submission.Outcomes) > 0 {
			reports = append(reports, dated{r.Submission.At, outcome.Report{Milestone: r.ID, Figures: r.Submission.Outcomes}})
		}
	}
	slices.SortStableFunc(reports, func(x, y dated) int { return x.at.Compare(y.at) })
	for _, d := range reports {
		a.Reports = append(a.Reports, d.r)
	}
	return a
}
