package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/devtest/clamtest"
	"github.com/fundflow/fundflow/internal/devtest/stack"
)

// TestDocumentsScannedInDev attaches files to a draft on a real Temporal
// server with the worker scanning through a real clamd: a PDF becomes
// clean and downloads byte for byte, the EICAR file is quarantined, shown
// on the timeline and never served, and a draft's file can be removed.
func TestDocumentsScannedInDev(t *testing.T) {
	e := own(t, stack.Options{Args: []string{"--clamd", clamtest.Start(t)}})
	quy := e.token("applicant_QUY")
	id := e.post("/v1/applications", quy, e.application("Asha Patel", 8_000_000), 201)["id"].(string)
	upload := func(name string, data []byte) map[string]any {
		t.Helper()
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		f, _ := w.CreateFormFile("file", name)
		_, _ = f.Write(data)
		_ = w.WriteField("kind", "dpia")
		_ = w.Close()
		req, _ := http.NewRequest(http.MethodPost, e.stack.API+"/v1/applications/"+id+"/documents", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Idempotency-Key", "up-"+name)
		code, _, b := e.Send(req, quy)
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil || code != 201 {
			t.Fatalf("upload %s: %d %s", name, code, b)
		}
		return out
	}
	pdf := []byte("%PDF-1.7\n% the signed DPIA\n%%EOF\n")
	clean := upload("DPIA.pdf", pdf)
	infected := upload("minutes.csv", clamtest.EICAR())
	status := func(docID string) string {
		var docs []map[string]any
		e.Do(http.MethodGet, "/v1/applications/"+id+"/documents", quy, nil, &docs)
		for _, d := range docs {
			if d["id"] == docID {
				return d["scan_status"].(string)
			}
		}
		return "gone"
	}
	waitFor(t, "the PDF scanned clean", func() bool { return status(clean["id"].(string)) == "clean" })
	waitFor(t, "the EICAR file found", func() bool { return status(infected["id"].(string)) == "infected" })

	code, h, got := e.Raw(fmt.Sprintf("/v1/applications/%s/documents/%s", id, clean["id"]), quy)
	if code != 200 || !bytes.Equal(got, pdf) || h.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %q %s", code, h.Get("Content-Type"), got)
	}
	if code, _, _ := e.Raw(fmt.Sprintf("/v1/applications/%s/documents/%s", id, infected["id"]), quy); code != http.StatusConflict {
		t.Fatalf("the infected file answered %d", code)
	}
	var tl struct {
		Items []struct{ Action string } `json:"items"`
	}
	e.Do(http.MethodGet, "/v1/applications/"+id+"/timeline", e.token("admin"), nil, &tl)
	quarantined := false
	for _, en := range tl.Items {
		quarantined = quarantined || en.Action == "document_quarantined"
	}
	if !quarantined {
		t.Errorf("the timeline does not show the quarantine: %+v", tl.Items)
	}
	if code := e.Do(http.MethodDelete, fmt.Sprintf("/v1/applications/%s/documents/%s", id, clean["id"]), quy, nil, nil); code != 200 {
		t.Fatalf("remove: %d", code)
	}
	if s := status(clean["id"].(string)); s != "gone" {
		t.Errorf("after removal the file is %s", s)
	}
}

