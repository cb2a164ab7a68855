package web

import (
	"net/http"
	"slices"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/web/apiclient"
)

// signOffPage is the whole bid as a certifier signs it off: its answers
// and partners read-only, the fund's declaration, and the forms to sign it
// off or send it back.
type signOffPage struct {
	applicantApp
	Answers []answerGroup
	// Hash is the SHA-256 of the answers as this page shows them; the
	// sign-off sends it back, so it signs exactly what was read.
	Hash     string
	Declared bool
	Reason   string
	// SendBackKey is the send-back form's own Idempotency-Key.
	SendBackKey string
}

func (s *server) signOffForm(w http.ResponseWriter, r *http.Request) {
	s.renderSignOff(w, r, http.StatusOK, nil)
}

func (s *server) renderSignOff(w http.ResponseWriter, r *http.Request, status int, errs []fieldError) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !p.App.SignOff.Required {
		s.renderError(w, r, http.StatusNotFound, "Page not found", "This fund does not ask for bids to be signed off.")
		return
	}
	s.render(w, r, status, "applicant/sign-off", view{Title: "Sign off the bid", Errors: errs, Data: signOffPage{
		applicantApp: p, Answers: p.answerGroups(), Hash: p.App.SignOff.AnswersSha256,
		Declared: r.PostFormValue("declare") == "true", Reason: r.PostFormValue("reason"), SendBackKey: newKey(),
	}})
}

func (s *server) signOff(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := s.api.SignOffWithResponse(r.Context(), id, nil, apiclient.SignOffJSONRequestBody{
		AnswersSha256: r.PostFormValue("answers_sha256"), Declare: r.PostFormValue("declare") == "true",
	}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		if slices.ContainsFunc(errs, func(e fieldError) bool { return e.Field == "answers_sha256" }) {
			// The page shows the answers as they stand now, with their
			// hash, and the declaration to be made again about them.
			r.PostForm.Del("declare")
			errs = []fieldError{{Message: "The answers changed after you opened this page. Read the bid again below: it now shows the answers as they stand. Then sign it off if you still can."}}
		}
		s.renderSignOff(w, r, problemStatus(err), explainErrors(errs, fieldLabels{"declare": {"", "declare"}}))
		return
	}
	s.done(w, r, err, "You have signed off the bid", appPath(id)+"/sign-off")
}

func (s *server) sendBack(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := s.api.SendBackForChangesWithResponse(r.Context(), id, nil,
		apiclient.SendBackForChangesJSONRequestBody{Reason: r.PostFormValue("reason")}, keyed(r))
	err = check(res, err)
	if errs, ok := refused(err); ok {
		s.renderSignOff(w, r, problemStatus(err), explainErrors(errs, fieldLabels{"reason": {"Your reasons", "reason"}}))
		return
	}
	s.done(w, r, err, "Bid sent back to its team with your reasons", appPath(id))
}
