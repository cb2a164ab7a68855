package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/blob"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/workflows"
)

// uploadRoute names the one route whose body may be larger than maxBody,
// so the idempotency middleware reads it with the upload limit instead.
const uploadRoute = "upload-document"

// multipartSlack is room for the boundaries, part headers and kind field
// around the file itself.
const multipartSlack = 64 << 10

// bodyLimit is how much of r's body the API reads.
func (s *server) bodyLimit(r *http.Request) int64 {
	if rt := mux.CurrentRoute(r); rt != nil && rt.GetName() == uploadRoute {
		return s.MaxUpload + multipartSlack
	}
	return maxBody
}

// uploadDocument stores a file in the blob store, then records it on the
// application. The access check comes first, so nothing is stored for an
// application the caller cannot see; the type is judged by the bytes, the
// name cleaned and given the type's extension. A file stored but never
// recorded (the Update refused) is unreachable, and harmless under its
// hash.
func (s *server) uploadDocument(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	if _, err := s.applicationView(r, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	cmd, err := command(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	up, data, err := s.readUpload(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.Documents == nil {
		s.writeError(w, r, fundflow.Errorf(fundflow.EUNAVAILABLE, "uploads are not available from this server"))
		return
	}
	if up.SHA256, err = s.Documents.Put(r.Context(), data); err != nil {
		s.writeError(w, r, err)
		return
	}
	var out workflows.Outcome
	err = s.update(r.Context(), workflows.ApplicationWorkflowID(id), workflows.UpdateAttachDocument, cmd.Key,
		workflows.AttachDocumentRequest{Command: cmd, Upload: up}, &out)
	if err != nil {
		s.writeError(w, r, s.refusedWhenClosed(r, id, err))
		return
	}
	d, err := s.documentOf(r, id, out.DocumentID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/applications/"+id+"/documents/"+d.ID)
	writeJSON(w, http.StatusCreated, d)
}

// readUpload reads the multipart form: one file, and optionally its kind.
func (s *server) readUpload(w http.ResponseWriter, r *http.Request) (document.Upload, []byte, error) {
	var up document.Upload
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return up, nil, fundflow.Errorf(fundflow.EUNSUPPORTEDMEDIATYPE, "send the file as multipart/form-data, in a field named file")
	}
	tooLarge := fundflow.Errorf(fundflow.ETOOLARGE, "the file is larger than the limit of %d MiB", s.MaxUpload>>20)
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, s.bodyLimit(r)), params["boundary"])
	var (
		data     []byte
		filename string
		seen     = map[string]bool{}
		v        fundflow.Invalid
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return up, nil, tooLarge
		}
		if err != nil {
			return up, nil, fundflow.Errorf(fundflow.EMALFORMED, "the multipart body is malformed")
		}
		field := part.FormName()
		if seen[field] {
			v.Add(field, "must be given once")
			continue
		}
		seen[field] = true
		switch field {
		case "file":
			filename = part.FileName()
			data, err = io.ReadAll(io.LimitReader(part, s.MaxUpload+1))
			if errors.As(err, &mbe) || int64(len(data)) > s.MaxUpload {
				return up, nil, tooLarge
			}
		case "kind":
			b, rerr := io.ReadAll(io.LimitReader(part, 64))
			up.Kind, err = string(b), rerr
			if up.Kind != "" && !document.ValidKind(up.Kind) {
				v.Add("kind", document.KindRule)
			}
		default:
			v.Add(field, "is not a field of an upload; send file and optionally kind")
		}
		if errors.As(err, &mbe) {
			return up, nil, tooLarge
		}
		if err != nil {
			return up, nil, fundflow.Errorf(fundflow.EMALFORMED, "the multipart body is malformed")
		}
	}
	switch {
	case !seen["file"]:
		v.Add("file", "is required")
	case len(data) == 0:
		v.Add("file", "must not be empty")
	default:
		up.ContentType = document.Sniff(data)
		if up.ContentType == "" {
			v.Add("file", "must be a %s file; its content is none of these, whatever its name says", document.Accepted)
		}
		name, err := document.CleanName(filename)
		if err != nil {
			v.Add("file", "must have a file name")
		}
		up.Name = document.WithExtension(name, up.ContentType)
	}
	if err := v.Err("the upload is invalid"); err != nil {
		return up, nil, err
	}
	up.Size = int64(len(data))
	return up, data, nil
}

// documentOf finds a document's record under the application's access
// rule: a document the caller may not see does not exist.
func (s *server) documentOf(r *http.Request, appID, docID string) (document.Document, error) {
	v, err := s.applicationView(r, appID)
	if err != nil {
		return document.Document{}, err
	}
	i := slices.IndexFunc(v.Documents, func(d document.Document) bool { return d.ID == docID })
	if i < 0 {
		return document.Document{}, fundflow.Errorf(fundflow.ENOTFOUND, "no document %q", docID)
	}
	return v.Documents[i], nil
}

func (s *server) listDocuments(w http.ResponseWriter, r *http.Request) {
	v, err := s.applicationView(r, mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v.Documents)
}

// getDocument serves a file's bytes only once it is judged safe: never
// while it waits for its scan, never once found infected. It goes as an
// attachment with its sniffed type, so a browser neither renders nor
// guesses at it.
func (s *server) getDocument(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	d, err := s.documentOf(r, vars["id"], vars["document_id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	switch d.ScanStatus {
	case document.ScanPending:
		w.Header().Set("Retry-After", "5")
		s.writeError(w, r, fundflow.Errorf(fundflow.EINVALIDSTATE, "document %s is still being scanned for malware; try again shortly", d.ID))
		return
	case document.ScanInfected:
		s.writeError(w, r, fundflow.Errorf(fundflow.EINVALIDSTATE, "document %s failed its malware scan and is quarantined", d.ID))
		return
	}
	if s.Documents == nil {
		s.writeError(w, r, fundflow.Errorf(fundflow.EUNAVAILABLE, "documents are not available from this server"))
		return
	}
	data, err := s.Documents.Get(r.Context(), d.SHA256)
	if errors.Is(err, blob.ErrNotFound) {
		err = fundflow.Errorf(fundflow.ENOTFOUND, "document %s is recorded but not in the blob store", d.ID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", d.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Name}))
	if w.Header().Get("Content-Disposition") == "" {
		// A name mime cannot quote (it is not ASCII) goes RFC 5987 style.
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(d.Name))
	}
	w.Header().Set("ETag", `"`+d.SHA256+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func (s *server) removeDocument() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := mux.Vars(r)["document_id"]
		applicationCommand(s, workflows.UpdateRemoveDocument, func(c workflows.Command, _ struct{}) any {
			return workflows.RemoveDocumentRequest{Command: c, DocumentID: id}
		})(w, r)
	}
}
