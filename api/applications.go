package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/gorilla/mux"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/workflows"
)

// newApplicationID names a new application. With an Idempotency-Key the id
// is derived from the caller and the key, so a retry of a create that timed
// out, failed or died with the process lands on the same workflow (whose
// Update ID is the same key, so Temporal folds the retry into the first
// attempt) rather than starting a second draft. Without one it is
// time-ordered and random. Lists order by creation time, not by id.
func newApplicationID(now time.Time, callerID, key string) string {
	if key != "" {
		sum := sha256.Sum256([]byte("application\x00" + callerID + "\x00" + key))
		return "app_" + hex.EncodeToString(sum[:11])
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("app_%012x%s", now.UnixMilli(), hex.EncodeToString(b[:]))
}

// createApplicationBody is fund_id and the first answers, in one object.
type createApplicationBody struct {
	FundID string
	Patch  application.Patch
}

// UnmarshalJSON takes fund_id out and reads the rest as a patch, which
// judges its own members: the patch keeps answers to questions only the
// fund's form knows.
func (b *createApplicationBody) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	if id, ok := m["fund_id"]; ok {
		if err := json.Unmarshal(id, &b.FundID); err != nil {
			return &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeFor[string](), Field: "fund_id"}
		}
		delete(m, "fund_id")
	}
	rest, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(rest, &b.Patch)
}

func (s *server) createApplication(w http.ResponseWriter, r *http.Request) {
	var body createApplicationBody
	if err := decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	cmd, err := command(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.FundID == "" {
		s.writeError(w, r, &fundflow.Error{Code: fundflow.EVALIDATION, Message: "say which fund to apply to",
			Fields: []fundflow.FieldError{{Field: "fund_id", Message: "is required"}}})
		return
	}
	var bad fundflow.Invalid
	if checkID(&bad, "fund_id", body.FundID); len(bad) > 0 {
		s.writeError(w, r, bad.Err("there is no such fund"))
		return
	}
	f, err := s.fundView(r, body.FundID)
	if fundflow.ErrorCode(err) == fundflow.ENOTFOUND {
		err = &fundflow.Error{Code: fundflow.EVALIDATION, Message: "there is no such fund",
			Fields: []fundflow.FieldError{{Field: "fund_id", Message: "is not a fund"}}}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Status != fund.StatusOpen {
		s.writeError(w, r, fundflow.Errorf(fundflow.EINVALIDSTATE, "the fund is %s and not taking applications", f.Status))
		return
	}
	p := principal(r.Context())
	// The workflow checks the draft too, but Update-with-Start starts it
	// even when the Update is refused; checking first leaves no empty
	// application behind a 422.
	if err := s.known().ValidateDraft(application.Content{OrgCode: p.OrgCode}.Apply(body.Patch), f.Definition.Defaults()); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := newApplicationID(s.Now(), p.ID, r.Header.Get("Idempotency-Key"))
	start := s.Temporal.NewWithStartWorkflowOperation(workflows.StartApplicationOptions(id, body.FundID, p.OrgCode),
		workflows.ApplicationWorkflow, workflows.NewApplicationInput(id, f.Definition, p.Actor()))
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout)
	defer cancel()
	h, err := s.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateID: cmd.Key, UpdateName: workflows.UpdateSaveDraft, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.SaveDraftRequest{Command: cmd, Patch: body.Patch}},
		},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		// The key's application exists and has since finished, so the
		// draft cannot take the retried save; the retry's answer is the
		// application the first attempt made.
		err = nil
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The caller's own token made it, so there is no access to check.
	v, err := s.queryView(r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/applications/"+id)
	writeJSON(w, http.StatusCreated, s.present(r, v))
}

// applicationView reads an application from its workflow, the source of
// truth, so a read right after a command always shows it, with the actions
// the caller may take on it now. An applicant asking for another
// organisation's application is told it does not exist.
func (s *server) applicationView(r *http.Request, id string) (workflows.ApplicationView, error) {
	if err := s.checkAccess(r, id); err != nil {
		return workflows.ApplicationView{}, err
	}
	return s.queryView(r, id)
}

// checkAccess refuses an applicant another organisation's application,
// as not found. The organisation comes from the projection when it is the
// caller's (it never changes), and otherwise from the workflow's OrgCode
// search attribute, which the history service answers without running the
// workflow: another organisation's application and a made-up id then cost
// the same one lookup, so the time of a 404 does not tell whether the id
// exists.
func (s *server) checkAccess(r *http.Request, id string) error {
	p := principal(r.Context())
	if !p.Role.Applying() {
		return nil
	}
	if s.ReadModel != nil {
		if row, err := s.ReadModel.Get(r.Context(), id); err == nil && ((p.Role == fundflow.RoleApplicant && row.OrgCode == p.OrgCode) || slices.Contains(row.Team, p.ID)) {
			return nil
		}
	}
	if p.Role == fundflow.RoleCoApplicant {
		// Invited to applications one by one, a co-applicant is let in by
		// the read model's row alone; the organisation tells nothing.
		return fundflow.Errorf(fundflow.ENOTFOUND, "no application %q", id)
	}
	org, err := s.orgOf(r.Context(), workflows.ApplicationWorkflowID(id))
	if err != nil {
		return orNotFound(err, "no application %q", id)
	}
	if org != p.OrgCode {
		return fundflow.Errorf(fundflow.ENOTFOUND, "no application %q", id)
	}
	return nil
}

