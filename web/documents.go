package web

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	documents "github.com/fundflow/fundflow/internal/document"
)

// uploadLimits is what the upload form tells a person before they choose
// a file: the API's own types and size limit.
type uploadLimits struct {
	Types string
	MiB   int64
}

func (s *server) uploadLimits() uploadLimits {
	return uploadLimits{Types: documents.Accepted, MiB: s.maxUpload >> 20}
}

// tooLarge is the error a file over the limit gets, whether the page or
// the API found it so.
func (s *server) tooLarge() fieldError {
	return fieldError{Field: "file", Message: fmt.Sprintf("The selected file must be smaller than %d MiB", s.maxUpload>>20)}
}

var uploadLabels = fieldLabels{"file": {"The selected file", "file"}, "kind": {"The kind of document", "file"}}

// uploadDocument attaches the chosen file to the application through the
// API, which judges its type, size and whether the application takes
// files now.
func (s *server) uploadDocument(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	if uploadTooLarge(r.Context()) {
		s.renderApplicant(w, r, id, http.StatusRequestEntityTooLarge, []fieldError{s.tooLarge()})
		return
	}
	var file *multipart.FileHeader
	if fs := r.MultipartForm.File["file"]; len(fs) > 0 {
		file = fs[0]
	}
	var stored document
	err := s.api.upload(r.Context(), apiApp(id)+"/documents", r.PostFormValue("kind"), file, r.PostFormValue("idempotency_key"), &stored)
	var p *problem
	if errors.As(err, &p) && p.Status == http.StatusRequestEntityTooLarge {
		s.renderApplicant(w, r, id, p.Status, []fieldError{s.tooLarge()})
		return
	}
	if errs, ok := refused(err); ok {
		s.renderApplicant(w, r, id, problemStatus(err), explainErrors(errs, uploadLabels))
		return
	}
	// A section page with a document question offers the upload form
	// too, and the applicant goes back there to choose the file.
	to := appPath(id)
	if sec := r.PostFormValue("section"); sec != "" {
		to += "/sections/" + url.PathEscape(sec)
	}
	// The name as the API cleaned it, which is the name the list shows.
	s.done(w, r, err, "File uploaded: "+stored.Name, to)
}

// removeDocument takes a file off a draft.
func (s *server) removeDocument(w http.ResponseWriter, r *http.Request) {
	id, docID := mux.Vars(r)["id"], mux.Vars(r)["document_id"]
	err := s.api.call(r.Context(), http.MethodDelete, apiApp(id)+"/documents/"+url.PathEscape(docID), nil, "", nil)
	if errs, ok := refused(err); ok {
		s.renderApplicant(w, r, id, problemStatus(err), explainErrors(errs, uploadLabels))
		return
	}
	s.done(w, r, err, "File removed", appPath(id))
}

// renderApplicant shows the applicant's application page again, with why
// a command about it was refused.
func (s *server) renderApplicant(w http.ResponseWriter, r *http.Request, id string, status int, errs []fieldError) {
	p, err := s.loadApplicantApp(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.App.Can("save_draft") {
		s.renderTaskList(w, r, status, p, errs)
		return
	}
	s.renderStatus(w, r, status, p, errs, "")
}
