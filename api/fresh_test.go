package api

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/workflows"
)

// liveApplication is one application's workflow as the API meets it: its
// state (with every audience's actions, as the workflow would compute
// them) answers Queries, and what the API asked is counted.
type liveApplication struct {
	mu      sync.Mutex
	state   workflows.ApplicationView
	queries int
}

func (l *liveApplication) set(v workflows.ApplicationView) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.state = v
}

func (l *liveApplication) queried() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.queries
	l.queries = 0
	return n
}

func (h *harness) live(l *liveApplication) {
	h.temporal.On("QueryWorkflow", mock.Anything, mock.Anything, "", workflows.QueryApplication, mock.Anything).Return(
		func(_ context.Context, workflowID, _, _ string, args ...any) (converter.EncodedValue, error) {
			l.mu.Lock()
			defer l.mu.Unlock()
			if workflowID != workflows.ApplicationWorkflowID(l.state.ID) {
				return nil, serviceerror.NewNotFound("workflow not found")
			}
			l.queries++
			var by fundflow.Actor
			if q, ok := args[0].(workflows.ViewQuery); ok && q.Actor != nil {
				by = *q.Actor
			}
			return encode(l.state.For(by))
		})
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, mock.Anything, "").Return(
		func(_ context.Context, workflowID, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
			l.mu.Lock()
			defer l.mu.Unlock()
			if workflowID != workflows.ApplicationWorkflowID(l.state.ID) {
				return nil, serviceerror.NewNotFound("workflow not found")
			}
			org, err := converter.GetDefaultDataConverter().ToPayload(l.state.OrgCode)
			return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
				SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{workflows.SearchOrgCode.GetName(): org}},
			}}, err
		})
}

// project writes v's projection, as the workflow's activity does.
func (h *harness) project(t *testing.T, v workflows.ApplicationView) {
	t.Helper()
	row := workflows.ApplicationRow(v, today)
	if row.View == nil {
		t.Fatal("no view in the row")
	}
	if _, err := h.readModel.Put(context.Background(), row); err != nil {
		t.Fatal(err)
	}
}

func stateAt(version int64, s application.Status) workflows.ApplicationView {
	v := finishedView("app_fresh", s)
	v.Final, v.Version = false, version
	v.Reviewers, v.Queries, v.Notifications, v.Documents = []application.Reviewer{}, application.Queries{}, []workflows.NotificationRecord{}, nil
	v.Letters = []letters.Record{}
	v.Panel.Conflicts = []application.Conflict{{Reviewer: application.Reviewer{ID: "rev-c"}}}
	v.ActionsBy = map[string][]workflows.Action{
		"applicant":         {{Name: workflows.UpdateWithdraw}},
		"reviewer":          {{Name: workflows.UpdateDeclareConflict}},
		"reviewer:rev-c":    {},
		"panel_chair":       {{Name: workflows.UpdateRaiseQuery}},
		"programme_manager": {},
		"admin":             {},
	}
	if s == application.StatusPanel {
		v.ActionsBy["panel_chair"] = append(v.ActionsBy["panel_chair"], workflows.Action{Name: workflows.UpdatePanelDecision})
	}
	return v
}

type readAnswer struct {
	code    int
	etag    string
	version int64
	status  string
	actions []workflows.Action
}

