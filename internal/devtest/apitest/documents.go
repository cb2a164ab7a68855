package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/fund"
)

// PDF is a small file that passes the API's content check as a PDF,
// different for each title.
func PDF(title string) []byte {
	return fmt.Appendf(nil, "%%PDF-1.7\n%% %s\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n", title)
}

// Document is the part of an upload's record the tests read.
type Document struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	SHA256     string `json:"sha256"`
	ScanStatus string `json:"scan_status"`
}

// Upload attaches data to application id as POST …/documents does, under
// the Idempotency-Key key, failing the test unless it is stored (201).
func (c *Client) Upload(id, token, key, name, kind string, data []byte) Document {
	c.t.Helper()
	body, ct := document.Form(name, kind, data)
	req, _ := http.NewRequest(http.MethodPost, c.base+"/v1/applications/"+id+"/documents", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Idempotency-Key", key)
	code, _, b := c.send(req, token)
	var d Document
	if err := json.Unmarshal(b, &d); err != nil || code != http.StatusCreated {
		c.t.Fatalf("upload %s to %s: %d %s", name, id, code, b)
	}
	return d
}

// AttachRequired uploads a PDF of each kind milestone m requires to
// application id and waits until each can be cited (scanned clean, or
// not scanned where scanning is off). It returns their ids, for the
// evidence's "documents".
func (c *Client) AttachRequired(id, token string, m fund.Milestone) []string {
	c.t.Helper()
	ids := []string{}
	for _, req := range m.DocumentsRequired {
		d := c.Upload(id, token, "attach-"+id+"-"+m.ID+"-"+req.Kind, req.Label+".pdf", req.Kind, PDF(id+" "+req.Label))
		ids = append(ids, d.ID)
	}
	c.AwaitScans(id, token)
	return ids
}

// AwaitScans waits until no file of application id is still being
// scanned, so each can be cited.
func (c *Client) AwaitScans(id, token string) {
	c.t.Helper()
	for deadline := time.Now().Add(retryFor); ; time.Sleep(100 * time.Millisecond) {
		var docs []Document
		c.Do(http.MethodGet, "/v1/applications/"+id+"/documents", token, nil, &docs)
		pending := 0
		for _, d := range docs {
			if d.ScanStatus == string(document.ScanPending) {
				pending++
			}
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: %d files still being scanned", id, pending)
		}
	}
}