// TestDocumentsInDev walks the journey in `fundflow dev`, where
// scanning is off: a PDF attached to a draft is listed as not scanned and
// downloads byte for byte, and `documents sweep` deletes a file removed
// from the draft but not the one still attached; then, on an award of the seeded fund, evidence
// for the IG milestone is refused without its required DPIA and DTAC
// assessment, accepted with them, shown to the programme manager with the
// kinds it required and the files it cites, and verified.
func TestDocumentsInDev(t *testing.T) {
	e := shared(t)
	quy := e.token("applicant_QUY")
	draft := e.post("/v1/applications", quy, e.application("Asha Patel", 8_000_000), 201)["id"].(string)
	pdf := apitest.PDF("the evaluation plan")
	d := e.Upload(draft, quy, "dev-draft-plan", "Evaluation plan.pdf", "", pdf)
	var listed []apitest.Document
	e.Do(http.MethodGet, "/v1/applications/"+draft+"/documents", quy, nil, &listed)
	if len(listed) != 1 || listed[0].ID != d.ID || listed[0].ScanStatus != "not_scanned" {
		t.Fatalf("the draft lists %+v", listed)
	}
	if code, h, got := e.Raw("/v1/applications/"+draft+"/documents/"+d.ID, quy); code != 200 || !bytes.Equal(got, pdf) || h.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %q", code, h.Get("Content-Type"))
	}
	// A file removed from the draft is swept once it is old enough; the
	// one still attached is not.
	removed := e.Upload(draft, quy, "dev-draft-old", "Old plan.pdf", "", apitest.PDF("an old plan"))
	if code := e.Do(http.MethodDelete, "/v1/applications/"+draft+"/documents/"+removed.ID, quy, nil, nil); code != 200 {
		t.Fatalf("remove: %d", code)
	}
	long := time.Now().Add(-48 * time.Hour)
	for _, h := range []string{removed.SHA256, d.SHA256} {
		if err := os.Chtimes(filepath.Join(e.stack.DataDir, "blobs", "documents", h[:2], h), long, long); err != nil {
			t.Fatal(err)
		}
	}
	out, errs, err := e.stack.Run(t, "documents", "sweep", "--delete")
	if err != nil {
		t.Fatalf("documents sweep: %v\n%s%s", err, out, errs)
	}
	if !strings.Contains(out, "deleted documents/"+removed.SHA256) || strings.Contains(out, d.SHA256) {
		t.Fatalf("documents sweep:\n%s", out)
	}
	if code, _, _ := e.Raw("/v1/applications/"+draft+"/documents/"+d.ID, quy); code != 200 {
		t.Fatalf("after the sweep the attached file answers %d", code)
	}

	id := e.toDeployment("prevention.lead@nhs.net")
	ig, _ := e.fund.Milestone("ig_approvals")
	if len(ig.DocumentsRequired) != 2 {
		t.Fatalf("the seeded IG milestone requires %+v", ig.DocumentsRequired)
	}
	base := "/v1/applications/" + id + "/milestones/" + ig.ID
	evidence := map[string]any{"summary": "DPIA signed off; DTAC assessment complete.", "outcomes": e.outcomes(ig.ID, 0)}
	var p struct {
		Code   string
		Errors []struct{ Field, Message string }
	}
	if code := e.DoKey(http.MethodPost, base+"/evidence", quy, "dev-ev-bare", evidence, &p); code != 422 || len(p.Errors) != 2 || p.Errors[0].Field != "documents" {
		t.Fatalf("evidence without its documents: %d %+v", code, p)
	}
	evidence["documents"] = e.AttachRequired(id, quy, ig)
	e.post(base+"/evidence", quy, evidence, 200)

	pm := e.token("programme_manager")
	var ms []struct {
		ID                string
		Status            string
		DocumentsRequired []struct{ Kind, Label string } `json:"documents_required"`
		Evidence          struct{ Documents []string }
	}
	e.Do(http.MethodGet, "/v1/applications/"+id+"/milestones", pm, nil, &ms)
	if ms[0].ID != ig.ID || len(ms[0].DocumentsRequired) != 2 || len(ms[0].Evidence.Documents) != 2 {
		t.Fatalf("the programme manager sees %+v", ms[0])
	}
	for _, doc := range ms[0].Evidence.Documents {
		if code, _, got := e.Raw("/v1/applications/"+id+"/documents/"+doc, pm); code != 200 || !bytes.HasPrefix(got, []byte("%PDF-")) {
			t.Errorf("the programme manager's download of %s: %d", doc, code)
		}
	}
	e.post(base+"/verify", pm, map[string]string{"decision": "verify", "note": "DPIA and DTAC seen."}, 200)
	e.Do(http.MethodGet, "/v1/applications/"+id+"/milestones", pm, nil, &ms)
	if ms[0].Status != "verified" {
		t.Fatalf("after verifying: %s", ms[0].Status)
	}
}