// queryView is the workflow's view of an application for the caller, once
// checkAccess has let them see it.
func (s *server) queryView(r *http.Request, id string) (workflows.ApplicationView, error) {
	var v workflows.ApplicationView
	p := principal(r.Context())
	by := p.Actor()
	err := s.query(r.Context(), workflows.ApplicationWorkflowID(id), workflows.QueryApplication, &v, workflows.ViewQuery{Actor: &by})
	if err != nil {
		return v, orNotFound(err, "no application %q", id)
	}
	if !by.MaySee(v.OrgCode) && !onTeam(v, by.ID) {
		return workflows.ApplicationView{}, fundflow.Errorf(fundflow.ENOTFOUND, "no application %q", id)
	}
	s.raiseFloor(r.Context(), id, v.Version)
	return v, nil
}

// orgOf is the organisation a workflow belongs to, from its search
// attributes.
func (s *server) orgOf(ctx context.Context, workflowID string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	resp, err := s.Temporal.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		return "", err
	}
	var org string
	if p := resp.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[workflows.SearchOrgCode.GetName()]; p != nil {
		if err := converter.GetDefaultDataConverter().FromPayload(p, &org); err != nil {
			return "", err
		}
	}
	return org, nil
}

// getApplication answers from the projection when it is fresh enough for
// the caller, else from the workflow; see fresh.go.
func (s *server) getApplication(w http.ResponseWriter, r *http.Request) {
	f, err := readFreshness(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.freshView(r, mux.Vars(r)["id"], f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", versionETag(v.Version))
	if f.unchanged(v.Version) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, s.present(r, v))
}

// applicationCommand sends one Update on behalf of the caller and answers
// with the application as it now stands. build turns the decoded body into
// the Update's request; a nil body type means the request has no body.
func applicationCommand[B any](s *server, update string, build func(workflows.Command, B) any) http.HandlerFunc {
	return checkedApplicationCommand(s, update, nil, build)
}

// checkedApplicationCommand is applicationCommand with a check of the body
// that only the API can make, before the workflow is asked.
func checkedApplicationCommand[B any](s *server, update string, check func(*http.Request, string, B) error,
	build func(workflows.Command, B) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body B
		cmd, id, ok := s.readApplicationCommand(w, r, &body)
		if !ok {
			return
		}
		if check != nil {
			if err := check(r, id, body); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		s.commandAnswer(w, r, id, update, cmd.Key, build(cmd, body))
	}
}

// readApplicationCommand reads a command about the application in the
// path, having answered the request itself if it cannot go on: applicants
// learn nothing about other organisations' applications, not even that
// they exist.
func (s *server) readApplicationCommand(w http.ResponseWriter, r *http.Request, body any) (workflows.Command, string, bool) {
	cmd, err := readCommand(w, r, body)
	if err != nil {
		s.writeError(w, r, err)
		return cmd, "", false
	}
	id := mux.Vars(r)["id"]
	if err := s.checkAccess(r, id); err != nil {
		s.writeError(w, r, err)
		return cmd, "", false
	}
	return cmd, id, true
}

// commandAnswer sends the Update and answers with what it did and the
// application after it.
func (s *server) commandAnswer(w http.ResponseWriter, r *http.Request, id, update, key string, req any) {
	var out workflows.Outcome
	if err := s.update(r.Context(), workflows.ApplicationWorkflowID(id), update, key, req, &out); err != nil {
		s.writeError(w, r, s.refusedWhenClosed(r, id, err))
		return
	}
	s.answerWith(w, r, id, out)
}

// answerWith answers a command with its outcome and the application now.
func (s *server) answerWith(w http.ResponseWriter, r *http.Request, id string, out workflows.Outcome) {
	v, err := s.queryView(r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, commandResult{Outcome: out, Application: s.present(r, v)})
}

// refusedWhenClosed explains an Update that Temporal answered NotFound.
// That means either no such application or one whose workflow has ended:
// Queries still answer on a closed workflow, so the view tells the two
// apart, and a finished application refuses the command as any other
// status that does not allow it would. The view keeps its access rule, so
// another organisation's finished application is still not found.
func (s *server) refusedWhenClosed(r *http.Request, id string, err error) error {
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
		return err
	}
	v, verr := s.applicationView(r, id)
	switch {
	case verr != nil:
		return verr
	case v.Closed != nil:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "the application is closed: %s", v.Closed.Reason)
	}
	return fundflow.Errorf(fundflow.EINVALIDSTATE, "the application is %s and finished; nothing more can be done to it", v.Status)
}

