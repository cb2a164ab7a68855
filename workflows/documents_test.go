package workflows

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/document"
)

const (
	cleanSHA    = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	infectedSHA = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func upload(key, sha, kind string) AttachDocumentRequest {
	return AttachDocumentRequest{Command: cmd(key, appLead), Upload: document.Upload{
		Name: "DPIA " + kind + ".pdf", Size: 1234, SHA256: sha, ContentType: document.TypePDF, Kind: kind}}
}

// scanner answers ScanDocument as clamd would: EICAR-like bytes are
// infected, everything else clean.
func (r *appRun) scanner() {
	r.env.OnActivity(acts.ScanDocument, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ScanRequest) (activities.ScanResult, error) {
		if in.SHA256 == infectedSHA {
			return activities.ScanResult{Status: document.ScanInfected, Signature: "Eicar-Signature"}, nil
		}
		return activities.ScanResult{Status: document.ScanClean}, nil
	})
}

func TestDocumentsOnADraft(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.scanner()
	first := r.send(UpdateAttachDocument, upload("up-1", cleanSHA, "dpia"))
	again := r.send(UpdateAttachDocument, upload("up-1", cleanSHA, "dpia"))
	bad := r.send(UpdateAttachDocument, AttachDocumentRequest{Command: cmd("up-bad", appLead), Upload: document.Upload{
		Name: "../../etc/passwd", Size: 0, SHA256: "nope", ContentType: "application/x-msdownload", Kind: "DPIA!"}})
	rival := r.send(UpdateAttachDocument, AttachDocumentRequest{Command: cmd("up-r", rivalApp), Upload: upload("", cleanSHA, "").Upload})
	r.send(UpdateAttachDocument, upload("up-2", infectedSHA, ""))
	r.send(UpdateAttachDocument, upload("up-3", cleanSHA, "evaluation_plan"))
	scanned := r.look()
	removed := r.send(UpdateRemoveDocument, RemoveDocumentRequest{Command: cmd("rm-3", appLead), DocumentID: "d3"})
	unknown := r.send(UpdateRemoveDocument, RemoveDocumentRequest{Command: cmd("rm-x", appLead), DocumentID: "d9"})
	r.send(UpdateAttachDocument, upload("up-4", cleanSHA, ""))
	after := r.look()
	tl := r.timeline(TimelineQuery{})
	require.Error(t, r.run(newApp(def)))

	var out Outcome
	first.ok(t, &out)
	require.Equal(t, "d1", out.DocumentID)
	again.ok(t, &out)
	require.Equal(t, "d1", out.DocumentID, "a retried upload records one document")
	e := refusedWith(t, bad, fundflow.EVALIDATION)
	require.ElementsMatch(t, []string{"file", "sha256", "name", "content_type", "kind"}, fieldsOf(e))
	refusedWith(t, rival, fundflow.EFORBIDDEN)

	require.Len(t, scanned.Documents, 3)
	d1, d2 := scanned.Documents[0], scanned.Documents[1]
	require.Equal(t, document.ScanClean, d1.ScanStatus)
	require.Equal(t, appLead, d1.UploadedBy)
	require.False(t, d1.UploadedAt.IsZero())
	require.Equal(t, document.ScanInfected, d2.ScanStatus)
	require.Equal(t, "Eicar-Signature", d2.Signature)

	removed.ok(t, &out)
	refusedWith(t, unknown, fundflow.ENOTFOUND)
	ids := func(v *ApplicationView) (out []string) {
		for _, d := range v.Documents {
			out = append(out, d.ID)
		}
		return out
	}
	require.Equal(t, []string{"d1", "d2", "d4"}, ids(after), "ids are never reused")
	require.Subset(t, actions(tl.Entries), []string{"document_attached", "document_quarantined", "document_removed"})
}

func TestDocumentsOnlyWhereTheApplicantIsWriting(t *testing.T) {
	def := appFund()
	r := newAppRun(t, def)
	r.scanner()
	toPanel(t, r, def)
	submitted := r.send(UpdateAttachDocument, upload("up-s", cleanSHA, ""))
	noRemoval := r.send(UpdateRemoveDocument, RemoveDocumentRequest{Command: cmd("rm", appLead), DocumentID: "d1"})
	require.Error(t, r.run(newApp(def)))
	refusedWith(t, submitted, fundflow.EINVALIDSTATE)
	refusedWith(t, noRemoval, fundflow.EINVALIDSTATE)
}

