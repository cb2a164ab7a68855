package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/blob"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/workflows"
)

// docsTemporal is two draft applications, QUY's app_quy and QHL's
// app_qhl, keeping their documents as the workflow would; verdict decides
// what the scan of each new document says.
type docsTemporal struct {
	client.Client
	mu      sync.Mutex
	docs    map[string][]document.Document
	keys    map[string]string
	verdict document.ScanStatus
	updates int
}

func (c *docsTemporal) org(workflowID string) (string, bool) {
	switch strings.TrimPrefix(workflowID, workflows.ApplicationWorkflowID("")) {
	case "app_quy":
		return "QUY", true
	case "app_qhl":
		return "QHL", true
	}
	return "", false
}

func (c *docsTemporal) DescribeWorkflowExecution(_ context.Context, workflowID, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	org, ok := c.org(workflowID)
	if !ok {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	p, err := converter.GetDefaultDataConverter().ToPayload(org)
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{workflows.SearchOrgCode.GetName(): p}},
	}}, err
}

func (c *docsTemporal) QueryWorkflow(_ context.Context, workflowID, _, _ string, _ ...any) (converter.EncodedValue, error) {
	org, ok := c.org(workflowID)
	if !ok {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v := finishedView(strings.TrimPrefix(workflowID, workflows.ApplicationWorkflowID("")), application.StatusDraft)
	v.OrgCode, v.Final = org, false
	v.Documents = append([]document.Document{}, c.docs[workflowID]...)
	return encode(v)
}

func (c *docsTemporal) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.updates++
	switch r := o.Args[0].(type) {
	case workflows.AttachDocumentRequest:
		if id, ok := c.keys[o.UpdateID]; ok {
			return outcomeUpdate{workflows.Outcome{Status: application.StatusDraft, DocumentID: id}}, nil
		}
		var v fundflow.Invalid
		document.CheckUpload(&v, r.Upload)
		if err := v.Err("the file is invalid"); err != nil {
			return nil, fmt.Errorf("the api sent an upload the workflow refuses: %w", err)
		}
		id := fmt.Sprintf("d%d", len(c.docs[o.WorkflowID])+1)
		c.keys[o.UpdateID] = id
		c.docs[o.WorkflowID] = append(c.docs[o.WorkflowID], document.Document{ID: id, Name: r.Upload.Name, Size: r.Upload.Size,
			SHA256: r.Upload.SHA256, ContentType: r.Upload.ContentType, Kind: r.Upload.Kind, ScanStatus: c.verdict,
			UploadedAt: today, UploadedBy: r.Actor})
		return outcomeUpdate{workflows.Outcome{Status: application.StatusDraft, DocumentID: id}}, nil
	}
	return nil, fmt.Errorf("unexpected update %s", o.UpdateName)
}

type outcomeUpdate struct {
	out workflows.Outcome
}

func (u outcomeUpdate) WorkflowID() string { return "" }
func (u outcomeUpdate) RunID() string      { return "" }
func (u outcomeUpdate) UpdateID() string   { return "" }
func (u outcomeUpdate) Get(_ context.Context, into any) error {
	b, _ := json.Marshal(u.out)
	return json.Unmarshal(b, into)
}

type docsHarness struct {
	t        testing.TB
	handler  http.Handler
	temporal *docsTemporal
	contract *apitest.Contract
	quy, qhl string
	reviewer string
	store    *blob.Space
}

func newDocsHarness(t testing.TB, maxUpload int64) *docsHarness {
	rdb, prefix := testredis.New(t)
	orgs, err := organisation.Default()
	if err != nil {
		t.Fatal(err)
	}
	tokens := auth.NewStore(rdb, prefix, nil, func() time.Time { return today })
	if err := tokens.Rebuild(context.Background(), directory.State{}); err != nil {
		t.Fatal(err)
	}
	u, _ := blob.FileURL(t.TempDir())
	b, err := blob.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	tc := &docsTemporal{docs: map[string][]document.Document{}, keys: map[string]string{}, verdict: document.ScanClean}
	h := &docsHarness{t: t, temporal: tc, contract: apitest.Load(t, OpenAPIDocument()), store: b.Space(document.Space)}
	h.handler = NewServer(Deps{Temporal: tc, Redis: rdb, Tokens: tokens, Orgs: orgs, ReadModel: readmodel.NewStore(rdb, prefix),
		KeyPrefix: prefix, Documents: h.store, MaxUpload: maxUpload, Now: func() time.Time { return today }})
	h.quy, _ = authtest.Token(t, tokens, fundflow.RoleApplicant, "QUY", "Asha Patel")
	h.qhl, _ = authtest.Token(t, tokens, fundflow.RoleApplicant, "QHL", "Rival Lead")
	h.reviewer, _ = authtest.Token(t, tokens, fundflow.RoleReviewer, "", "Rex Reviewer")
	return h
}

