package api

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/workflows"
)

type (
	evidenceBody struct {
		Summary  string           `json:"summary"`
		Metrics  map[string]int64 `json:"metrics"`
		Outcomes []fund.Figure    `json:"outcomes"`
		Links    []string         `json:"links"`
		// Documents are ids of documents attached to the application.
		Documents []string `json:"documents"`
	}
	verifyMilestoneBody struct {
		Decision workflows.MilestoneDecision `json:"decision"`
		Note     string                      `json:"note"`
	}
	extensionBody struct {
		NewDueAt time.Time `json:"new_due_at"`
		Reason   string    `json:"reason"`
	}
	extensionDecisionBody struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note"`
	}
	terminateBody struct {
		Reason string `json:"reason"`
	}
)

// listMilestones is the award's milestones, as the application's GET shows
// them and under the same access rule.
func (s *server) listMilestones(w http.ResponseWriter, r *http.Request) {
	v, err := s.applicationView(r, mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v.Milestones)
}

// itemCommand is applicationCommand for an Update about one item of the
// application (a milestone, change request or return) whose id is the path
// variable param.
func itemCommand[B any](s *server, update, param string, build func(workflows.Command, string, B) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := mux.Vars(r)[param]
		applicationCommand(s, update, func(c workflows.Command, b B) any { return build(c, id, b) })(w, r)
	}
}

func (s *server) submitEvidence() http.HandlerFunc {
	return itemCommand(s, workflows.UpdateSubmitEvidence, "milestone_id", func(c workflows.Command, id string, b evidenceBody) any {
		return workflows.SubmitEvidenceRequest{Command: c, MilestoneID: id, Summary: b.Summary, Metrics: b.Metrics, Outcomes: b.Outcomes, Links: b.Links, Documents: b.Documents}
	})
}

func (s *server) verifyMilestone() http.HandlerFunc {
	return itemCommand(s, workflows.UpdateVerifyMilestone, "milestone_id", func(c workflows.Command, id string, b verifyMilestoneBody) any {
		return workflows.VerifyMilestoneRequest{Command: c, MilestoneID: id, Decision: b.Decision, Note: b.Note}
	})
}

func (s *server) requestExtension() http.HandlerFunc {
	return itemCommand(s, workflows.UpdateRequestExtension, "milestone_id", func(c workflows.Command, id string, b extensionBody) any {
		return workflows.RequestExtensionRequest{Command: c, MilestoneID: id, NewDueAt: b.NewDueAt, Reason: b.Reason}
	})
}

func (s *server) decideExtension() http.HandlerFunc {
	return itemCommand(s, workflows.UpdateDecideExtension, "milestone_id", func(c workflows.Command, id string, b extensionDecisionBody) any {
		return workflows.DecideExtensionRequest{Command: c, MilestoneID: id, Approve: b.Approve, Note: b.Note}
	})
}

func (s *server) terminateAward() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateTerminate, func(c workflows.Command, b terminateBody) any {
		return workflows.TerminateRequest{Command: c, Reason: b.Reason}
	})
}
