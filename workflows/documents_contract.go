package workflows

import "github.com/fundflow/fundflow/internal/document"

// Updates for the files an applicant attaches. Both take a request
// embedding Command, return an Outcome, and are idempotent by key.
const (
	// UpdateAttachDocument (AttachDocumentRequest) records a file the API
	// has stored: while drafting, while a query is open, and while a
	// milestone awaits evidence. The Outcome names the new document; it
	// is pending until ScanDocument has judged it.
	UpdateAttachDocument = "attach_document"
	// UpdateRemoveDocument (RemoveDocumentRequest) takes a file off a
	// draft.
	UpdateRemoveDocument = "remove_document"
)

// AttachDocumentRequest records an upload.
type AttachDocumentRequest struct {
	Command
	Upload document.Upload `json:"upload"`
}

// RemoveDocumentRequest removes one document from a draft.
type RemoveDocumentRequest struct {
	Command
	DocumentID string `json:"document_id"`
}
