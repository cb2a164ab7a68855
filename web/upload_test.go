package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// docsAPI stands in for the API's documents endpoints as the real one
// behaves: multipart in, the file judged by its bytes and size, kept on
// the application, and attach_document and remove_document offered while
// the application is a draft. Everything else is the fakeAPI's.
type docsAPI struct {
	*fakeAPI
	limit int64

	mu      sync.Mutex
	status  string
	docs    []map[string]any
	uploads []upload
	removed []string
}

// upload is what the stand-in received for one POST.
type upload struct {
	Key, Name, ContentType string
	Data                   []byte
	Fields                 map[string]string
}

func newDocsAPI(t *testing.T, status string, limit int64) (*docsAPI, http.Handler) {
	fake, _ := applicantAPI(t, appJSON(nil))
	d := &docsAPI{fakeAPI: fake, limit: limit, status: status}
	h, err := NewServer(Deps{API: d, MaxUpload: limit})
	if err != nil {
		t.Fatal(err)
	}
	return d, h
}

func (d *docsAPI) app() map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	actions := applicantActions[d.status]
	extra := map[string]any{"status": d.status, "documents": append([]map[string]any{}, d.docs...)}
	switch d.status {
	case "draft":
		actions = append(append([]any{}, actions...), map[string]any{"name": "attach_document"})
		for _, doc := range d.docs {
			actions = append(actions, map[string]any{"name": "remove_document", "document_id": doc["id"]})
		}
	case "in_deployment":
		actions = append(append([]any{}, actions...), map[string]any{"name": "attach_document"})
		extra["milestones"] = deployingApp()["milestones"]
	}
	extra["actions"] = actions
	return appJSON(extra)
}

// refuse answers with a problem, checked against the document like
// every other answer.
func (d *docsAPI) refuse(w http.ResponseWriter, r *http.Request, status int, code, detail string, errs ...map[string]any) {
	p := problemJSON(status, code, detail)
	if errs != nil {
		p["errors"] = errs
	}
	d.write(w, r, fakeAnswer{status, p})
}

func (d *docsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	docs := testApp + "/documents"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == testApp:
		d.on("GET "+testApp, http.StatusOK, d.app())
	case r.Method == http.MethodPost && r.URL.Path == docs:
		d.upload(w, r)
		return
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, docs+"/"):
		d.remove(w, r, strings.TrimPrefix(r.URL.Path, docs+"/"))
		return
	}
	d.fakeAPI.ServeHTTP(w, r)
}

func (d *docsAPI) upload(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer tok-applicant" {
		d.refuse(w, r, http.StatusNotFound, "not_found", "no such application")
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		d.refuse(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type", "send multipart")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, d.limit+64<<10)
	up := upload{Key: r.Header.Get("Idempotency-Key"), ContentType: r.Header.Get("Content-Type"), Fields: map[string]string{}}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			d.refuse(w, r, http.StatusRequestEntityTooLarge, "payload_too_large", "the file is larger than the limit")
			return
		}
		if err != nil {
			d.refuse(w, r, http.StatusBadRequest, "malformed_request", "the multipart body is malformed")
			return
		}
		if p.FormName() != "file" {
			b, _ := io.ReadAll(p)
			up.Fields[p.FormName()] = string(b)
		}
		if p.FormName() == "file" {
			up.Name = p.FileName()
			up.Data, err = io.ReadAll(io.LimitReader(p, d.limit+1))
			if errors.As(err, &mbe) || int64(len(up.Data)) > d.limit {
				d.refuse(w, r, http.StatusRequestEntityTooLarge, "payload_too_large", "the file is larger than the limit")
				return
			}
		}
	}
	switch {
	case up.Name == "":
		d.refuse(w, r, http.StatusUnprocessableEntity, "validation_failed", "the upload is invalid", fieldErr("file", "is required"))
		return
	case !bytes.HasPrefix(up.Data, []byte("%PDF-")):
		d.refuse(w, r, http.StatusUnprocessableEntity, "validation_failed", "the upload is invalid",
			fieldErr("file", "must be a PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT), PNG, JPEG or CSV file; its content is none of these, whatever its name says"))
		return
	}
	d.mu.Lock()
	d.uploads = append(d.uploads, up)
	doc := map[string]any{"id": fmt.Sprintf("d%d", len(d.uploads)), "name": up.Name, "size": len(up.Data), "sha256": testSHA256, "content_type": "application/pdf", "kind": up.Fields["kind"],
		"scan_status": "not_scanned", "uploaded_at": "2026-05-03T09:00:00Z", "uploaded_by": map[string]any{"id": "a1", "name": "Ana Lead", "role": "applicant"}}
	d.docs = append(d.docs, doc)
	d.mu.Unlock()
	d.write(w, r, fakeAnswer{http.StatusCreated, doc})
}

