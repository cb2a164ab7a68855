package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/document"
)

// scanOptions retry a scan without end, backing off to a minute: a file
// waits, unservable, while clamd is down, and is judged once it is back.
// The attempt timeout covers streaming the largest upload to a busy clamd.
var scanOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		NonRetryableErrorTypes: []string{"DocumentMissing"},
	},
}

func (a *applicationWorkflow) setDocumentHandlers(ctx workflow.Context) error {
	return errors.Join(
		setCommand(ctx, a, UpdateAttachDocument, a.checkAttachDocument, a.attachDocument),
		setCommand(ctx, a, UpdateRemoveDocument, a.checkRemoveDocument, a.removeDocument),
	)
}

// canAttachDocument allows files where the applicant is writing something
// a file can support: a draft, an answer to an open query, or evidence for
// a milestone awaiting it.
func (a *applicationWorkflow) canAttachDocument(by fundflow.Actor) error {
	if err := a.requireApplicant(by); err != nil {
		return err
	}
	switch a.Status {
	case application.StatusDraft:
		return nil
	case application.StatusInformationRequested:
		if _, open := a.Queries.Open(); open {
			return nil
		}
	case application.StatusInDeployment:
		if slices.ContainsFunc(a.Milestones, Milestone.awaitingEvidence) {
			return nil
		}
	}
	return a.notNow()
}

func (a *applicationWorkflow) checkAttachDocument(_ workflow.Context, r AttachDocumentRequest) error {
	if err := a.canAttachDocument(r.Actor); err != nil {
		return err
	}
	if len(a.Documents) >= document.MaxFiles {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "an application holds at most %d files; remove one first", document.MaxFiles)
	}
	var v fundflow.Invalid
	document.CheckUpload(&v, r.Upload)
	return v.Err("the file is invalid")
}

func (a *applicationWorkflow) attachDocument(ctx workflow.Context, r AttachDocumentRequest) (Outcome, error) {
	// Marks the histories that carry documents, so any later change to
	// how they are kept can branch on it.
	a.since(ctx, "documents")
	a.DocumentSeq++
	d := document.Document{
		ID: fmt.Sprintf("d%d", a.DocumentSeq), Name: r.Upload.Name, Size: r.Upload.Size, SHA256: r.Upload.SHA256,
		ContentType: r.Upload.ContentType, Kind: r.Upload.Kind, ScanStatus: document.ScanPending,
		UploadedAt: workflow.Now(ctx).UTC(), UploadedBy: r.Actor,
	}
	a.Documents = append(a.Documents, d)
	a.record(ctx, application.AudienceEveryone, r.Actor, "document_attached", fmt.Sprintf("%s %s", d.ID, d.Name))
	out := a.outcome()
	out.DocumentID = d.ID
	return out, nil
}

func (a *applicationWorkflow) canRemoveDocument(by fundflow.Actor) error { return a.canEditDraft(by) }

func (a *applicationWorkflow) checkRemoveDocument(_ workflow.Context, r RemoveDocumentRequest) error {
	if err := a.canRemoveDocument(r.Actor); err != nil {
		return err
	}
	if a.document(r.DocumentID) < 0 {
		return fundflow.Errorf(fundflow.ENOTFOUND, "application %s has no document %q", a.ApplicationID, r.DocumentID)
	}
	return nil
}

// removeDocument forgets the record. The bytes stay in the blob store,
// where another application may hold the same file under the same hash;
// without the record nobody can reach them through this application.
func (a *applicationWorkflow) removeDocument(ctx workflow.Context, r RemoveDocumentRequest) (Outcome, error) {
	i := a.document(r.DocumentID)
	d := a.Documents[i]
	a.Documents = slices.Delete(a.Documents, i, i+1)
	a.record(ctx, application.AudienceEveryone, r.Actor, "document_removed", fmt.Sprintf("%s %s", d.ID, d.Name))
	return a.outcome(), nil
}

func (a *applicationWorkflow) document(id string) int {
	return slices.IndexFunc(a.Documents, func(d document.Document) bool { return d.ID == id })
}

// scanDocuments judges pending files one at a time, oldest first. A
// record removed while its scan ran is simply not updated.
func (a *applicationWorkflow) scanDocuments(ctx workflow.Context) {
	ctx = workflow.WithActivityOptions(ctx, scanOptions)
	next := func() int {
		return slices.IndexFunc(a.Documents, func(d document.Document) bool { return d.ScanStatus == document.ScanPending })
	}
	for {
		if err := workflow.Await(ctx, func() bool { return next() >= 0 }); err != nil {
			return
		}
		d := a.Documents[next()]
		a.scanning = true
		var res activities.ScanResult
		err := workflow.ExecuteActivity(ctx, acts.ScanDocument, activities.ScanRequest{SHA256: d.SHA256}).Get(ctx, &res)
		a.scanning = false
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			// Only a file missing from the store ends retrying: it can
			// never be served, so it is treated as quarantined.
			res = activities.ScanResult{Status: document.ScanInfected, Signature: "missing from the store"}
		}
		now := workflow.Now(ctx).UTC()
		for i := range a.Documents {
			// Every record of the same bytes shares the verdict.
			if x := &a.Documents[i]; x.SHA256 == d.SHA256 && x.ScanStatus == document.ScanPending {
				x.ScanStatus, x.Signature, x.ScannedAt = res.Status, res.Signature, now
				if res.Status == document.ScanInfected {
					a.record(ctx, application.AudienceEveryone, fundflow.System, "document_quarantined",
						fmt.Sprintf("%s %s: %s", x.ID, x.Name, res.Signature))
				}
			}
		}
		a.Version++
	}
}

// checkDocuments is the rule for documents a submission refers to: each
// is this application's, judged servable, and together they hold every
// required kind.
func (a *applicationWorkflow) checkDocuments(v *fundflow.Invalid, field string, ids []string, required []document.Requirement) {
	if len(ids) > document.MaxFiles {
		v.Add(field, "must be at most %d", document.MaxFiles)
		return
	}
	kinds := map[string]bool{}
	for i, id := range ids {
		j := a.document(id)
		switch {
		case j < 0:
			v.Add(fmt.Sprintf("%s[%d]", field, i), "no document %q on this application", id)
		case a.Documents[j].ScanStatus == document.ScanPending:
			v.Add(fmt.Sprintf("%s[%d]", field, i), "document %s is still being scanned; try again in a minute", id)
		case !a.Documents[j].ScanStatus.Servable():
			v.Add(fmt.Sprintf("%s[%d]", field, i), "document %s failed its malware scan", id)
		default:
			kinds[a.Documents[j].Kind] = true
		}
	}
	for _, req := range required {
		if !kinds[req.Kind] {
			v.Add(field, "must include the %s (a file of kind %s)", req.Label, req.Kind)
		}
	}
}