func (h *harness) read(t *testing.T, token, query string, header ...string) readAnswer {
	t.Helper()
	req := jsonRequest("GET", "/v1/applications/app_fresh"+query, token, "", nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptestServe(h.handler, req)
	h.contract.Check(t, req, rec.Code, rec.Header(), rec.Body.Bytes())
	a := readAnswer{code: rec.Code, etag: rec.Header().Get("ETag")}
	if rec.Code == 200 {
		var body struct {
			Version int64              `json:"version"`
			Status  string             `json:"status"`
			Actions []workflows.Action `json:"actions"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		a.version, a.status, a.actions = body.Version, body.Status, body.Actions
	}
	return a
}

// TestSingleReadIsNeverOlderThanAsked holds the projection back behind the
// workflow: whatever the caller says it has seen, or the API has already
// shown anyone, is never answered from an older projection, and the
// Query answers instead; a projection new enough answers without one.
func TestSingleReadIsNeverOlderThanAsked(t *testing.T) {
	h := newHarness(t)
	live := &liveApplication{}
	h.live(live)
	live.set(stateAt(5, application.StatusPanel))
	h.project(t, stateAt(3, application.StatusAssessment)) // the projection of 4 and 5 is held back
	chair := h.token(fundflow.RolePanelChair, "")

	got := h.read(t, chair, "?min_version=3")
	if got.code != 200 || got.version != 3 || live.queried() != 0 {
		t.Fatalf("min_version=3 with the projection at 3: %+v, %d queries; want the projection", got, live.queried())
	}
	if got.etag != `"3"` {
		t.Errorf("ETag %q, want \"3\"", got.etag)
	}
	got = h.read(t, chair, "?min_version=4")
	if got.code != 200 || got.version != 5 || got.status != "panel" || live.queried() != 1 {
		t.Fatalf("min_version=4 with the projection at 3: %+v; want the Query's version 5", got)
	}
	if want := []workflows.Action{{Name: workflows.UpdateRaiseQuery}, {Name: workflows.UpdatePanelDecision}}; !equalActions(got.actions, want) {
		t.Errorf("actions %v, want %v", got.actions, want)
	}
	// Version 5 has now been shown, so a read without a hint never goes
	// back to 3, nor does one whose If-None-Match names 3.
	if got = h.read(t, chair, ""); got.version != 5 || live.queried() != 1 {
		t.Fatalf("no hint after 5 was shown: %+v; want 5 from the Query", got)
	}
	if got = h.read(t, chair, "", "If-None-Match", `"3"`); got.code != 200 || got.version != 5 {
		t.Fatalf("If-None-Match 3 after 5 was shown: %+v; want 200 with 5", got)
	}
	if got = h.read(t, chair, "", "If-None-Match", `"5"`); got.code != 304 || got.etag != `"5"` {
		t.Fatalf("If-None-Match 5 at 5: %+v; want 304", got)
	}
	live.queried()

	// The projection catches up: the same reads answer without a Query.
	h.project(t, stateAt(5, application.StatusPanel))
	for _, c := range []struct{ query, inm string }{{"", ""}, {"?min_version=5", ""}, {"", `W/"5"`}, {"", `"2", "5"`}} {
		got := h.read(t, chair, c.query, "If-None-Match", c.inm)
		if got.version == 0 {
			got.version = 5 // a 304 says it by its ETag
		}
		if got.version != 5 || got.etag != `"5"` || live.queried() != 0 {
			t.Errorf("%q If-None-Match %q with the projection at 5: %+v; want it from the projection", c.query, c.inm, got)
		}
	}
	// A version the application has not reached is answered with what
	// there is, from the workflow.
	if got = h.read(t, chair, "?min_version=9"); got.version != 5 || live.queried() != 1 {
		t.Errorf("min_version=9: %+v; want 5 from the Query", got)
	}

	// Each caller gets their own actions from the projection, as from
	// the Query.
	for _, c := range []struct {
		role fundflow.Role
		org  string
		want []workflows.Action
	}{
		{fundflow.RoleApplicant, "QUY", []workflows.Action{{Name: workflows.UpdateWithdraw}}},
		{fundflow.RoleReviewer, "", []workflows.Action{{Name: workflows.UpdateDeclareConflict}}},
		{fundflow.RoleProgrammeManager, "", []workflows.Action{}},
	} {
		got := h.read(t, h.token(c.role, c.org), "?min_version=5")
		if got.code != 200 || !equalActions(got.actions, c.want) || live.queried() != 0 {
			t.Errorf("%s: %+v, want actions %v from the projection", c.role, got, c.want)
		}
	}
	// Another organisation's applicant is refused as for a made-up id.
	other := h.token(fundflow.RoleApplicant, "QHL")
	if got = h.read(t, other, "?min_version=5"); got.code != 404 {
		t.Errorf("another organisation: %d, want 404", got.code)
	}
}

func equalActions(a, b []workflows.Action) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestSingleReadHintsAreChecked(t *testing.T) {
	h := newHarness(t)
	chair := h.token(fundflow.RolePanelChair, "")
	for _, q := range []string{"?min_version=x", "?min_version=-1", "?min_version=1&min_version=2", "?min_version=99999999999999999999"} {
		rec := h.do("GET", "/v1/applications/app_fresh"+q, chair, nil)
		p := wantProblem(t, rec, 422, fundflow.EVALIDATION)
		if !strings.Contains(rec.Body.String(), "min_version") {
			t.Errorf("%s: %+v does not name min_version", q, p)
		}
	}
}