func (d *docsAPI) remove(w http.ResponseWriter, r *http.Request, id string) {
	d.mu.Lock()
	draft := d.status == "draft"
	i := slices.IndexFunc(d.docs, func(doc map[string]any) bool { return doc["id"] == id })
	if draft && i >= 0 {
		d.docs = slices.Delete(d.docs, i, i+1)
		d.removed = append(d.removed, id)
	}
	d.mu.Unlock()
	switch {
	case !draft:
		d.refuse(w, r, http.StatusConflict, "invalid_state", "documents can be removed only from a draft")
	case i < 0:
		d.refuse(w, r, http.StatusNotFound, "not_found", "no such document")
	default:
		d.write(w, r, fakeAnswer{http.StatusOK, commandJSON("draft", d.app())})
	}
}

// postFile submits the upload form as a browser does: the hidden fields
// (and any more, as name-value pairs) first, then the file (no file when
// name is "").
func postFile(t *testing.T, h http.Handler, token, csrf, name string, data []byte, fields ...string) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", csrf)
	_ = mw.WriteField("idempotency_key", "key-upload-1")
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/applications/app1/documents", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func pdf(size int) []byte {
	b := bytes.Repeat([]byte("x"), size)
	copy(b, "%PDF-1.7\n")
	return b
}

// An applicant attaches a PDF to a draft: the page offers the design
// system's file upload, the file reaches the API whole with the form's
// Idempotency-Key, and the draft then lists it with a Remove button.
func TestUploadingAPDFToADraftListsIt(t *testing.T) {
	api, h := newDocsAPI(t, "draft", 1<<20)
	w := get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK, `enctype="multipart/form-data"`, `action="/applications/app1/documents"`,
		`<label class="nhsuk-label" for="file">Upload a file</label>`, `data-module="nhsuk-file-upload"`,
		`type="file"`, "PDF, Word (DOCX)", "smaller than 1 MiB", `aria-describedby="file-hint"`)
	if strings.Contains(w.Body.String(), "Attached files") {
		t.Error("an application with no files lists attached files")
	}

	data := pdf(300 << 10)
	w = postFile(t, h, "tok-applicant", csrfToken("tok-applicant"), "DPIA signed.pdf", data)
	wantRedirect(t, w, "/applications/app1", "File uploaded: DPIA signed.pdf")
	if len(api.uploads) != 1 || !bytes.Equal(api.uploads[0].Data, data) || api.uploads[0].Key != "key-upload-1" {
		t.Fatalf("the API got %d uploads (key %q), want the file once under the form's key", len(api.uploads), api.uploads[0].Key)
	}
	// A resent form is the same request to the API, byte for byte, which
	// is what its Idempotency-Key check compares.
	wantRedirect(t, postFile(t, h, "tok-applicant", csrfToken("tok-applicant"), "DPIA signed.pdf", data), "/applications/app1", "File uploaded: DPIA signed.pdf")
	if len(api.uploads) != 2 || api.uploads[1].ContentType != api.uploads[0].ContentType {
		t.Errorf("a resent upload was sent as %q, first as %q", api.uploads[1].ContentType, api.uploads[0].ContentType)
	}
	api.mu.Lock()
	api.docs = api.docs[:1] // the real API answers a replay with the first document
	api.mu.Unlock()
	w = get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK, "Attached files", `<a href="/applications/app1/documents/d1">DPIA signed.pdf</a>`,
		`action="/applications/app1/documents/d1/remove"`, `Remove<span class="nhsuk-u-visually-hidden"> DPIA signed.pdf</span>`)
}

// The upload form beside a document question sends the question's kind,
// and leads back to its section to choose the file.
func TestAFileUploadedFromASectionGoesBackToIt(t *testing.T) {
	api, h := newDocsAPI(t, "draft", 1<<20)
	w := postFile(t, h, "tok-applicant", csrfToken("tok-applicant"), "plan.pdf", pdf(1<<10), "kind", "project_plan", "section", "about")
	wantRedirect(t, w, "/applications/app1/sections/about", "File uploaded: plan.pdf")
	if len(api.uploads) != 1 || api.uploads[0].Fields["kind"] != "project_plan" {
		t.Fatalf("uploads %+v, want one of kind project_plan", api.uploads)
	}
}