// form is a multipart body with a file part and any other fields.
func form(t testing.TB, name string, data []byte, fields ...string) (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if name != "\x00none" {
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
		hdr.Set("Content-Type", "application/octet-stream")
		p, err := w.CreatePart(hdr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = p.Write(data)
	}
	for i := 0; i+1 < len(fields); i += 2 {
		_ = w.WriteField(fields[i], fields[i+1])
	}
	_ = w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func (h *docsHarness) upload(token, app, key, name string, data []byte, fields ...string) *httptest.ResponseRecorder {
	h.t.Helper()
	ct, body := form(h.t, name, data, fields...)
	return h.send(http.MethodPost, "/v1/applications/"+app+"/documents", token, key, ct, body)
}

func (h *docsHarness) send(method, path, token, key, ct string, body []byte) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	h.contract.Check(h.t, req, rec.Code, rec.Header(), rec.Body.Bytes())
	return rec
}

func zipOf(t *testing.T, name, content string) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, err := z.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte(content))
	_ = z.Close()
	return buf.Bytes()
}

var aPDF = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")

func TestUploadListAndDownload(t *testing.T) {
	h := newDocsHarness(t, 0)
	ct, body := form(t, "DPIA signed.pdf", aPDF, "kind", "dpia")
	rec := h.send(http.MethodPost, "/v1/applications/app_quy/documents", h.quy, "up-1", ct, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	d := decodeBody[document.Document](t, rec)
	if d.ID != "d1" || d.Name != "DPIA signed.pdf" || d.Size != int64(len(aPDF)) || d.SHA256 != blob.Hash(aPDF) ||
		d.ContentType != document.TypePDF || d.Kind != "dpia" || d.UploadedBy.Name != "Asha Patel" {
		t.Fatalf("document = %+v", d)
	}
	if loc := rec.Header().Get("Location"); loc != "/v1/applications/app_quy/documents/d1" {
		t.Errorf("Location = %q", loc)
	}
	// A double click records one document and answers the same.
	again := h.send(http.MethodPost, "/v1/applications/app_quy/documents", h.quy, "up-1", ct, body)
	if again.Code != http.StatusCreated || again.Header().Get("Idempotent-Replayed") != "true" || again.Body.String() != rec.Body.String() {
		t.Fatalf("replay: %d %s", again.Code, again.Body)
	}
	if got, err := h.store.Get(context.Background(), d.SHA256); err != nil || !bytes.Equal(got, aPDF) {
		t.Fatalf("stored bytes: %v", err)
	}
	list := h.send(http.MethodGet, "/v1/applications/app_quy/documents", h.reviewer, "", "", nil)
	if docs := decodeBody[[]document.Document](t, list); list.Code != 200 || len(docs) != 1 || docs[0].ID != "d1" {
		t.Fatalf("list: %d %s", list.Code, list.Body)
	}
	for _, tok := range []string{h.quy, h.reviewer} {
		get := h.send(http.MethodGet, "/v1/applications/app_quy/documents/d1", tok, "", "", nil)
		if get.Code != 200 || !bytes.Equal(get.Body.Bytes(), aPDF) || get.Header().Get("Content-Type") != document.TypePDF ||
			get.Header().Get("Content-Disposition") != `attachment; filename="DPIA signed.pdf"` {
			t.Fatalf("download: %d %v", get.Code, get.Header())
		}
	}
	if n := h.temporal.updates; n != 1 {
		t.Errorf("%d Updates for one upload and its replay", n)
	}
}

func TestDownloadOnlyOnceJudgedSafe(t *testing.T) {
	h := newDocsHarness(t, 0)
	for i, verdict := range []document.ScanStatus{document.ScanPending, document.ScanInfected, document.ScanNotScanned} {
		h.temporal.verdict = verdict
		data := append([]byte(fmt.Sprintf("%%PDF-1.4 file %d\n", i)), aPDF...)
		if rec := h.upload(h.quy, "app_quy", fmt.Sprint("k", i), "f.pdf", data); rec.Code != 201 {
			t.Fatalf("upload: %d %s", rec.Code, rec.Body)
		}
	}
	wantProblem(t, h.send(http.MethodGet, "/v1/applications/app_quy/documents/d1", h.quy, "", "", nil), http.StatusConflict, fundflow.EINVALIDSTATE)
	wantProblem(t, h.send(http.MethodGet, "/v1/applications/app_quy/documents/d2", h.quy, "", "", nil), http.StatusConflict, fundflow.EINVALIDSTATE)
	if rec := h.send(http.MethodGet, "/v1/applications/app_quy/documents/d3", h.quy, "", "", nil); rec.Code != 200 {
		t.Fatalf("not_scanned download: %d", rec.Code)
	}
	wantProblem(t, h.send(http.MethodGet, "/v1/applications/app_quy/documents/d9", h.quy, "", "", nil), http.StatusNotFound, fundflow.ENOTFOUND)
}

func TestUploadBadInput(t *testing.T) {
	h := newDocsHarness(t, 1<<20)
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 512)...)
	for _, c := range []struct {
		name   string
		rec    *httptest.ResponseRecorder
		status int
		code   fundflow.Code
		field  string
	}{
		{"oversized", h.upload(h.quy, "app_quy", "", "big.pdf", append(aPDF, make([]byte, 1<<20)...)), 413, fundflow.ETOOLARGE, ""},
		{"oversized with a key", h.upload(h.quy, "app_quy", "big-1", "big.pdf", append(aPDF, make([]byte, 1<<20)...)), 413, fundflow.ETOOLARGE, ""},
		{"disguised executable", h.upload(h.quy, "app_quy", "", "report.pdf", exe), 422, fundflow.EVALIDATION, "file"},
		{"zip of an executable named docx", h.upload(h.quy, "app_quy", "", "plan.docx", zipOf(t, "setup.exe", "MZ")), 422, fundflow.EVALIDATION, "file"},
		{"zero bytes", h.upload(h.quy, "app_quy", "", "empty.pdf", nil), 422, fundflow.EVALIDATION, "file"},
		{"no file", h.upload(h.quy, "app_quy", "", "\x00none", nil, "kind", "dpia"), 422, fundflow.EVALIDATION, "file"},
		{"bad kind", h.upload(h.quy, "app_quy", "", "a.pdf", aPDF, "kind", "../x"), 422, fundflow.EVALIDATION, "kind"},
		{"unknown field", h.upload(h.quy, "app_quy", "", "a.pdf", aPDF, "owner", "root"), 422, fundflow.EVALIDATION, "owner"},
		{"nameless", h.upload(h.quy, "app_quy", "", "../..", aPDF), 422, fundflow.EVALIDATION, "file"},
		{"another organisation's application", h.upload(h.qhl, "app_quy", "", "a.pdf", aPDF), 404, fundflow.ENOTFOUND, ""},
		{"no application", h.upload(h.quy, "app_nope", "", "a.pdf", aPDF), 404, fundflow.ENOTFOUND, ""},
		{"reviewers do not upload", h.upload(h.reviewer, "app_quy", "", "a.pdf", aPDF), 403, fundflow.EFORBIDDEN, ""},
		{"json", h.send(http.MethodPost, "/v1/applications/app_quy/documents", h.quy, "", "application/json", []byte(`{}`)), 415, fundflow.EUNSUPPORTEDMEDIATYPE, ""},
		{"broken multipart", h.send(http.MethodPost, "/v1/applications/app_quy/documents", h.quy, "", "multipart/form-data; boundary=x", []byte("--x\r\nnonsense")), 400, fundflow.EMALFORMED, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := wantProblem(t, c.rec, c.status, c.code)
			if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
				t.Errorf("field errors = %+v, want %s", p.Errors, c.field)
			}
		})
	}
	if n := h.temporal.updates; n != 0 {
		t.Errorf("%d bad uploads reached the workflow", n)
	}
	// Another organisation's files are not found either.
	h.temporal.docs[workflows.ApplicationWorkflowID("app_quy")] = []document.Document{{ID: "d1", SHA256: blob.Hash(aPDF), ScanStatus: document.ScanClean}}
	wantProblem(t, h.send(http.MethodGet, "/v1/applications/app_quy/documents/d1", h.qhl, "", "", nil), 404, fundflow.ENOTFOUND)
	wantProblem(t, h.send(http.MethodGet, "/v1/applications/app_quy/documents", h.qhl, "", "", nil), 404, fundflow.ENOTFOUND)
}

func TestUploadedNamesAreCleaned(t *testing.T) {
	h := newDocsHarness(t, 0)
	rec := h.upload(h.quy, "app_quy", "", "../../../etc/cron.d/evil.exe", aPDF)
	if rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if d := decodeBody[document.Document](t, rec); d.Name != "evil.exe.pdf" {
		t.Errorf("name = %q, want evil.exe.pdf", d.Name)
	}
}
