package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	appform "github.com/fundflow/fundflow/internal/form"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/internal/partner"
	"github.com/fundflow/fundflow/workflows"
)

// After the award: the grant agreement, change requests and monitoring
// returns, all Updates to the award's workflow; and the fund's terms.

type (
	changeRequestBody struct {
		Reason     string                      `json:"reason"`
		Milestones []workflows.MilestoneChange `json:"milestones"`
		AwardPence int64                       `json:"award_pence"`
		Partners   *[]partner.Partner          `json:"partners"`
		SRO        *application.SRO            `json:"sro"`
		Documents  []string                    `json:"documents"`
	}
	changeDecisionBody struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note"`
	}
	changeWithdrawalBody struct {
		Reason string `json:"reason"`
	}
	returnBody struct {
		Answers  appform.Answers `json:"answers"`
		Outcomes []fund.Figure   `json:"outcomes"`
	}
	returnSignOffBody struct {
		Declare bool `json:"declare"`
	}
	returnReviewBody struct {
		Decision workflows.MilestoneDecision `json:"decision"`
		Note     string                      `json:"note"`
	}
)

// getAgreement is the grant agreement an offer was made on: the terms to
// read before signing, and the signature once given.
func (s *server) getAgreement(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	v, err := s.applicationView(r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if v.Agreement == nil {
		s.writeError(w, r, fundflow.Errorf(fundflow.ENOTFOUND, "application %s has no grant agreement: it has no offer made on the fund's terms", id))
		return
	}
	writeJSON(w, http.StatusOK, v.Agreement)
}

func (s *server) listChangeRequests(w http.ResponseWriter, r *http.Request) {
	v, err := s.applicationView(r, mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v.ChangeRequests)
}

// requestChange checks new partners against the registry, as setting
// partners does, before the award's workflow judges the rest.
func (s *server) requestChange() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body changeRequestBody
		cmd, id, ok := s.readApplicationCommand(w, r, &body)
		if !ok {
			return
		}
		if body.Partners != nil {
			v, err := s.queryView(r, id)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			award := v.AwardedPence
			if body.AwardPence > 0 {
				award = body.AwardPence
			}
			ps, problems := partner.Check(*body.Partners, v.OrgCode, award, s.Orgs, organisation.DateOf(s.Now()))
			if err := problems.Err("the change request is invalid"); err != nil {
				s.writeError(w, r, err)
				return
			}
			body.Partners = &ps
		}
		s.commandAnswer(w, r, id, workflows.UpdateRequestChange, cmd.Key, workflows.RequestChangeRequest{
			Command: cmd, Reason: body.Reason, Milestones: body.Milestones, AwardPence: body.AwardPence,
			Partners: body.Partners, SRO: body.SRO, Documents: body.Documents,
		})
	}
}

func (s *server) decideChange() http.HandlerFunc {
	return itemCommand(s, workflows.UpdateDecideChange, "change_id", func(c workflows.Command, id string, b changeDecisionBody) any {
		return workflows.DecideChangeRequest{Command: c, ChangeID: id, Approve: b.Approve, Note: b.Note}
	})
}

func (s *server) withdrawChange() http.HandlerFunc {
	return itemCommand(s, workflows.UpdateWithdrawChange, "change_id", func(c workflows.Command, id string, b changeWithdrawalBody) any {
		return workflows.WithdrawChangeRequest{Command: c, ChangeID: id, Reason: b.Reason}
	})
}

func (s *server) listReturns(w http.ResponseWriter, r *http.Request) {
	v, err := s.applicationView(r, mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v.Returns)
}

func (s *server) submitReturn() http.HandlerFunc {
	return itemCommand(s, workflows.UpdateSubmitReturn, "return_id", func(c workflows.Command, id string, b returnBody) any {
		return workflows.SubmitReturnRequest{Command: c, ReturnID: id, Answers: b.Answers, Outcomes: b.Outcomes}
	})
}

func (s *server) signOffReturn() http.HandlerFunc {
	return itemCommand(s, workflows.UpdateSignOffReturn, "return_id", func(c workflows.Command, id string, b returnSignOffBody) any {
		return workflows.SignOffReturnRequest{Command: c, ReturnID: id, Declare: b.Declare}
	})
}

func (s *server) reviewReturn() http.HandlerFunc {
	return itemCommand(s, workflows.UpdateReviewReturn, "return_id", func(c workflows.Command, id string, b returnReviewBody) any {
		return workflows.ReviewReturnRequest{Command: c, ReturnID: id, Decision: b.Decision, Note: b.Note}
	})
}

// getFundTerms answers GET /v1/funds/{fund_id}/terms[?version=N]: the
// current terms, or a version an offer pinned.
func (s *server) getFundTerms(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["fund_id"]
	n, err := versionParam(r, "terms")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.fundView(r, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	var v workflows.TermsView
	if err := s.query(r.Context(), workflows.FundWorkflowID(id), workflows.QueryTerms, &v, n); err != nil {
		s.writeError(w, r, orNotFound(err, "no fund %q", id))
		return
	}
	if v.Version == 0 {
		s.writeError(w, r, fundflow.Errorf(fundflow.ENOTFOUND, "fund %s has no terms version %d", id, n))
		return
	}
	writeJSON(w, http.StatusOK, termsJSON(v))
}

// putFundTerms publishes the fund's terms: a draft fund's are replaced, an
// open fund gets the next version, which offers made from then on pin.
func (s *server) putFundTerms(w http.ResponseWriter, r *http.Request) {
	var body fund.Terms
	cmd, err := readCommand(w, r, &body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if r.ContentLength == 0 {
		s.writeError(w, r, fundflow.Errorf(fundflow.EMALFORMED, "the body is empty; send the terms as a JSON object"))
		return
	}
	id := mux.Vars(r)["fund_id"]
	var v workflows.TermsView
	if err := s.update(r.Context(), workflows.FundWorkflowID(id), workflows.UpdatePublishTerms, cmd.Key,
		workflows.PublishTermsRequest{Command: cmd, Terms: body}, &v); err != nil {
		s.writeError(w, r, orNotFound(err, "no fund %q", id))
		return
	}
	writeJSON(w, http.StatusOK, termsJSON(v))
}

// termsJSON adds the SHA-256 a signature records, so a client can show it
// and send it back when signing.
func termsJSON(v workflows.TermsView) termsResponse {
	return termsResponse{Terms: v.Terms, SHA256: v.Terms.Hash()}
}

type termsResponse struct {
	fund.Terms
	SHA256 string `json:"sha256"`
}
