package api

import (
	"net/http"

	"github.com/fundflow/fundflow/workflows"
)

type (
	acceptOfferBody struct {
		SignatoryName string `json:"signatory_name"`
		SignatoryRole string `json:"signatory_role"`
		TermsSHA256   string `json:"terms_sha256"`
		Declare       bool   `json:"declare"`
	}
	declineOfferBody struct {
		Reason string `json:"reason"`
	}
)

func (s *server) acceptOffer() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateAcceptOffer, func(c workflows.Command, b acceptOfferBody) any {
		return workflows.AcceptOfferRequest{Command: c, SignatoryName: b.SignatoryName, SignatoryRole: b.SignatoryRole, TermsSHA256: b.TermsSHA256, Declare: b.Declare}
	})
}

func (s *server) declineOffer() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateDeclineOffer, func(c workflows.Command, b declineOfferBody) any {
		return workflows.DeclineOfferRequest{Command: c, Reason: b.Reason}
	})
}
