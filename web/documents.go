package web

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"

	"github.com/gorilla/mux"

	documents "github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/web/apiclient"
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

var uploadLabels = fieldLabels{"file": {"The selected file", "file"}, "kind": {"The kind of document", "kind"}}

// uploadDocument attaches the chosen file to the application through the
// API, which judges its type, size and whether the application takes
// files now. A file uploaded from a milestone's evidence page (its form
// names the milestone) returns there, so the lead can cite it at once.
func (s *server) uploadDocument(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	back, again := appPath(id), func(status int, errs []fieldError) { s.renderApplicant(w, r, id, status, errs) }
	// A section page with a document question offers the upload form too,
	// and the applicant goes back there to choose the file.
	if sec := r.PostFormValue("section"); sec != "" {
		back = appPath(id) + "/sections/" + url.PathEscape(sec)
	}
	if mid := r.PostFormValue("milestone"); mid != "" {
		back = appPath(id) + "/milestones/" + url.PathEscape(mid) + "/evidence"
		again = func(status int, errs []fieldError) {
			s.renderMilestone(w, r, mid, nil, status, "applicant/evidence", "Submit evidence", errs)
		}
	}
	if uploadTooLarge(r.Context()) {
		again(http.StatusRequestEntityTooLarge, []fieldError{s.tooLarge()})
		return
	}
	var file *multipart.FileHeader
	if fs := r.MultipartForm.File["file"]; len(fs) > 0 {
		file = fs[0]
	}
	stored, err := s.api.upload(r.Context(), id, r.PostFormValue("kind"), file, r.PostFormValue("idempotency_key"))
	var p *problem
	if errors.As(err, &p) && p.Status == http.StatusRequestEntityTooLarge {
		again(p.Status, []fieldError{s.tooLarge()})
		return
	}
	if errs, ok := refused(err); ok {
		again(problemStatus(err), explainErrors(errs, uploadLabels))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The name as the API cleaned it, which is the name the list shows.
	s.done(w, r, nil, "File uploaded: "+stored.Name, back)
}

// removeDocument takes a file off a draft.
func (s *server) removeDocument(w http.ResponseWriter, r *http.Request) {
	id, docID := mux.Vars(r)["id"], mux.Vars(r)["document_id"]
	res, err := s.api.RemoveDocumentWithResponse(r.Context(), id, docID)
	err = check(res, err)
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
	if can(p.App, "save_draft") {
		s.renderTaskList(w, r, status, p, errs)
		return
	}
	s.renderStatus(w, r, status, p, errs, "")
}

// uploadForm is what the upload partial needs beyond the page: the kinds
// a file can be labelled as (none: no selector), the one to offer first,
// or the one kind a form's question takes; and the milestone or section
// page the form is on, if any, to go back to.
type uploadForm struct {
	Limits    uploadLimits
	Kinds     []apiclient.DocumentRequirement
	Selected  string
	Kind      string
	Milestone string
	Section   string
}

// UploadForm is the upload form on the application's own page: any kind
// the fund's milestones require.
func (p applicantApp) UploadForm() uploadForm {
	return uploadForm{Limits: p.Upload, Kinds: documentKinds(p.Fund.Definition)}
}

// UploadForm on a section page is for its document question, whose kind
// the form sets.
func (p sectionPage) UploadForm() uploadForm {
	f := uploadForm{Limits: p.Upload, Section: p.Section.ID}
	if q := p.Attaches(); q != nil {
		f.Kind = q.DocumentKind
	}
	return f
}

// UploadForm on a milestone's evidence page offers the kinds it requires,
// the first still missing chosen.
func (p milestonePage) UploadForm() uploadForm {
	f := uploadForm{Limits: p.Upload, Kinds: p.Milestone.DocumentsRequired, Milestone: p.Milestone.ID}
	for _, r := range p.Required() {
		if r.Missing {
			f.Selected = r.Kind
			break
		}
	}
	return f
}

// requiredKind is a kind of file the milestone needs, whether the
// application has a file of it that can be cited, and if not whether one
// is being scanned.
type requiredKind struct {
	apiclient.DocumentRequirement
	Missing, Scanning bool
}

// Required lists the milestone's kinds, each marked missing when no file
// of that kind can be cited yet.
func (p milestonePage) Required() []requiredKind {
	var out []requiredKind
	for _, r := range p.Milestone.DocumentsRequired {
		missing := !slices.ContainsFunc(citable(p.App), func(d apiclient.Document) bool { return d.Kind == r.Kind })
		scanning := missing && slices.ContainsFunc(p.App.Documents, func(d apiclient.Document) bool {
			return d.Kind == r.Kind && d.ScanStatus == apiclient.ScanStatusPending
		})
		out = append(out, requiredKind{r, missing, scanning})
	}
	return out
}

// requiredFiles are the citable files of the kinds the milestone
// requires, which the evidence form ticks to start with.
func (p milestonePage) requiredFiles() []string {
	var out []string
	for _, d := range citable(p.App) {
		if slices.ContainsFunc(p.Milestone.DocumentsRequired, func(r apiclient.DocumentRequirement) bool { return r.Kind == d.Kind }) {
			out = append(out, d.ID)
		}
	}
	return out
}

// citeForm is the checkboxes a submission cites files with: the files
// that can be cited, and those still being scanned.
type citeForm struct {
	Docs    []citeDoc
	Pending []apiclient.Document
}

type citeDoc struct {
	ID, Name string
	// Kind is the kind's label, if the file has one.
	Kind   string
	Chosen bool
}

func newCiteForm(app *apiclient.Application, chosen []string, label func(kind string) string) citeForm {
	var f citeForm
	for _, d := range app.Documents {
		switch {
		case servable(d):
			c := citeDoc{ID: d.ID, Name: d.Name, Chosen: slices.Contains(chosen, d.ID)}
			if d.Kind != "" {
				c.Kind = label(d.Kind)
			}
			f.Docs = append(f.Docs, c)
		case d.ScanStatus == apiclient.ScanStatusPending:
			f.Pending = append(f.Pending, d)
		}
	}
	return f
}

// Cite is the evidence form's choice of files.
func (p milestonePage) Cite() citeForm {
	return newCiteForm(p.App, p.Values["documents"], p.KindLabel)
}

// Cite is the answer form's choice of files, kept when sending failed.
func (p statusPage) Cite() citeForm {
	return newCiteForm(p.App, p.Cited, func(kind string) string { return kindLabel(documentKinds(p.Fund.Definition), kind) })
}

// cited are the files a form's "documents" checkboxes cite, never null.
func cited(form url.Values) []string { return append([]string{}, form["documents"]...) }

// citeErrors link an error about the files cited to the upload field when
// the page has no file to tick, so the summary's link goes somewhere.
func citeErrors(errs []fieldError, app *apiclient.Application) []fieldError {
	if len(citable(app)) > 0 {
		return errs
	}
	for i := range errs {
		if errs[i].Field == "documents" {
			errs[i].Field = "file"
		}
	}
	return errs
}

// KindLabel names a kind as the milestone does, else as the fund does.
func (p milestonePage) KindLabel(kind string) string {
	if i := slices.IndexFunc(p.Milestone.DocumentsRequired, func(r apiclient.DocumentRequirement) bool { return r.Kind == kind }); i >= 0 {
		return p.Milestone.DocumentsRequired[i].Label
	}
	return kindLabel(documentKinds(p.Fund.Definition), kind)
}
