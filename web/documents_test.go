package web

import (
	"net/http"
	"strings"
	"testing"
)

// The status page lists attached files with their scan status, says
// plainly when scanning is off, and links only those that may be
// downloaded.
func TestStatusPageListsDocuments(t *testing.T) {
	doc := func(id, name, status string) map[string]any {
		return map[string]any{"id": id, "name": name, "size": 1200, "sha256": strings.Repeat("a", 64), "content_type": "application/pdf",
			"kind": "dpia", "scan_status": status, "uploaded_at": "2026-05-03T09:00:00Z", "uploaded_by": map[string]any{"id": "u", "name": "Asha", "role": "applicant"}}
	}
	_, h := applicantAPI(t, appJSON(map[string]any{"status": "submitted", "status_label": "Submitted", "documents": []any{
		doc("d1", "DPIA signed.pdf", "clean"), doc("d2", "waiting.pdf", "pending"), doc("d3", "bad.pdf", "infected"), doc("d4", "dev.pdf", "not_scanned"),
	}}))
	w := get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK, "Attached files",
		`<a href="/applications/app1/documents/d1">DPIA signed.pdf</a>`, "Scanned: no malware found",
		"Being scanned", "Malware found: quarantined",
		`<a href="/applications/app1/documents/d4">dev.pdf</a>`, "Not scanned", "malware scanning is switched off on this server")
	for _, no := range []string{`documents/d2"`, `documents/d3"`} {
		if strings.Contains(w.Body.String(), no) {
			t.Errorf("the page links %s, which may not be downloaded", no)
		}
	}
}
