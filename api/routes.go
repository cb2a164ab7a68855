package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/workflows"
)

// routes is the whole HTTP surface in one place.
func (s *server) routes() {
	r := s.router
	r.Use(s.observe)
	r.NotFoundHandler = s.observe(http.HandlerFunc(s.notFound))
	r.MethodNotAllowedHandler = s.observe(http.HandlerFunc(s.methodNotAllowed))

	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet)
	r.Handle("/metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{})).Methods(http.MethodGet)
	r.HandleFunc("/openapi.json", s.openAPI).Methods(http.MethodGet)

	// Checking a letter is public, for whoever holds one; it is registered
	// before the authenticated /v1 subrouter so that router never sees it.
	r.Handle("/v1/letters/{ref}/verify", s.limitByAddress(s.VerifyRateLimit, http.HandlerFunc(s.verifyLetter))).Methods(http.MethodGet)

	v1 := r.PathPrefix("/v1").Subrouter()
	v1.Use(s.authenticate, validPathIDs, s.rateLimit, s.byReference, s.idempotent)
	v1.Handle("/me", s.allow(s.me, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/me/notifications", s.allow(s.myNotifications, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/me/notifications/{id}/read", s.allow(s.readNotification, anyRole...)).Methods(http.MethodPost)
	v1.Handle("/me/notification-preferences", s.allow(s.myPreference, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/me/notification-preferences", s.allow(s.setMyPreference, anyRole...)).Methods(http.MethodPut)
	v1.Handle("/organisations", s.allow(s.listOrganisations, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/organisations/{ods_code}", s.allow(s.getOrganisation, anyRole...)).Methods(http.MethodGet)

	v1.Handle("/funds", s.allow(s.listFunds, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/funds", s.allow(s.createFund, fundflow.RoleAdmin)).Methods(http.MethodPost)
	v1.Handle("/funds/{fund_id}", s.allow(s.getFund, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/funds/{fund_id}/form", s.allow(s.getFundForm, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/funds/{fund_id}/form", s.allow(s.putFundForm, fundflow.RoleAdmin)).Methods(http.MethodPut)
	v1.Handle("/funds/{fund_id}/terms", s.allow(s.getFundTerms, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/funds/{fund_id}/terms", s.allow(s.putFundTerms, fundflow.RoleAdmin)).Methods(http.MethodPut)
	v1.Handle("/funds/{fund_id}/open", s.allow(s.fundLifecycle(workflows.UpdateOpen), fundflow.RoleAdmin)).Methods(http.MethodPost)
	v1.Handle("/funds/{fund_id}/close", s.allow(s.fundLifecycle(workflows.UpdateClose), fundflow.RoleAdmin)).Methods(http.MethodPost)
	applicant, reviewer, chair := fundflow.RoleApplicant, fundflow.RoleReviewer, fundflow.RolePanelChair
	v1.Handle("/applications", s.allow(s.createApplication, applicant)).Methods(http.MethodPost)
	v1.Handle("/events", s.allow(s.events, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/applications", s.allow(s.listApplications, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/applications/{id}", s.allow(s.getApplication, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/applications/{id}", s.allow(s.patchApplication(), applicant, fundflow.RoleCoApplicant)).Methods(http.MethodPatch)
	v1.Handle("/applications/{id}/timeline", s.allow(s.applicationTimeline, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/applications/{id}/submit", s.allow(s.submitApplication(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/withdraw", s.allow(s.withdrawApplication(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/eligibility", s.allow(s.decideEligibility(), reviewer)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/conflicts", s.allow(s.declareConflict(), reviewer)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/assessments", s.allow(s.submitAssessment(), reviewer)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/queries", s.allow(s.raiseQuery(), reviewer, chair)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/queries/{query_id}/answer", s.allow(s.answerQuery(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/decision", s.allow(s.decidePanel(), chair)).Methods(http.MethodPost)
	v1.Handle("/reviews", s.allow(s.listReviews, reviewer)).Methods(http.MethodGet)

	team := []fundflow.Role{applicant, fundflow.RoleCoApplicant}
	v1.Handle("/applications/{id}/partners", s.allow(s.setPartners(), team...)).Methods(http.MethodPut)
	v1.Handle("/applications/{id}/co-applicants", s.allow(s.inviteCoApplicant(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/co-applicants/{member_id}", s.allow(s.changeCoApplicant(false), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/co-applicants/{member_id}/remove", s.allow(s.changeCoApplicant(true), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/invitation/accept", s.allow(s.acceptInvitation(), team...)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/comments", s.allow(s.addComment(), team...)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/sign-off", s.allow(s.signOff(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/sign-off/send-back", s.allow(s.sendBack(), applicant)).Methods(http.MethodPost)

	v1.Handle("/funds/{fund_id}/panel", s.allow(s.panelRanking, chair, fundflow.RoleAdmin)).Methods(http.MethodGet)
	pm := fundflow.RoleProgrammeManager
	v1.Handle("/applications/{id}/offer/accept", s.allow(s.acceptOffer(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/offer/decline", s.allow(s.declineOffer(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/letters", s.allow(s.listLetters, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/letters/{ref}", s.allow(s.getLetter, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/applications/{id}/documents", s.allow(s.uploadDocument, applicant)).Methods(http.MethodPost).Name(uploadRoute)
	v1.Handle("/applications/{id}/documents", s.allow(s.listDocuments, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/applications/{id}/documents/{document_id}", s.allow(s.getDocument, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/applications/{id}/documents/{document_id}", s.allow(s.removeDocument(), applicant)).Methods(http.MethodDelete)
	v1.Handle("/applications/{id}/milestones", s.allow(s.listMilestones, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/applications/{id}/milestones/{milestone_id}/evidence", s.allow(s.submitEvidence(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/milestones/{milestone_id}/verify", s.allow(s.verifyMilestone(), pm)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/milestones/{milestone_id}/extension", s.allow(s.requestExtension(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/milestones/{milestone_id}/extension/decision", s.allow(s.decideExtension(), pm)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/terminate", s.allow(s.terminateAward(), pm)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/agreement", s.allow(s.getAgreement, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/applications/{id}/change-requests", s.allow(s.listChangeRequests, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/applications/{id}/change-requests", s.allow(s.requestChange(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/change-requests/{change_id}/decision", s.allow(s.decideChange(), pm, chair)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/change-requests/{change_id}/withdraw", s.allow(s.withdrawChange(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/returns", s.allow(s.listReturns, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/applications/{id}/returns/{return_id}", s.allow(s.submitReturn(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/returns/{return_id}/sign-off", s.allow(s.signOffReturn(), applicant)).Methods(http.MethodPost)
	v1.Handle("/applications/{id}/returns/{return_id}/review", s.allow(s.reviewReturn(), pm)).Methods(http.MethodPost)
	v1.Handle("/programme/deployments", s.allow(s.listDeployments, pm, fundflow.RoleAdmin)).Methods(http.MethodGet)
	v1.Handle("/programme/deployments.csv", s.allow(s.deploymentsCSV, pm, fundflow.RoleAdmin)).Methods(http.MethodGet)

	admin := fundflow.RoleAdmin
	v1.Handle("/users", s.allow(s.listUsers, admin)).Methods(http.MethodGet)
	v1.Handle("/users", s.allow(s.inviteUser, admin)).Methods(http.MethodPost)
	v1.Handle("/users/{user_id}/roles", s.allow(s.setRoles, admin)).Methods(http.MethodPost)
	v1.Handle("/users/{user_id}/deactivate", s.allow(s.setUserActive(false), admin)).Methods(http.MethodPost)
	v1.Handle("/users/{user_id}/reactivate", s.allow(s.setUserActive(true), admin)).Methods(http.MethodPost)
	v1.Handle("/funds/{fund_id}/reviewers", s.allow(s.getPool, admin)).Methods(http.MethodGet)
	v1.Handle("/funds/{fund_id}/reviewers", s.allow(s.setPool, admin)).Methods(http.MethodPut)
	v1.Handle("/organisations/{ods_code}/certifiers", s.allow(s.listCertifiers, admin, applicant)).Methods(http.MethodGet)
	v1.Handle("/organisations/{ods_code}/certifiers", s.allow(s.setCertifiers, admin)).Methods(http.MethodPut)
	v1.Handle("/tokens", s.allow(s.listTokens, admin)).Methods(http.MethodGet)
	v1.Handle("/tokens", s.allow(s.createToken, admin)).Methods(http.MethodPost)
	v1.Handle("/tokens/{token_id}/revoke", s.allow(s.revokeToken, admin)).Methods(http.MethodPost)
	v1.Handle("/directory/audit", s.allow(s.directoryAudit, admin)).Methods(http.MethodGet)

	outcomeRoles := []fundflow.Role{fundflow.RolePanelChair, fundflow.RoleProgrammeManager, fundflow.RoleAdmin}
	v1.Handle("/funds/{fund_id}/outcomes", s.allow(s.getOutcomes, outcomeRoles...)).Methods(http.MethodGet)
	v1.Handle("/funds/{fund_id}/outcomes.csv", s.allow(s.outcomesCSV, outcomeRoles...)).Methods(http.MethodGet)
	v1.Handle("/funds/{fund_id}/outcomes.pdf", s.allow(s.outcomesPDF, outcomeRoles...)).Methods(http.MethodGet)

	v1.Handle("/funds/{fund_id}/ledger", s.allow(s.ledger, fundflow.RolePanelChair, fundflow.RoleProgrammeManager, fundflow.RoleAdmin)).Methods(http.MethodGet)
}
