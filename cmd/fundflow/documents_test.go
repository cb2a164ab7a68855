//go:build !nodev

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/fundflow/fundflow/internal/clamtest"
)

// TestDocumentsScannedInDev attaches files to a draft on a real Temporal
// server with the worker scanning through a real clamd: a PDF becomes
// clean and downloads byte for byte, the EICAR file is quarantined, shown
// on the timeline and never served, and a draft's file can be removed.
func TestDocumentsScannedInDev(t *testing.T) {
	e := startLifecycleEnv(t, "--clamd", clamtest.Start(t))
	quy := e.token("applicant_QUY")
	id := e.post("/v1/applications", quy, fullApplication("Asha Patel", 8_000_000), 201)["id"].(string)
	upload := func(name string, data []byte) map[string]any {
		t.Helper()
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		f, _ := w.CreateFormFile("file", name)
		_, _ = f.Write(data)
		_ = w.WriteField("kind", "dpia")
		_ = w.Close()
		req, _ := http.NewRequest(http.MethodPost, e.base+"/v1/applications/"+id+"/documents", &body)
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
		e.do(http.MethodGet, "/v1/applications/"+id+"/documents", quy, nil, &docs)
		for _, d := range docs {
			if d["id"] == docID {
				return d["scan_status"].(string)
			}
		}
		return "gone"
	}
	waitFor(t, "the PDF scanned clean", func() bool { return status(clean["id"].(string)) == "clean" })
	waitFor(t, "the EICAR file found", func() bool { return status(infected["id"].(string)) == "infected" })

	code, h, got := e.raw(fmt.Sprintf("/v1/applications/%s/documents/%s", id, clean["id"]), quy)
	if code != 200 || !bytes.Equal(got, pdf) || h.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %q %s", code, h.Get("Content-Type"), got)
	}
	if code, _, _ := e.raw(fmt.Sprintf("/v1/applications/%s/documents/%s", id, infected["id"]), quy); code != http.StatusConflict {
		t.Fatalf("the infected file answered %d", code)
	}
	var tl struct {
		Items []struct{ Action string } `json:"items"`
	}
	e.do(http.MethodGet, "/v1/applications/"+id+"/timeline", e.token("admin"), nil, &tl)
	quarantined := false
	for _, en := range tl.Items {
		quarantined = quarantined || en.Action == "document_quarantined"
	}
	if !quarantined {
		t.Errorf("the timeline does not show the quarantine: %+v", tl.Items)
	}
	if code := e.do(http.MethodDelete, fmt.Sprintf("/v1/applications/%s/documents/%s", id, clean["id"]), quy, nil, nil); code != 200 {
		t.Fatalf("remove: %d", code)
	}
	if s := status(clean["id"].(string)); s != "gone" {
		t.Errorf("after removal the file is %s", s)
	}
}