// A file over the limit gets the design system's error pattern, an error
// summary linked to the file input and the message beside it, whether the
// API refused it (just over) or the page's own limit cut it off (far over,
// and then nothing reaches the API).
func TestAnOversizedFileShowsTheErrorPattern(t *testing.T) {
	for _, c := range []struct {
		name string
		size int
	}{{"refused by the API", 1<<20 + 1}, {"cut off by the page", 3 << 20}} {
		t.Run(c.name, func(t *testing.T) {
			api, h := newDocsAPI(t, "draft", 1<<20)
			w := postFile(t, h, "tok-applicant", csrfToken("tok-applicant"), "big.pdf", pdf(c.size))
			wantHTML(t, w, http.StatusRequestEntityTooLarge, "nhsuk-error-summary", "There is a problem",
				`<a href="#file">The selected file must be smaller than 1 MiB</a>`, "nhsuk-form-group--error",
				`id="file-error"`, `aria-describedby="file-hint file-error"`)
			if len(api.uploads) != 0 {
				t.Error("an oversized file was stored")
			}
		})
	}
}

// A file the API refuses by its content shows the API's reason at the
// file input.
func TestARefusedTypeIsShownAtTheFileInput(t *testing.T) {
	_, h := newDocsAPI(t, "draft", 1<<20)
	w := postFile(t, h, "tok-applicant", csrfToken("tok-applicant"), "setup.pdf", []byte("MZ\x90\x00 not a pdf"))
	wantHTML(t, w, http.StatusUnprocessableEntity, "There is a problem",
		`<a href="#file">The selected file must be a PDF`, `id="file-error"`)
}

// An upload without the session's CSRF token is refused before anything
// reaches the API.
func TestAnUploadWithABadCSRFTokenIsRefused(t *testing.T) {
	api, h := newDocsAPI(t, "draft", 1<<20)
	for _, tok := range []string{"", "forged", csrfToken("tok-other-org")} {
		w := postFile(t, h, "tok-applicant", tok, "a.pdf", pdf(1000))
		if w.Code != http.StatusForbidden {
			t.Errorf("CSRF token %q: status %d, want 403", tok, w.Code)
		}
	}
	if len(api.uploads) != 0 || len(api.commands()) != 0 {
		t.Errorf("a forged upload reached the API: %d uploads", len(api.uploads))
	}
}

// The other forms keep their own, smaller limit.
func TestOtherFormsKeepTheirLimit(t *testing.T) {
	_, h := newDocsAPI(t, "draft", 20<<20)
	w := post(t, h, "tok-applicant", "/applications/app1/withdraw", map[string][]string{"reason": {strings.Repeat("x", 2<<20)}})
	if w.Code != http.StatusBadRequest {
		t.Errorf("a 2 MiB form: status %d, want 400", w.Code)
	}
}

// A draft's file can be removed; once the API stops offering removal (the
// application is submitted), neither the Remove button nor the upload
// form is shown.
func TestRemovingAFileFromADraft(t *testing.T) {
	api, h := newDocsAPI(t, "draft", 1<<20)
	wantRedirect(t, postFile(t, h, "tok-applicant", csrfToken("tok-applicant"), "plan.pdf", pdf(1000)), "/applications/app1", "File uploaded: plan.pdf")
	wantRedirect(t, post(t, h, "tok-applicant", "/applications/app1/documents/d1/remove", nil), "/applications/app1", "File removed")
	if len(api.removed) != 1 || api.removed[0] != "d1" {
		t.Fatalf("removed %v, want [d1]", api.removed)
	}
	if w := get(t, h, "tok-applicant", "/applications/app1"); strings.Contains(w.Body.String(), "plan.pdf") {
		t.Error("the removed file is still listed")
	}

	wantRedirect(t, postFile(t, h, "tok-applicant", csrfToken("tok-applicant"), "kept.pdf", pdf(1000)), "/applications/app1", "File uploaded: kept.pdf")
	api.mu.Lock()
	api.status = "submitted"
	api.mu.Unlock()
	w := get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK, "kept.pdf")
	for _, no := range []string{"/remove", ">Remove<", `type="file"`} {
		if strings.Contains(w.Body.String(), no) {
			t.Errorf("a submitted application's page shows %q, which the API does not offer", no)
		}
	}
	// A resent removal form after submission shows the API's refusal.
	w = post(t, h, "tok-applicant", "/applications/app1/documents/d2/remove", nil)
	wantHTML(t, w, http.StatusConflict, "There is a problem", "Documents can be removed only from a draft")
}