// commandResult is what every application command answers: what the
// command did, and the application after it.
type commandResult struct {
	workflows.Outcome
	Application any `json:"application"`
}

type (
	noBody       struct{}
	withdrawBody struct {
		Reason string `json:"reason"`
	}
	eligibilityBody struct {
		Decision application.Result `json:"decision"`
		Reason   string             `json:"reason"`
	}
	conflictBody struct {
		HasConflict bool   `json:"has_conflict"`
		Note        string `json:"note"`
	}
	assessmentBody struct {
		Scores          []application.Score `json:"scores"`
		Feedback        string              `json:"feedback"`
		InternalComment string              `json:"internal_comment"`
	}
	queryBody struct {
		Question      string        `json:"question"`
		RespondWithin fund.Duration `json:"respond_within"`
	}
	answerBody struct {
		Answer    string   `json:"answer"`
		Documents []string `json:"documents"`
	}
	decisionBody struct {
		Outcome     workflows.PanelOutcome `json:"outcome"`
		AmountPence int64                  `json:"amount_pence"`
		Conditions  []string               `json:"conditions"`
		Feedback    string                 `json:"feedback"`
	}
)

func (s *server) patchApplication() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		base, err := baseVersion(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		checkedApplicationCommand(s, workflows.UpdateSaveDraft, s.checkAnswers, func(c workflows.Command, p application.Patch) any {
			return workflows.SaveDraftRequest{Command: c, Patch: p, BaseVersion: base}
		})(w, r)
	}
}

func (s *server) submitApplication() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateSubmit, func(c workflows.Command, _ noBody) any {
		return workflows.SubmitRequest{Command: c}
	})
}

func (s *server) withdrawApplication() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateWithdraw, func(c workflows.Command, b withdrawBody) any {
		return workflows.WithdrawRequest{Command: c, Reason: b.Reason}
	})
}

func (s *server) decideEligibility() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateEligibilityDecision, func(c workflows.Command, b eligibilityBody) any {
		return workflows.EligibilityDecisionRequest{Command: c, Decision: b.Decision, Reason: b.Reason}
	})
}

func (s *server) declareConflict() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateDeclareConflict, func(c workflows.Command, b conflictBody) any {
		return workflows.DeclareConflictRequest{Command: c, HasConflict: b.HasConflict, Note: b.Note}
	})
}

func (s *server) submitAssessment() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateSubmitAssessment, func(c workflows.Command, b assessmentBody) any {
		return workflows.SubmitAssessmentRequest{Command: c, Scores: b.Scores, Feedback: b.Feedback, InternalComment: b.InternalComment}
	})
}

func (s *server) raiseQuery() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdateRaiseQuery, func(c workflows.Command, b queryBody) any {
		return workflows.RaiseQueryRequest{Command: c, Question: b.Question, RespondWithin: b.RespondWithin}
	})
}

func (s *server) answerQuery() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		qid := mux.Vars(r)["query_id"]
		applicationCommand(s, workflows.UpdateAnswerQuery, func(c workflows.Command, b answerBody) any {
			return workflows.AnswerQueryRequest{Command: c, QueryID: qid, Answer: b.Answer, Documents: b.Documents}
		})(w, r)
	}
}

func (s *server) decidePanel() http.HandlerFunc {
	return applicationCommand(s, workflows.UpdatePanelDecision, func(c workflows.Command, b decisionBody) any {
		return workflows.PanelDecisionRequest{Command: c, Outcome: b.Outcome, AmountPence: b.AmountPence, Conditions: b.Conditions, Feedback: b.Feedback}
	})
}

func (s *server) applicationTimeline(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	if err := s.checkAccess(r, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	var v fundflow.Invalid
	limit := readLimit(r, &v)
	after := readSeqCursor(r, &v)
	if err := v.Err("the list parameters are invalid"); err != nil {
		s.writeError(w, r, err)
		return
	}
	var page workflows.TimelinePage
	if err := s.query(r.Context(), workflows.ApplicationWorkflowID(id), workflows.QueryTimeline, &page,
		workflows.TimelineQuery{AfterSeq: int(after), Limit: limit, Role: principal(r.Context()).Role}); err != nil {
		s.writeError(w, r, orNotFound(err, "no application %q", id))
		return
	}
	out := list[application.Entry]{Items: page.Entries}
	if out.Items == nil {
		out.Items = []application.Entry{}
	}
	out.NextCursor = seqCursor(int64(page.NextAfterSeq))
	writeJSON(w, http.StatusOK, out)
}
