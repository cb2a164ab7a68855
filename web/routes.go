package web

import "net/http"

// routes is every page in one place. Anything not matched here (the JSON
// API under /v1, health checks, /openapi.json) passes through to the API.
func (s *server) routes() {
	r := s.router
	get, post := http.MethodGet, http.MethodPost
	page := func(path string, h http.HandlerFunc, method string) { r.Handle(path, s.signedIn(h)).Methods(method) }

	r.HandleFunc("/", s.home).Methods(get)
	r.PathPrefix("/assets/").Handler(assets()).Methods(get)
	r.HandleFunc("/sign-in", s.signInForm).Methods(get)
	r.HandleFunc("/sign-in", s.signIn).Methods(post)
	if s.signin != nil {
		r.HandleFunc("/sign-in/{issuer}", s.startSignIn).Methods(get)
		r.HandleFunc("/sign-in/{issuer}/callback", s.finishSignIn).Methods(get)
	}
	page("/sign-out", s.signOut, post)
	page("/events", s.events, get)
	page("/letters/{ref}", s.letter, get)
	page("/notifications", s.notifications, get)
	page("/notifications/{id}/read", s.readNotification, post)
	page("/notifications/preferences", s.setPreference, post)
	page("/applications/{id}/documents/{document_id}", s.document, get)
	r.Handle("/applications/{id}/documents", s.signedIn(s.uploadDocument)).Methods(post).Name(uploadRoute)
	page("/applications/{id}/documents/{document_id}/remove", s.removeDocument, post)

	// Applicants, and every role's list of applications.
	page("/applications", s.applications, get)
	page("/applications", s.startApplication, post)
	page("/applications/{id}", s.application, get)
	page("/applications/{id}/sections/{section}", s.section, get)
	page("/applications/{id}/sections/{section}", s.saveSection, post)
	page("/applications/{id}/check", s.checkAnswers, get)
	page("/applications/{id}/submit", s.submit, post)
	page("/applications/{id}/withdraw", s.withdrawForm, get)
	page("/applications/{id}/withdraw", s.withdraw, post)
	page("/applications/{id}/queries/{query_id}/answer", s.answerQuery, post)
	page("/applications/{id}/offer", s.offer, get)
	page("/applications/{id}/offer/accept", s.acceptOffer, post)
	page("/applications/{id}/offer/decline", s.declineOffer, post)
	page("/applications/{id}/milestones/{milestone_id}/evidence", s.evidenceForm, get)
	page("/applications/{id}/milestones/{milestone_id}/evidence", s.submitEvidence, post)
	page("/applications/{id}/milestones/{milestone_id}/extension", s.extensionForm, get)
	page("/applications/{id}/milestones/{milestone_id}/extension", s.requestExtension, post)

	// After the award, for whoever may open it: its change requests and
	// monitoring returns, each page offering the forms the API allows the
	// signed-in person, from asking for a change or sending a return to
	// deciding or reviewing one.
	page("/applications/{id}/changes/new", s.changeForm, get)
	page("/applications/{id}/changes/new", s.requestChange, post)
	page("/applications/{id}/changes/{change_id}", s.change, get)
	page("/applications/{id}/changes/{change_id}/decision", s.decideChange, post)
	page("/applications/{id}/changes/{change_id}/withdraw", s.withdrawChange, post)
	page("/applications/{id}/returns/{return_id}", s.returnForm, get)
	page("/applications/{id}/returns/{return_id}", s.submitReturn, post)
	page("/applications/{id}/returns/{return_id}/sign-off", s.signOffReturn, post)
	page("/applications/{id}/returns/{return_id}/review", s.reviewReturn, post)

	// A partnership bid: its partners, its team and its notes, an
	// invitation onto it, and its certifier's sign-off.
	page("/applications/{id}/partners", s.partners, get)
	page("/applications/{id}/partners", s.addPartner, post)
	page("/applications/{id}/partners/{partner_id}", s.partnerForm, get)
	page("/applications/{id}/partners/{partner_id}", s.changePartner, post)
	page("/applications/{id}/partners/{partner_id}/remove", s.removePartnerForm, get)
	page("/applications/{id}/partners/{partner_id}/remove", s.removePartner, post)
	page("/applications/{id}/team", s.team, get)
	page("/applications/{id}/team", s.invite, post)
	page("/applications/{id}/team/{member_id}", s.memberForm, get)
	page("/applications/{id}/team/{member_id}", s.changeMember, post)
	page("/applications/{id}/team/{member_id}/remove", s.removeMemberForm, get)
	page("/applications/{id}/team/{member_id}/remove", s.removeMember, post)
	page("/applications/{id}/comments", s.addNote, post)
	page("/applications/{id}/invitation", s.invitation, get)
	page("/applications/{id}/invitation/accept", s.acceptInvitation, post)
	page("/applications/{id}/sign-off", s.signOffForm, get)
	page("/applications/{id}/sign-off", s.signOff, post)
	page("/applications/{id}/sign-off/send-back", s.sendBack, post)

	// Reviewers and the panel chair.
	page("/reviews", s.reviewQueue, get)
	page("/applications/{id}/eligibility", s.decideEligibility, post)
	page("/applications/{id}/conflicts", s.declareConflict, post)
	page("/applications/{id}/assessment", s.assessmentForm, get)
	page("/applications/{id}/assessment", s.submitAssessment, post)
	page("/applications/{id}/queries", s.raiseQuery, post)
	page("/panel", s.panel, get)
	page("/applications/{id}/decision", s.decide, post)

	// Programme managers and admins.
	page("/programme", s.programme, get)
	page("/programme/deployments.csv", s.deploymentsCSV, get)
	page("/programme/outcomes.pdf", s.outcomesPDF, get)
	page("/applications/{id}/milestones/{milestone_id}/verify", s.verifyMilestone, post)
	page("/applications/{id}/milestones/{milestone_id}/extension/decision", s.decideExtension, post)
	page("/applications/{id}/terminate", s.terminate, post)
	page("/funds", s.funds, get)
	page("/funds/new", s.newFundForm, get)
	page("/funds", s.createFund, post)
	page("/funds/import", s.importFundForm, get)
	page("/funds/import", s.importFund, post)
	page("/funds/{fund_id}", s.fund, get)
	page("/funds/{fund_id}/form", s.fundForm, get)
	page("/funds/{fund_id}/form", s.publishForm, post)
	page("/funds/{fund_id}/open", s.openFund, post)
	page("/funds/{fund_id}/close", s.closeFund, post)

	// Admins: the directory of people, reviewer pools, tokens and audit.
	page("/admin/users", s.users, get)
	page("/admin/users", s.inviteUser, post)
	page("/admin/users/{user_id}", s.user, get)
	page("/admin/users/{user_id}/roles", s.setRoles, post)
	page("/admin/users/{user_id}/deactivate", s.deactivateUser, post)
	page("/admin/users/{user_id}/reactivate", s.reactivateUser, post)
	page("/funds/{fund_id}/reviewers", s.reviewers, get)
	page("/funds/{fund_id}/reviewers", s.setReviewers, post)
	r.Handle("/admin/organisations/{ods_code}/certifiers", s.signedIn(s.certifiers)).Methods(get, post)
	page("/admin/tokens", s.tokens, get)
	page("/admin/tokens/{token_id}/revoke", s.revokeToken, post)
	page("/admin/audit", s.audit, get)
}