func TestEvidenceNeedsTheRequiredDocuments(t *testing.T) {
	def := appFund()
	require.Equal(t, []string{"dpia", "dtac"}, kindsOf(def.Milestones[0].DocumentsRequired), "the seed fund's IG milestone")
	r := newAppRun(t, def)
	r.scanner()
	toPanel(t, r, def)
	r.send(UpdatePanelDecision, PanelDecisionRequest{Command: cmd("decide", fundChair), Outcome: OutcomeApprove, AmountPence: 7_999_999})
	r.wait(letterTime)
	r.send(UpdateAcceptOffer, accept("accept"))
	m := def.Milestones[0].ID
	bare := evidence("e-none", m)
	bare.Documents = nil
	none := r.send(UpdateSubmitEvidence, bare)
	r.send(UpdateAttachDocument, upload("up-dpia", cleanSHA, "dpia"))
	r.send(UpdateAttachDocument, upload("up-bad", infectedSHA, "dtac"))
	partial := evidence("e-part", m)
	partial.Documents = []string{"d1", "d2", "d7"}
	half := r.send(UpdateSubmitEvidence, partial)
	r.send(UpdateAttachDocument, upload("up-dtac", strings.Repeat("c", 64), "dtac"))
	full := evidence("e-full", m)
	full.Documents = []string{"d1", "d3"}
	done := r.send(UpdateSubmitEvidence, full)
	v := r.look()
	require.Error(t, r.run(newApp(def)))

	e := refusedWith(t, none, fundflow.EVALIDATION)
	require.Equal(t, []string{"documents", "documents"}, fieldsOf(e), "both kinds are missing")
	e = refusedWith(t, half, fundflow.EVALIDATION)
	require.ElementsMatch(t, []string{"documents[1]", "documents[2]", "documents"}, fieldsOf(e), "infected, unknown, and dtac still missing")
	var out Outcome
	done.ok(t, &out)
	i := slices.IndexFunc(v.Milestones, func(x Milestone) bool { return x.ID == m })
	require.Equal(t, def.Milestones[0].DocumentsRequired, v.Milestones[i].DocumentsRequired, "the programme manager sees what was required")
	require.Equal(t, []string{"d1", "d3"}, v.Milestones[i].Evidence.Documents)
	require.Equal(t, MilestoneSubmitted, v.Milestones[i].Status)
}

func TestQueryAnswersReferToDocuments(t *testing.T) {
	def := quickFund()
	r := newAppRun(t, def)
	r.scanner()
	r.send(UpdateSaveDraft, SaveDraftRequest{Command: cmd("draft", appLead), Patch: patchOf(t, completeBody)})
	r.send(UpdateSubmit, SubmitRequest{Command: cmd("submit", appLead)})
	r.send(UpdateRaiseQuery, RaiseQueryRequest{Command: cmd("q", rev1), Question: "Please send the signed DPIA."})
	attached := r.send(UpdateAttachDocument, upload("up-q", cleanSHA, "dpia"))
	unknown := r.send(UpdateAnswerQuery, AnswerQueryRequest{Command: cmd("a-x", appLead), QueryID: "q1", Answer: "Attached.", Documents: []string{"d5"}})
	answered := r.send(UpdateAnswerQuery, AnswerQueryRequest{Command: cmd("a", appLead), QueryID: "q1", Answer: "Attached.", Documents: []string{"d1"}})
	after := r.send(UpdateAttachDocument, upload("up-late", cleanSHA, ""))
	v := r.look()
	require.Error(t, r.run(newApp(def)))
	var out Outcome
	attached.ok(t, &out)
	require.Equal(t, []string{"documents[0]"}, fieldsOf(refusedWith(t, unknown, fundflow.EVALIDATION)))
	answered.ok(t, &out)
	require.Equal(t, []string{"d1"}, v.Queries[0].Documents)
	refusedWith(t, after, fundflow.EINVALIDSTATE)
}

func kindsOf(reqs []document.Requirement) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Kind)
	}
	return out
}
