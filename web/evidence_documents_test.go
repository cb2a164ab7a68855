package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// goLiveWithFiles is an award whose go-live milestone requires a go-live
// report, with one file of that kind ready, one still being scanned and
// one quarantined.
func goLiveWithFiles(docs ...map[string]any) map[string]any {
	app := deployingApp()
	m := app["milestones"].([]any)[0].(map[string]any)
	m["documents_required"] = []any{map[string]any{"kind": "go_live_report", "label": "Go-live report"}, map[string]any{"kind": "dtac", "label": "DTAC assessment"}}
	app["documents"] = append([]map[string]any{}, docs...)
	app["actions"] = append(actionsJSON("attach_document"), map[string]any{"name": "submit_evidence", "milestone_id": "live"})
	return app
}

func docJSON(id, name, kind, scan string) map[string]any {
	return map[string]any{"id": id, "name": name, "kind": kind, "scan_status": scan, "size": 10, "sha256": testSHA256,
		"content_type": "application/pdf", "uploaded_at": "2026-05-03T09:00:00Z", "uploaded_by": actorJSON("a1", "Ana Lead", "applicant")}
}

// The evidence form lists the kinds the milestone requires and which are
// missing, offers the files that can be cited (those of a required kind
// ticked), says which are still being scanned, and has an upload form
// that comes back to it with the milestone's kinds to choose from.
func TestEvidenceCitesTheRequiredDocuments(t *testing.T) {
	api, h := applicantAPI(t, goLiveWithFiles(
		docJSON("d1", "Go-live report.pdf", "go_live_report", "clean"),
		docJSON("d2", "Photos.pdf", "", "not_scanned"),
		docJSON("d3", "DTAC.pdf", "dtac", "pending"),
		docJSON("d4", "Minutes.csv", "", "infected")))
	w := get(t, h, "tok-applicant", "/applications/app1/milestones/live/evidence")
	wantHTML(t, w, http.StatusOK, "Documents required",
		"<dt class=\"nhsuk-summary-list__key\">Go-live report</dt>\n        <dd class=\"nhsuk-summary-list__value\"><strong class=\"nhsuk-tag nhsuk-tag--green\">Uploaded</strong>",
		"<dt class=\"nhsuk-summary-list__key\">DTAC assessment</dt>\n        <dd class=\"nhsuk-summary-list__value\"><strong class=\"nhsuk-tag nhsuk-tag--yellow\">Being scanned</strong>",
		`id="documents" name="documents" type="checkbox" value="d1" checked>`,
		`id="documents-d2" name="documents" type="checkbox" value="d2">`,
		"Go-live report.pdf (Go-live report)",
		"DTAC.pdf is being scanned for malware",
		`<input type="hidden" name="milestone" value="live">`,
		`<option value="dtac" selected>DTAC assessment</option>`, `<option value="go_live_report">Go-live report</option>`)
	if body := w.Body.String(); strings.Contains(body, `value="d4"`) || strings.Contains(body, `value="d3"`) {
		t.Error("a file that cannot be served is offered for citing")
	}

	api.on("POST "+testApp+"/milestones/live/evidence", http.StatusOK, commandJSON("draft", appJSON(nil)))
	w = post(t, h, "tok-applicant", "/applications/app1/milestones/live/evidence", url.Values{
		"summary": {"Live"}, "documents": {"d1", "d2"}, "idempotency_key": {"k-ev"},
	})
	wantRedirect(t, w, "/applications/app1", "Evidence submitted")
	if got := onlyCommand(t, api).Body["documents"]; len(got.([]any)) != 2 {
		t.Fatalf("documents sent %v", got)
	}

	// The API's refusal for a missing kind links to the files.
	api.on("POST "+testApp+"/milestones/live/evidence", http.StatusUnprocessableEntity, invalid(
		fieldErr("documents", "must include the DTAC assessment (a file of kind dtac)")))
	w = post(t, h, "tok-applicant", "/applications/app1/milestones/live/evidence", url.Values{"summary": {"Live"}, "documents": {"d2"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, "There is a problem",
		`<a href="#documents">Documents must include the DTAC assessment (a file of kind dtac)</a>`, `id="documents-error"`,
		`value="d1">`, `value="d2" checked>`)
}

// With no file to tick, the refusal links to the upload field instead.
func TestEvidenceWithoutFilesLinksToTheUpload(t *testing.T) {
	api, h := applicantAPI(t, goLiveWithFiles())
	api.on("POST "+testApp+"/milestones/live/evidence", http.StatusUnprocessableEntity, invalid(
		fieldErr("documents", "must include the Go-live report (a file of kind go_live_report)")))
	w := post(t, h, "tok-applicant", "/applications/app1/milestones/live/evidence", url.Values{"summary": {"Live"}})
	wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#file">Documents must include`, `id="file"`)
}

// A file uploaded from the evidence page goes with its kind and brings
// the lead back there; a refused one is explained there.
func TestUploadingFromTheEvidencePageComesBack(t *testing.T) {
	api, h := newDocsAPI(t, "in_deployment", 1<<20)
	w := postFile(t, h, "tok-applicant", csrfToken("tok-applicant"), "Go-live report.pdf", pdf(2048), "kind", "go_live_report", "milestone", "live")
	wantRedirect(t, w, "/applications/app1/milestones/live/evidence", "File uploaded: Go-live report.pdf")
	if len(api.uploads) != 1 || api.uploads[0].Fields["kind"] != "go_live_report" {
		t.Fatalf("uploads %+v", api.uploads)
	}
	w = postFile(t, h, "tok-applicant", csrfToken("tok-applicant"), "setup.pdf", []byte("MZ not a pdf"), "milestone", "live")
	wantHTML(t, w, http.StatusUnprocessableEntity, "Submit evidence", `<a href="#file">The selected file must be a PDF`)
}

// On a draft the upload form offers the kinds the fund's milestones
// require, none chosen; a fund that requires none has no selector.
func TestADraftsUploadOffersTheFundsKinds(t *testing.T) {
	api, h := newDocsAPI(t, "draft", 1<<20)
	w := get(t, h, "tok-applicant", "/applications/app1")
	if strings.Contains(w.Body.String(), `id="kind"`) {
		t.Error("a fund that requires no kinds offers a kind selector")
	}
	f := testFundJSON()
	ms := f["definition"].(map[string]any)["milestones"].([]any)
	ms[0].(map[string]any)["documents_required"] = []any{map[string]any{"kind": "dpia", "label": "DPIA signed off"}, map[string]any{"kind": "dtac", "label": "DTAC assessment"}}
	ms[1].(map[string]any)["documents_required"] = []any{map[string]any{"kind": "dpia", "label": "DPIA signed off"}}
	api.on("GET /v1/funds/pif", http.StatusOK, f)
	w = get(t, h, "tok-applicant", "/applications/app1")
	wantHTML(t, w, http.StatusOK, `<label class="nhsuk-label" for="kind">What is the file?</label>`,
		`<option value="dpia">DPIA signed off</option>`, `<option value="dtac">DTAC assessment</option>`,
		`<option value="" selected>Another supporting document</option>`)
	if strings.Count(w.Body.String(), `value="dpia"`) != 1 {
		t.Error("a kind two milestones require is offered twice")
	}
	wantRedirect(t, postFile(t, h, "tok-applicant", csrfToken("tok-applicant"), "DPIA.pdf", pdf(1024), "kind", "dpia"), "/applications/app1", "File uploaded: DPIA.pdf")
	if api.uploads[0].Fields["kind"] != "dpia" {
		t.Errorf("the kind sent was %q", api.uploads[0].Fields["kind"])
	}
	// The list names the kind as the fund does.
	wantHTML(t, get(t, h, "tok-applicant", "/applications/app1"), http.StatusOK, `<td class="nhsuk-table__cell">DPIA signed off</td>`)
}
